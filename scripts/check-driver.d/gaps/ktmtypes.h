/* check-driver only: mingw-w64's ktmtypes.h lacks the UOW type wdm.h uses. */
#include_next <ktmtypes.h>
typedef GUID UOW, *PUOW;
