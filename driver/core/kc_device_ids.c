/* kc_device_ids.c - parsing VMBus device ids (see kc_device_ids.h). */
#include <string.h>
#include "kc_device_ids.h"
#include "kmclbridge_status.h"

static int hex_value(uint16_t ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* `digits` hex digits at text as a number; -1 when one is not a hex digit */
static int64_t hex_number(const uint16_t *text, uint32_t digits)
{
    int64_t value = 0;
    for (uint32_t i = 0; i < digits; i++) {
        int v = hex_value(text[i]);
        if (v < 0) {
            return -1;
        }
        value = value * 16 + v;
    }
    return value;
}

/* characters before the first NUL, at most chars */
static uint32_t text_length(const uint16_t *text, uint32_t chars)
{
    uint32_t n = 0;
    while (n < chars && text[n] != 0) {
        n++;
    }
    return n;
}

kc_status kc_guid_parse(const uint16_t *text, uint32_t chars, kc_guid *out)
{
    /* {11111111-2222-3333-4444-555555555555}: the offsets of the groups and where the dashes are */
    static const uint8_t dashes[4] = {9, 14, 19, 24};
    memset(out, 0, sizeof(*out));
    if (text == NULL || chars != KC_GUID_TEXT_CHARS || text[0] != '{' || text[37] != '}') {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    for (uint32_t i = 0; i < 4; i++) {
        if (text[dashes[i]] != '-') {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
    }
    int64_t data1 = hex_number(text + 1, 8);
    int64_t data2 = hex_number(text + 10, 4);
    int64_t data3 = hex_number(text + 15, 4);
    if (data1 < 0 || data2 < 0 || data3 < 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_guid g;
    for (uint32_t i = 0; i < 4; i++) {
        g.b[i] = (uint8_t)((uint64_t)data1 >> (8 * i));
    }
    g.b[4] = (uint8_t)data2;
    g.b[5] = (uint8_t)((uint64_t)data2 >> 8);
    g.b[6] = (uint8_t)data3;
    g.b[7] = (uint8_t)((uint64_t)data3 >> 8);
    /* Data4: two bytes before the last dash, six after it */
    static const uint8_t data4_at[8] = {20, 22, 25, 27, 29, 31, 33, 35};
    for (uint32_t i = 0; i < 8; i++) {
        int64_t byte = hex_number(text + data4_at[i], 2);
        if (byte < 0) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        g.b[8 + i] = (uint8_t)byte;
    }
    *out = g;
    return KMCLB_STATUS_SUCCESS;
}

/* whether text starts with VMBUS\ in any case */
static int has_vmbus_prefix(const uint16_t *text, uint32_t length)
{
    static const char prefix[] = "VMBUS\\";
    if (length < sizeof(prefix) - 1) {
        return 0;
    }
    for (uint32_t i = 0; i < sizeof(prefix) - 1; i++) {
        uint16_t ch = text[i];
        if (ch >= 'a' && ch <= 'z') {
            ch = (uint16_t)(ch - 'a' + 'A');
        }
        if (ch != (uint16_t)prefix[i]) {
            return 0;
        }
    }
    return 1;
}

#define KC_VMBUS_PREFIX_CHARS 6u /* VMBUS\ */

kc_status kc_vmbus_type_from_compatible_ids(const uint16_t *multi_sz, uint32_t chars, kc_guid *type)
{
    memset(type, 0, sizeof(*type));
    if (multi_sz == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t at = 0;
    while (at < chars && multi_sz[at] != 0) {
        uint32_t length = text_length(multi_sz + at, chars - at);
        const uint16_t *entry = multi_sz + at;
        if (length == KC_VMBUS_PREFIX_CHARS + KC_GUID_TEXT_CHARS && has_vmbus_prefix(entry, length) &&
            KC_SUCCESS(kc_guid_parse(entry + KC_VMBUS_PREFIX_CHARS, KC_GUID_TEXT_CHARS, type))) {
            return KMCLB_STATUS_SUCCESS;
        }
        at += length + 1; /* past the entry's NUL */
    }
    return KMCLB_STATUS_NOT_FOUND;
}

kc_status kc_vmbus_instance_from_instance_id(const uint16_t *text, uint32_t chars, const kc_guid *type,
                                             kc_guid *instance)
{
    memset(instance, 0, sizeof(*instance));
    if (text == NULL || type == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    const uint32_t type_at = KC_VMBUS_PREFIX_CHARS;
    const uint32_t instance_at = type_at + KC_GUID_TEXT_CHARS + 1;
    uint32_t length = text_length(text, chars);
    if (length != instance_at + KC_GUID_TEXT_CHARS || !has_vmbus_prefix(text, length) ||
        text[instance_at - 1] != '\\') {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_guid named_type;
    kc_status st = kc_guid_parse(text + type_at, KC_GUID_TEXT_CHARS, &named_type);
    if (KC_SUCCESS(st) && memcmp(&named_type, type, sizeof(named_type)) != 0) {
        st = KMCLB_STATUS_INVALID_PARAMETER; /* another device type's instance */
    }
    if (KC_SUCCESS(st)) {
        st = kc_guid_parse(text + instance_at, KC_GUID_TEXT_CHARS, instance);
    }
    return st;
}
