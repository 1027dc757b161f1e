/* kc_device_ids.h - the ids of a VMBus child device as PnP reports them (UTF-16): the instance id
 * VMBUS\{type}\{instance} and the compatible id VMBUS\{type}. The KMDF glue reads them from the
 * device it is the function driver of and targets its channels with them
 * (VmbClientChannelInitSetTargetPnp). Portable: no WDK types. */
#ifndef KC_DEVICE_IDS_H
#define KC_DEVICE_IDS_H
#include <stdint.h>
#include "kc_kmcl_ops.h"

/* characters of "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
#define KC_GUID_TEXT_CHARS 38u

/* Parses exactly one braced GUID (hex digits of either case) into the in-memory layout of a Windows
 * GUID: Data1, Data2 and Data3 little-endian, then Data4's eight bytes in order.
 * STATUS_INVALID_PARAMETER for anything else. */
kc_status kc_guid_parse(const uint16_t *text, uint32_t chars, kc_guid *out);

/* The device type from the compatible ids (a REG_MULTI_SZ of `chars` characters, NUL-separated): the
 * first entry that is exactly VMBUS\{type} ("VMBUS" in any case). STATUS_NOT_FOUND when none is. */
kc_status kc_vmbus_type_from_compatible_ids(const uint16_t *multi_sz, uint32_t chars, kc_guid *type);

/* The instance from the instance id VMBUS\{type}\{instance} (up to `chars` characters or the first
 * NUL). The type in it must be `type` (the compatible id's): STATUS_INVALID_PARAMETER otherwise, so a
 * channel is never aimed at another device's offer. */
kc_status kc_vmbus_instance_from_instance_id(const uint16_t *text, uint32_t chars, const kc_guid *type,
                                             kc_guid *instance);

#endif
