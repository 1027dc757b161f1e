/* check-driver only. The public WDK copy has no shared/ntdef.h; mingw-w64's ntdef.h stands in, and
 * this wrapper adds what the WDK's own ntdef.h declares and mingw-w64's does not (found by running the
 * check; each line is a definition the km headers use). Never used to build the driver. */
#ifndef KMCL_CHECK_NTDEF_WRAPPER
#define KMCL_CHECK_NTDEF_WRAPPER
#include_next <ntdef.h>
/* mingw-w64's FIELD_OFFSET/C_ASSERT forms are not constant expressions for clang in MSVC mode */
#undef FIELD_OFFSET
#define FIELD_OFFSET(Type, Field) ((LONG)__builtin_offsetof(Type, Field))
#undef C_ASSERT
#define C_ASSERT(e) _Static_assert((e), #e)
typedef UCHAR KIRQL;
typedef KIRQL *PKIRQL;
typedef WCHAR *PZZWSTR;
typedef const WCHAR *PCZZWSTR;
typedef enum _SUITE_TYPE { KmclCheckSuiteTypeUnused } SUITE_TYPE;
#define CFORCEINLINE FORCEINLINE
#define DECLSPEC_DEPRECATED_DDK
#define DECLSPEC_DEPRECATED_DDK_WINXP
#endif
