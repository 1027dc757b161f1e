/* kc_core.c - the base of the core: its memory and lock, the core object's lifetime, channel
 * references (user-mode calls and the loopback peer). Every other core file builds on these. */
#include <string.h>
#include "kc_internal.h"

void *kc_alloc(kc_core *c, size_t n)
{
    return c->p->alloc(c->p->ctx, n);
}

void kc_free(kc_core *c, void *ptr)
{
    if (ptr != NULL) {
        c->p->free(c->p->ctx, ptr);
    }
}

void kc_copy_out(kc_core *c, void *dst, const void *src, size_t n)
{
    if (c->p->copy_out != NULL) {
        c->p->copy_out(c->p->ctx, dst, src, n);
    } else {
        memcpy(dst, src, n);
    }
}

void kc_lock(kc_core *c)
{
    c->p->lock_acquire(c->p->ctx, c->lock);
}

void kc_unlock(kc_core *c)
{
    c->p->lock_release(c->p->ctx, c->lock);
}

void kc_copy_body(uint8_t *dst, const void *payload, uint32_t len, const void *ext, uint32_t ext_len)
{
    if (len > 0) {
        memcpy(dst, payload, len);
    }
    if (ext_len > 0) {
        memcpy(dst + len, ext, ext_len);
    }
}

kc_status kc_core_create(const kc_platform *p, uint32_t max_handles, const char *driver_version, kc_core **out)
{
    *out = NULL;
    kc_core *c = (kc_core *)p->alloc(p->ctx, sizeof(kc_core));
    if (c == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(c, 0, sizeof(*c));
    c->p = p;
    kc_status st = p->lock_create(p->ctx, &c->lock);
    if (!KC_SUCCESS(st)) {
        p->free(p->ctx, c);
        return st;
    }
    st = kc_ht_init(&c->ht, p, max_handles);
    if (!KC_SUCCESS(st)) {
        p->lock_destroy(p->ctx, c->lock);
        p->free(p->ctx, c);
        return st;
    }
    if (driver_version != NULL) {
        size_t n = strlen(driver_version);
        if (n >= sizeof(c->version)) {
            n = sizeof(c->version) - 1;
        }
        memcpy(c->version, driver_version, n);
    }
    c->next_endpoint = 1;
    *out = c;
    return KMCLB_STATUS_SUCCESS;
}

void kc_core_destroy(kc_core *c)
{
    if (c == NULL) {
        return;
    }
    kc_list_node *n;
    while ((n = kc_list_pop_head(&c->endpoints)) != NULL) {
        kc_free(c, KC_CONTAINER_OF(n, kc_endpoint, link));
    }
    kc_ht_destroy(&c->ht, c->p);
    c->p->lock_destroy(c->p->ctx, c->lock);
    c->p->free(c->p->ctx, c);
}

uint32_t kc_core_live_handles(kc_core *c)
{
    kc_lock(c);
    uint32_t n = c->ht.live;
    kc_unlock(c);
    return n;
}

uint32_t kc_core_session_count(kc_core *c)
{
    kc_lock(c);
    uint32_t n = c->sessions;
    kc_unlock(c);
    return n;
}

/* lock held. A closed channel id reads as stale, never as a retired packet. */
kc_status kc_channel_lookup(kc_session *s, uint64_t id, kc_channel **out)
{
    void *obj = NULL;
    *out = NULL;
    kc_status st = kc_ht_lookup(&s->core->ht, id, KC_HT_CHANNEL, s->serial, &obj);
    if (st == KMCLB_STATUS_PACKET_RETIRED) {
        return KMCLB_STATUS_STALE_ID;
    }
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch = (kc_channel *)obj;
    if (ch->tearing_down) {
        return KMCLB_STATUS_STALE_ID;
    }
    *out = ch;
    return KMCLB_STATUS_SUCCESS;
}

/* Looks up a channel of the session and takes a reference (released by kc_channel_put): teardown
 * waits for every reference to go before it frees the channel. */
kc_status kc_channel_get(kc_session *s, uint64_t id, kc_channel **out)
{
    kc_core *c = s->core;
    kc_lock(c);
    kc_status st = kc_channel_lookup(s, id, out);
    if (KC_SUCCESS(st)) {
        (*out)->refs++;
    }
    kc_unlock(c);
    return st;
}

void kc_channel_put(kc_channel *ch)
{
    kc_lock(ch->core);
    ch->refs--;
    kc_unlock(ch->core);
}

void kc_wait_until_zero(kc_core *c, const uint32_t *count)
{
    for (;;) {
        kc_lock(c);
        uint32_t n = *count;
        kc_unlock(c);
        if (n == 0) {
            return;
        }
        c->p->sleep_ms(c->p->ctx, 1); /* the lock stays free for the calls being waited for */
    }
}

/* lock held: the handle-table slot a well-formed channel id names, whatever its owner; NULL for an
 * id that cannot be a channel's */
static const kc_ht_slot *peer_channel_slot(kc_core *c, uint64_t id)
{
    uint32_t slot = (uint32_t)(id & 0xFFFFFFu);
    if (slot >= c->ht.capacity || ((id >> 24) & 0xFF) != KC_HT_CHANNEL) {
        return NULL;
    }
    return &c->ht.slots[slot];
}

kc_status kc_peer_resolve_channel(kc_core *c, uint64_t id, kc_vmbchannel *out)
{
    *out = NULL;
    kc_lock(c);
    const kc_ht_slot *sl = peer_channel_slot(c, id);
    kc_status st = KMCLB_STATUS_INVALID_HANDLE;
    if (sl != NULL) {
        if (sl->state == KC_HS_LIVE && sl->gen == (uint32_t)(id >> 32)) {
            *out = ((kc_channel *)sl->obj)->kch;
            st = KMCLB_STATUS_SUCCESS;
        } else {
            st = KMCLB_STATUS_STALE_ID;
        }
    }
    kc_unlock(c);
    return st;
}

kc_status kc_peer_acquire(kc_core *c, uint64_t id, kc_vmbchannel *out, void **token)
{
    *out = NULL;
    *token = NULL;
    kc_lock(c);
    const kc_ht_slot *sl = peer_channel_slot(c, id);
    kc_status st = KMCLB_STATUS_INVALID_HANDLE;
    if (sl != NULL && (id >> 32) != 0) {
        kc_channel *ch = (kc_channel *)sl->obj;
        if (sl->state == KC_HS_LIVE && sl->gen == (uint32_t)(id >> 32) && !ch->tearing_down) {
            ch->refs++;
            *out = ch->kch;
            *token = ch;
            st = KMCLB_STATUS_SUCCESS;
        } else if (sl->gen >= (uint32_t)(id >> 32)) {
            st = KMCLB_STATUS_STALE_ID;
        }
    }
    kc_unlock(c);
    return st;
}

void kc_peer_release(kc_core *c, void *token)
{
    (void)c;
    if (token != NULL) {
        kc_channel_put((kc_channel *)token);
    }
}
