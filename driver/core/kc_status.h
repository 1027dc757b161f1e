/* kc_status.h - NTSTATUS values used by the portable core (no WDK headers). */
#ifndef KC_STATUS_H
#define KC_STATUS_H
#include <stdint.h>
#include "kmclbridge_protocol.h"

typedef int32_t kc_status;
#define KC_SUCCESS(s) ((int32_t)(s) >= 0)

#define KC_STATUS_SUCCESS                 ((kc_status)0x00000000)
#define KC_STATUS_TIMEOUT                 ((kc_status)0x00000102)
#define KC_STATUS_PENDING                 ((kc_status)0x00000103)
#define KC_STATUS_BUFFER_OVERFLOW         ((kc_status)0x80000005u)
#define KC_STATUS_UNSUCCESSFUL            ((kc_status)0xC0000001u)
#define KC_STATUS_INFO_LENGTH_MISMATCH    ((kc_status)0xC0000004u)
#define KC_STATUS_INVALID_HANDLE          ((kc_status)0xC0000008u)
#define KC_STATUS_INVALID_PARAMETER       ((kc_status)0xC000000Du)
#define KC_STATUS_NO_SUCH_DEVICE          ((kc_status)0xC000000Eu)
#define KC_STATUS_INVALID_DEVICE_REQUEST  ((kc_status)0xC0000010u)
#define KC_STATUS_MORE_PROCESSING_REQUIRED ((kc_status)0xC0000016u)
#define KC_STATUS_ACCESS_DENIED           ((kc_status)0xC0000022u)
#define KC_STATUS_BUFFER_TOO_SMALL        ((kc_status)0xC0000023u)
#define KC_STATUS_REVISION_MISMATCH       ((kc_status)0xC0000059u)
#define KC_STATUS_INTEGER_OVERFLOW        ((kc_status)0xC0000095u)
#define KC_STATUS_INSUFFICIENT_RESOURCES  ((kc_status)0xC000009Au)
#define KC_STATUS_DEVICE_NOT_CONNECTED    ((kc_status)0xC000009Du)
#define KC_STATUS_NOT_SUPPORTED           ((kc_status)0xC00000BBu)
#define KC_STATUS_INVALID_PARAMETER_1     ((kc_status)0xC00000EFu)
#define KC_STATUS_INVALID_PARAMETER_2     ((kc_status)0xC00000F0u)
#define KC_STATUS_INVALID_PARAMETER_3     ((kc_status)0xC00000F1u)
#define KC_STATUS_CANCELLED               ((kc_status)0xC0000120u)
#define KC_STATUS_INVALID_DEVICE_STATE    ((kc_status)0xC0000184u)
#define KC_STATUS_NOT_FOUND               ((kc_status)0xC0000225u)
#define KC_STATUS_DEVICE_REMOVED          ((kc_status)0xC00002B6u)
#define KC_STATUS_STALE_ID                KMCLB_STATUS_STALE_ID
#define KC_STATUS_FOREIGN_ID              KMCLB_STATUS_FOREIGN_ID
#define KC_STATUS_PACKET_RETIRED          KMCLB_STATUS_PACKET_RETIRED
#define KC_STATUS_QUEUE_STOPPED           KMCLB_STATUS_QUEUE_STOPPED
#define KC_STATUS_CONTRACT_VIOLATION      KMCLB_STATUS_CONTRACT_VIOLATION

#endif
