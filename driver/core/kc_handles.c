#include "kc_handles.h"

#define KC_NIL 0xFFFFFFFFu

static void push_free(kc_handle_table *t, uint32_t i)
{
    t->slots[i].next_free = KC_NIL;
    if (t->free_tail == KC_NIL) {
        t->free_head = t->free_tail = i;
    } else {
        t->slots[t->free_tail].next_free = i;
        t->free_tail = i;
    }
}

kc_status kc_ht_init(kc_handle_table *t, const kc_platform *p, uint32_t capacity)
{
    if (capacity == 0 || capacity > KC_HT_MAX_SLOTS) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    t->slots = (kc_ht_slot *)p->alloc(p->ctx, (size_t)capacity * sizeof(kc_ht_slot));
    if (t->slots == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    t->capacity = capacity;
    t->free_head = t->free_tail = KC_NIL;
    t->live = 0;
    for (uint32_t i = 0; i < capacity; i++) {
        push_free(t, i);
    }
    return KMCLB_STATUS_SUCCESS;
}

void kc_ht_destroy(kc_handle_table *t, const kc_platform *p)
{
    if (t->slots != NULL) {
        p->free(p->ctx, t->slots);
    }
    t->slots = NULL;
    t->capacity = 0;
}

kc_status kc_ht_alloc(kc_handle_table *t, uint8_t type, void *obj, uint64_t owner, uint64_t *out_id)
{
    *out_id = 0;
    if (t->free_head == KC_NIL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    uint32_t i = t->free_head;
    kc_ht_slot *s = &t->slots[i];
    t->free_head = s->next_free;
    if (t->free_head == KC_NIL) {
        t->free_tail = KC_NIL;
    }
    s->gen++;
    if (s->gen == 0) {
        s->gen = 1; /* generation 0 is never issued */
    }
    s->state = KC_HS_LIVE;
    s->type = type;
    s->obj = obj;
    s->owner = owner;
    t->live++;
    *out_id = ((uint64_t)s->gen << 32) | ((uint64_t)type << 24) | (uint64_t)i;
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_ht_lookup(const kc_handle_table *t, uint64_t id, uint8_t type, uint64_t owner, void **obj)
{
    *obj = NULL;
    uint32_t slot = (uint32_t)(id & 0xFFFFFFu);
    uint32_t ty = (uint32_t)((id >> 24) & 0xFFu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (gen == 0 || ty != type || slot >= t->capacity) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    const kc_ht_slot *s = &t->slots[slot];
    if (gen > s->gen || s->gen == 0) {
        return KMCLB_STATUS_INVALID_HANDLE; /* never issued */
    }
    if (gen < s->gen || s->type != type) {
        return KMCLB_STATUS_STALE_ID;
    }
    /* gen == s->gen */
    if (s->state == KC_HS_FREE) {
        return KMCLB_STATUS_STALE_ID;
    }
    if (s->owner != owner) {
        return KMCLB_STATUS_FOREIGN_ID;
    }
    if (s->state == KC_HS_RETIRED) {
        return KMCLB_STATUS_PACKET_RETIRED;
    }
    *obj = s->obj;
    return KMCLB_STATUS_SUCCESS;
}

void kc_ht_free(kc_handle_table *t, uint64_t id, int retire)
{
    uint32_t slot = (uint32_t)(id & 0xFFFFFFu);
    if (slot >= t->capacity) {
        return;
    }
    kc_ht_slot *s = &t->slots[slot];
    if (s->state != KC_HS_LIVE || s->gen != (uint32_t)(id >> 32)) {
        return;
    }
    s->state = retire ? KC_HS_RETIRED : KC_HS_FREE;
    s->obj = NULL;
    if (!retire) {
        s->owner = 0;
    }
    t->live--;
    push_free(t, slot);
}
