/* kmclbridge_status.h - every NTSTATUS value the bridge names, in one place: the Windows values it uses
 * (from ntstatus.h, without needing WDK headers) and the bridge's own 0xE000000x statuses. Used by the
 * driver core, the fake KMCL, the shim, its transports and the tests; Java's NtStatus lists the same
 * values by name. */
#ifndef KMCLBRIDGE_STATUS_H
#define KMCLBRIDGE_STATUS_H
#include <stdint.h>

#define KMCLB_NT_SUCCESS(s) ((int32_t)(s) >= 0)

/* Windows NTSTATUS values */
#define KMCLB_STATUS_SUCCESS                  ((int32_t)0x00000000)
#define KMCLB_STATUS_TIMEOUT                  ((int32_t)0x00000102)
#define KMCLB_STATUS_PENDING                  ((int32_t)0x00000103)
#define KMCLB_STATUS_BUFFER_OVERFLOW          ((int32_t)0x80000005u)
#define KMCLB_STATUS_UNSUCCESSFUL             ((int32_t)0xC0000001u)
#define KMCLB_STATUS_INFO_LENGTH_MISMATCH     ((int32_t)0xC0000004u)
#define KMCLB_STATUS_INVALID_HANDLE           ((int32_t)0xC0000008u)
#define KMCLB_STATUS_INVALID_PARAMETER        ((int32_t)0xC000000Du)
#define KMCLB_STATUS_NO_SUCH_DEVICE           ((int32_t)0xC000000Eu)
#define KMCLB_STATUS_INVALID_DEVICE_REQUEST   ((int32_t)0xC0000010u)
#define KMCLB_STATUS_MORE_PROCESSING_REQUIRED ((int32_t)0xC0000016u)
#define KMCLB_STATUS_ACCESS_DENIED            ((int32_t)0xC0000022u)
#define KMCLB_STATUS_BUFFER_TOO_SMALL         ((int32_t)0xC0000023u)
#define KMCLB_STATUS_REVISION_MISMATCH        ((int32_t)0xC0000059u)
#define KMCLB_STATUS_INTEGER_OVERFLOW         ((int32_t)0xC0000095u)
#define KMCLB_STATUS_INSUFFICIENT_RESOURCES   ((int32_t)0xC000009Au)
#define KMCLB_STATUS_DEVICE_NOT_CONNECTED     ((int32_t)0xC000009Du)
#define KMCLB_STATUS_NOT_SUPPORTED            ((int32_t)0xC00000BBu)
#define KMCLB_STATUS_INVALID_PARAMETER_1      ((int32_t)0xC00000EFu)
#define KMCLB_STATUS_INVALID_PARAMETER_2      ((int32_t)0xC00000F0u)
#define KMCLB_STATUS_INVALID_PARAMETER_3      ((int32_t)0xC00000F1u)
#define KMCLB_STATUS_CANCELLED                ((int32_t)0xC0000120u)
#define KMCLB_STATUS_INVALID_DEVICE_STATE     ((int32_t)0xC0000184u)
#define KMCLB_STATUS_NOT_FOUND                ((int32_t)0xC0000225u)
#define KMCLB_STATUS_DEVICE_REMOVED           ((int32_t)0xC00002B6u)

/* bridge-defined (customer bit set): failures KMCL has no status for */
#define KMCLB_STATUS_STALE_ID           ((int32_t)0xE0000001u)
#define KMCLB_STATUS_FOREIGN_ID         ((int32_t)0xE0000002u)
#define KMCLB_STATUS_PACKET_RETIRED     ((int32_t)0xE0000003u)
#define KMCLB_STATUS_QUEUE_STOPPED      ((int32_t)0xE0000004u)
#define KMCLB_STATUS_CONTRACT_VIOLATION ((int32_t)0xE0000005u)
/* a device the driver is function driver of has a channel already: a VMBus offer admits one open */
#define KMCLB_STATUS_CHANNEL_ALREADY_OPEN ((int32_t)0xE0000006u)

#endif
