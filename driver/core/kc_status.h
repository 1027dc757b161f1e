/* kc_status.h - the core's status type; the values are the bridge's one list (kmclbridge_status.h). */
#ifndef KC_STATUS_H
#define KC_STATUS_H
#include <stdint.h>
#include "kmclbridge_status.h"

typedef int32_t kc_status;
#define KC_SUCCESS(s) KMCLB_NT_SUCCESS(s)

#endif
