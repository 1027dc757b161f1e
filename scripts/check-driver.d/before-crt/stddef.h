/* check-driver only: the WDK CRT's offsetof is the classic null-pointer form, which MSVC folds to a
 * constant but clang does not accept in a static assertion; the builtin gives the same offsets. */
#include_next <stddef.h>
#undef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
