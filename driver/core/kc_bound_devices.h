/* kc_bound_devices.h - the devices the driver is bound to as function driver, and the one control
 * device user mode opens while at least one is bound. A collection, not a counter: a device is in
 * it or not, so a failed attach, a detach of a device that never attached or a second detach cannot
 * make the count drift. The caller serializes every call (the KMDF glue's wait lock). Portable. */
#ifndef KC_BOUND_DEVICES_H
#define KC_BOUND_DEVICES_H
#include <stdint.h>
#include "kc_list.h"
#include "kc_status.h"

/* embedded in the device's own context; zero-initialized = not bound */
typedef struct kc_bound_device {
    kc_list_node link;
    int bound;
} kc_bound_device;

typedef struct kc_bound_devices {
    kc_list devices; /* kc_bound_device.link */
    uint32_t count;  /* the list's length, kept with it */
    /* numbers the control devices: each gets a kernel name of its own (kc_control_device_name) */
    uint32_t control_generation;
} kc_bound_devices;

/* Creates the control device numbered `generation` (the first device arrives). */
typedef kc_status (*kc_control_create)(void *ctx, uint32_t generation);
/* Deletes the control device (the last device left). */
typedef void (*kc_control_delete)(void *ctx);

/* Binds a device. The first one creates the control device first; when that fails, nothing changed
 * and its status is returned. A device already bound: STATUS_INVALID_DEVICE_STATE. */
kc_status kc_bound_devices_attach(kc_bound_devices *set, kc_bound_device *device, kc_control_create create,
                                  void *ctx);
/* Unbinds a device; the last one deletes the control device. A device not bound: nothing happens. */
void kc_bound_devices_detach(kc_bound_devices *set, kc_bound_device *device, kc_control_delete destroy, void *ctx);
uint32_t kc_bound_devices_count(const kc_bound_devices *set);

/* The kernel name of control device `generation`, "\Device\KmclBridge<generation>", NUL-terminated
 * UTF-16 in out (capacity in characters). Every control device has a name of its own so that a new
 * one never collides with an old one that still has open handles (the I/O manager keeps a deleted
 * device object until its last handle closes). Returns the characters written without the NUL;
 * 0 when out is too small. */
uint32_t kc_control_device_name(uint32_t generation, uint16_t *out, uint32_t capacity);

#endif
