/* check-driver only: mingw-w64's evntprov.h hides EVENT_INFO_CLASS in kernel mode, wdm.h uses it. */
#include_next <evntprov.h>
#ifdef _ETW_KM_
typedef enum _EVENT_INFO_CLASS { KmclCheckEventInfoClassUnused } EVENT_INFO_CLASS;
#endif
