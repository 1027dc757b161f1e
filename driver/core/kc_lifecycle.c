/* kc_lifecycle.c - a channel's life with KMCL: create (allocate, register callbacks, configure,
 * issue the id), enable, disable, pause, start. Cleanup is teardown (kc_teardown.c). */
#include <string.h>
#include "kc_internal.h"

/* lock held: the channel becomes reachable from its session and from the core's list of all
 * channels (endpoint teardown) */
static void link_channel(kc_session *s, kc_channel *ch)
{
    kc_list_insert_head(&s->channels, &ch->session_link);
    kc_list_insert_head(&s->core->all_channels, &ch->core_link);
}

/* a channel that never became reachable: its endpoint stops counting it, then it goes */
static void release_and_free(kc_channel *ch)
{
    kc_lock(ch->core);
    kc_endpoint_release_channel(ch->core, ch);
    kc_unlock(ch->core);
    kc_free(ch->core, ch);
}

/* A freshly allocated KMCL channel gets our context, our callbacks and the requested settings. */
static kc_status prepare_kmcl_channel(kc_channel *ch, const kmclb_channel_config *cfg, const uint16_t *name,
                                      uint32_t *failed)
{
    ch->ops->set_pointer(ch->kch, ch);
    kc_status st = kc_register_packet_callbacks(ch, 1, failed);
    if (KC_SUCCESS(st)) {
        st = kc_register_state_callbacks(ch, KC_STATE_CALLBACKS_VERSION, KC_STATE_CALLBACKS_SIZE, failed);
    }
    if (KC_SUCCESS(st)) {
        ch->ops->set_transaction_quota(ch->kch, KMCLB_MAX_PENDING_PACKETS);
        st = kc_apply_config(ch, cfg, name, failed);
    }
    return st;
}

kc_status kc_op_create(kc_session *s, uint64_t endpoint, int server, const kmclb_channel_config *cfg,
                       const uint16_t *name, uint64_t *out_id, uint32_t *failed)
{
    kc_core *c = s->core;
    *out_id = 0;
    *failed = KMCLB_FUNC_NONE;
    kc_channel *ch = (kc_channel *)kc_alloc(c, sizeof(kc_channel));
    if (ch == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(ch, 0, sizeof(*ch));
    ch->core = c;
    ch->owner = s;
    ch->server = server;
    ch->state = KMCLB_STATE_DISABLED;
    ch->flags = server ? KMCLB_QF_SERVER : 0;
    ch->endpoint = endpoint;
    kc_lock(c);
    const kc_endpoint *ep = kc_endpoint_find(c, endpoint);
    void *device = ep != NULL ? ep->device : NULL;
    ch->ops = ep != NULL ? ep->ops : NULL;
    kc_status st = kc_endpoint_claim_channel(c, ch); /* one channel per device where it admits one */
    kc_unlock(c);
    if (!KC_SUCCESS(st)) {
        kc_free(c, ch);
        return st;
    }

    st = ch->ops->channel_allocate(device, server, &ch->kch);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(0);
        release_and_free(ch);
        return st;
    }
    st = prepare_kmcl_channel(ch, cfg, name, failed);
    if (KC_SUCCESS(st)) {
        kc_lock(c);
        st = s->closing ? KMCLB_STATUS_INVALID_HANDLE : kc_ht_alloc(&c->ht, KC_HT_CHANNEL, ch, s->serial, &ch->id);
        if (KC_SUCCESS(st)) {
            link_channel(s, ch);
        }
        kc_unlock(c);
    }
    if (!KC_SUCCESS(st)) {
        ch->ops->channel_cleanup(ch->kch);
        release_and_free(ch);
        return st;
    }
    *out_id = ch->id;
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_enable(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    uint32_t old_state = ch->state;
    uint64_t old_flags = ch->flags;
    if (ch->state == KMCLB_STATE_DISABLED) {
        ch->state = KMCLB_STATE_ENABLED;
    }
    ch->flags |= KMCLB_QF_EVER_ENABLED;
    kc_unlock(c);
    kc_status st = ch->ops->enable(ch->kch);
    if (!KC_SUCCESS(st)) {
        kc_lock(c);
        if (ch->state == KMCLB_STATE_ENABLED) {
            ch->state = old_state;
        }
        ch->flags = (ch->flags & ~(uint64_t)KMCLB_QF_EVER_ENABLED) | (old_flags & KMCLB_QF_EVER_ENABLED);
        kc_unlock(c);
    }
    return st;
}

kc_status kc_op_disable(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    ch->local_disable = 1;
    kc_unlock(c);
    kc_sends_stop(ch, KC_SENDS_STOP_SHUTDOWN);
    kc_packets_retire_queued(ch);
    ch->ops->disable(ch->kch);
    kc_sends_restart(ch, KC_SENDS_STOP_SHUTDOWN);
    kc_lock(c);
    ch->local_disable = 0;
    ch->state = KMCLB_STATE_DISABLED;
    ch->flags &= ~(uint64_t)(KMCLB_QF_OPEN | KMCLB_QF_MMIO_VALID | KMCLB_QF_QUEUE_STOPPED);
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_pause(kc_channel *ch)
{
    kc_sends_stop(ch, KC_SENDS_STOP_RUN_CHANGE);
    ch->ops->pause(ch->kch); /* Suspend (B85) marks the channel suspended before sends restart */
    kc_sends_restart(ch, KC_SENDS_STOP_RUN_CHANGE);
    kc_lock(ch->core);
    ch->flags |= KMCLB_QF_PAUSED;
    kc_unlock(ch->core);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_start(kc_channel *ch)
{
    kc_lock(ch->core);
    if (ch->state == KMCLB_STATE_DISABLED) {
        kc_unlock(ch->core);
        return KMCLB_STATUS_CONTRACT_VIOLATION; /* B92: outside Enable..Disable (as the Java fake) */
    }
    ch->flags &= ~(uint64_t)KMCLB_QF_PAUSED;
    int suspended = ch->suspended;
    kc_unlock(ch->core);
    /* A suspended channel may send again once Started has run (B93), not while it runs: sends stay
     * refused until KMCL's Start returned. */
    if (suspended) {
        kc_sends_stop(ch, KC_SENDS_STOP_RUN_CHANGE);
    }
    ch->ops->start(ch->kch);
    if (suspended) {
        kc_sends_restart(ch, KC_SENDS_STOP_RUN_CHANGE);
    }
    return KMCLB_STATUS_SUCCESS;
}
