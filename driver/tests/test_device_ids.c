/* VMBus device ids (the function driver's instance id and compatible ids) and the collection of
 * bound devices with the control device's lifetime: the portable logic of the KMDF glue. */
#include <stdlib.h>
#include "test_host.h"
#include "kc_bound_devices.h"
#include "kc_device_ids.h"

/* UTF-16 copy of an ASCII text, NUL-separated entries where the text has '|' (a REG_MULTI_SZ) */
static uint32_t utf16(const char *text, uint16_t *out, uint32_t cap)
{
    uint32_t n = 0;
    for (; text[n] != 0 && n < cap; n++) {
        out[n] = text[n] == '|' ? 0 : (uint16_t)(unsigned char)text[n];
    }
    return n;
}

static const uint8_t shutdown_type[16] = {0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,
                                          0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb};
#define SHUTDOWN_TYPE "{0e0b6031-5213-4934-818b-38d90ced39db}"
#define SOME_INSTANCE "{B6650FF7-33BC-4840-8048-E0676786F393}"

static void guid_text_parses_into_the_windows_guid_layout(void)
{
    uint16_t t[64];
    kc_guid g;
    CHECK_ST(kc_guid_parse(t, utf16(SHUTDOWN_TYPE, t, 64), &g), 0);
    CHECK(memcmp(g.b, shutdown_type, 16) == 0);
    static const uint8_t instance[16] = {0xf7, 0x0f, 0x65, 0xb6, 0xbc, 0x33, 0x40, 0x48,
                                         0x80, 0x48, 0xe0, 0x67, 0x67, 0x86, 0xf3, 0x93};
    CHECK_ST(kc_guid_parse(t, utf16(SOME_INSTANCE, t, 64), &g), 0); /* upper case as well */
    CHECK(memcmp(g.b, instance, 16) == 0);
    const char *bad[] = {"0e0b6031-5213-4934-818b-38d90ced39db", "{0e0b6031-5213-4934-818b-38d90ced39d}",
                         "{0e0b6031-5213-4934-818b-38d90ced39dbX", "{0e0b6031x5213-4934-818b-38d90ced39db}",
                         "{0e0b603g-5213-4934-818b-38d90ced39db}", "{0e0b6031-5213-4934-818b-38d90ced39dg}", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        g.b[0] = 0xAA;
        CHECK_ST(kc_guid_parse(t, utf16(bad[i], t, 64), &g), KMCLB_STATUS_INVALID_PARAMETER);
        CHECK(g.b[0] == 0); /* nothing half-parsed is left behind */
    }
}

static void device_type_is_the_compatible_id_vmbus_type(void)
{
    uint16_t t[256];
    kc_guid g;
    /* the VMBUS\{type} entry, whatever comes before it, in any case */
    uint32_t n = utf16("VMBUS\\OTHER|vmbus\\" SHUTDOWN_TYPE "||", t, 256);
    CHECK_ST(kc_vmbus_type_from_compatible_ids(t, n, &g), 0);
    CHECK(memcmp(g.b, shutdown_type, 16) == 0);
    /* an entry with more after the GUID is not the type; the list's end is where chars end */
    n = utf16("VMBUS\\" SHUTDOWN_TYPE "\\" SOME_INSTANCE "|PCI\\X||", t, 256);
    CHECK_ST(kc_vmbus_type_from_compatible_ids(t, n, &g), KMCLB_STATUS_NOT_FOUND);
    n = utf16("ROOT\\" SHUTDOWN_TYPE "||", t, 256);
    CHECK_ST(kc_vmbus_type_from_compatible_ids(t, n, &g), KMCLB_STATUS_NOT_FOUND);
    n = utf16("VMBUS\\" SHUTDOWN_TYPE, t, 256);
    CHECK_ST(kc_vmbus_type_from_compatible_ids(t, n - 1, &g), KMCLB_STATUS_NOT_FOUND); /* cut short */
    CHECK_ST(kc_vmbus_type_from_compatible_ids(t, 0, &g), KMCLB_STATUS_NOT_FOUND);
}

static void device_instance_is_the_instance_id_second_guid_of_the_same_type(void)
{
    uint16_t t[256];
    kc_guid type, instance;
    memcpy(type.b, shutdown_type, 16);
    uint32_t n = utf16("VMBUS\\" SHUTDOWN_TYPE "\\" SOME_INSTANCE "|", t, 256); /* a trailing NUL is fine */
    CHECK_ST(kc_vmbus_instance_from_instance_id(t, n, &type, &instance), 0);
    CHECK(instance.b[0] == 0xf7 && instance.b[15] == 0x93);
    /* the instance of another type: never aim a channel at another device's offer */
    kc_guid other = type;
    other.b[0] ^= 1;
    CHECK_ST(kc_vmbus_instance_from_instance_id(t, n, &other, &instance), KMCLB_STATUS_INVALID_PARAMETER);
    const char *bad[] = {"VMBUS\\" SHUTDOWN_TYPE, "VMBUS\\" SHUTDOWN_TYPE "/" SOME_INSTANCE,
                         "ROOT\\" SHUTDOWN_TYPE "\\" SOME_INSTANCE, "VMBUS\\" SHUTDOWN_TYPE "\\" SOME_INSTANCE "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = utf16(bad[i], t, 256);
        CHECK_ST(kc_vmbus_instance_from_instance_id(t, n, &type, &instance), KMCLB_STATUS_INVALID_PARAMETER);
    }
}

/* a control device that can be told to fail its creation */
typedef struct control_world {
    int exists;
    uint32_t created, deleted, last_generation;
    kc_status next_create;
} control_world;

static kc_status create_control(void *ctx, uint32_t generation)
{
    control_world *w = (control_world *)ctx;
    if (!KC_SUCCESS(w->next_create)) {
        return w->next_create;
    }
    CHECK(!w->exists);
    w->exists = 1;
    w->created++;
    w->last_generation = generation;
    return 0;
}

static void delete_control(void *ctx)
{
    control_world *w = (control_world *)ctx;
    CHECK(w->exists);
    w->exists = 0;
    w->deleted++;
}

static void bound_device_count_never_drifts_and_the_control_device_follows_it(void)
{
    kc_bound_devices set;
    memset(&set, 0, sizeof(set));
    control_world w;
    memset(&w, 0, sizeof(w));
    kc_bound_device a, b, c;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&c, 0, sizeof(c));

    /* the first device's control device cannot be created: the device is not bound, nothing counts */
    w.next_create = KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    CHECK_ST(kc_bound_devices_attach(&set, &a, create_control, &w), KMCLB_STATUS_INSUFFICIENT_RESOURCES);
    CHECK(kc_bound_devices_count(&set) == 0 && !a.bound && !w.exists);
    kc_bound_devices_detach(&set, &a, delete_control, &w); /* its removal later: nothing happens */
    CHECK(kc_bound_devices_count(&set) == 0 && w.deleted == 0);

    w.next_create = 0;
    CHECK_ST(kc_bound_devices_attach(&set, &a, create_control, &w), 0);
    CHECK_ST(kc_bound_devices_attach(&set, &b, create_control, &w), 0);
    CHECK_ST(kc_bound_devices_attach(&set, &b, create_control, &w), KMCLB_STATUS_INVALID_DEVICE_STATE);
    CHECK(kc_bound_devices_count(&set) == 2 && w.created == 1 && w.exists);
    kc_bound_devices_detach(&set, &a, delete_control, &w);
    kc_bound_devices_detach(&set, &a, delete_control, &w); /* twice: once counts */
    CHECK(kc_bound_devices_count(&set) == 1 && w.exists);
    kc_bound_devices_detach(&set, &c, delete_control, &w); /* never bound */
    CHECK(kc_bound_devices_count(&set) == 1 && w.exists);
    kc_bound_devices_detach(&set, &b, delete_control, &w); /* the last one takes the control device */
    CHECK(kc_bound_devices_count(&set) == 0 && !w.exists && w.deleted == 1);

    /* a device arriving again gets a control device with a name of its own */
    uint32_t before = w.last_generation;
    CHECK_ST(kc_bound_devices_attach(&set, &c, create_control, &w), 0);
    CHECK(w.last_generation != before && w.created == 2);
    kc_bound_devices_detach(&set, &c, delete_control, &w);
    CHECK(!w.exists && w.deleted == 2);
}

static void control_device_names_differ_per_generation(void)
{
    uint16_t n1[40], n2[40];
    uint32_t l1 = kc_control_device_name(1, n1, 40);
    uint32_t l2 = kc_control_device_name(4294967295u, n2, 40);
    CHECK(l1 == 19 && n1[19] == 0 && n1[18] == '1' && n1[0] == '\\' && n1[7] == '\\');
    CHECK(l2 == 28 && n2[18] == '4' && n2[27] == '5');
    CHECK(memcmp(n1, n2, 18 * sizeof(uint16_t)) == 0); /* same prefix \Device\KmclBridge */
    CHECK(kc_control_device_name(12, n1, 20) == 0);   /* no room for the NUL */
    CHECK(kc_control_device_name(12, n1, 21) == 20);
}

int main(void)
{
    guid_text_parses_into_the_windows_guid_layout();
    device_type_is_the_compatible_id_vmbus_type();
    device_instance_is_the_instance_id_second_guid_of_the_same_type();
    bound_device_count_never_drifts_and_the_control_device_follows_it();
    control_device_names_differ_per_generation();
    TEST_MAIN_END();
}
