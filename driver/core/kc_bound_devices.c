/* kc_bound_devices.c - the bound devices and the control device's lifetime (see kc_bound_devices.h). */
#include "kc_bound_devices.h"

kc_status kc_bound_devices_attach(kc_bound_devices *set, kc_bound_device *device, kc_control_create create,
                                  void *ctx)
{
    if (device->bound) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    if (set->count == 0) {
        kc_status st = create(ctx, ++set->control_generation);
        if (!KC_SUCCESS(st)) {
            return st; /* not added: the collection is as before */
        }
    }
    kc_list_insert_tail(&set->devices, &device->link);
    set->count++;
    device->bound = 1;
    return KMCLB_STATUS_SUCCESS;
}

void kc_bound_devices_detach(kc_bound_devices *set, kc_bound_device *device, kc_control_delete destroy, void *ctx)
{
    if (!device->bound) {
        return;
    }
    kc_list_remove(&set->devices, &device->link);
    set->count--;
    device->bound = 0;
    if (set->count == 0) {
        destroy(ctx);
    }
}

uint32_t kc_bound_devices_count(const kc_bound_devices *set)
{
    return set->count;
}

uint32_t kc_control_device_name(uint32_t generation, uint16_t *out, uint32_t capacity)
{
    static const char base[] = "\\Device\\KmclBridge";
    char digits[10];
    uint32_t ndigits = 0;
    do {
        digits[ndigits++] = (char)('0' + generation % 10u);
        generation /= 10u;
    } while (generation != 0);
    uint32_t length = (uint32_t)(sizeof(base) - 1) + ndigits;
    if (out == NULL || capacity < length + 1) {
        return 0;
    }
    uint32_t at = 0;
    for (; at < sizeof(base) - 1; at++) {
        out[at] = (uint16_t)base[at];
    }
    while (ndigits > 0) {
        out[at++] = (uint16_t)digits[--ndigits];
    }
    out[at] = 0;
    return length;
}
