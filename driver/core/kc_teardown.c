/* kc_teardown.c - the end of a channel: on CLEANUP of a disabled channel, and forced at file
 * cleanup and device removal. Every held packet is retired, every parked receive ended, every
 * GPADL and unfinished send given back to KMCL before the channel is cleaned up and freed. */
#include "kc_internal.h"

/* lock held: the channel leaves its session's list and the core's list of all channels */
static void unlink_channel(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_session *s = ch->owner;
    if (ch->sess_prev != NULL) {
        ch->sess_prev->sess_next = ch->sess_next;
    } else {
        s->channels = ch->sess_next;
    }
    if (ch->sess_next != NULL) {
        ch->sess_next->sess_prev = ch->sess_prev;
    }
    if (ch->all_prev != NULL) {
        ch->all_prev->all_next = ch->all_next;
    } else {
        c->all_channels = ch->all_next;
    }
    if (ch->all_next != NULL) {
        ch->all_next->all_prev = ch->all_prev;
    }
}

/* force: a channel that may still be enabled: unmap the server's mappings (their users may block
 * Disable) and disable it, which also unblocks calls in flight on it */
static void force_disable(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    kc_gpadl *maps = kc_gpadls_take_mapped(ch);
    uint32_t state = ch->state;
    uint64_t flags = ch->flags;
    ch->local_disable = 1;
    kc_unlock(c);
    kc_gpadls_release(ch, maps);
    if (state != KMCLB_STATE_DISABLED || (flags & KMCLB_QF_EVER_ENABLED) != 0) {
        ch->ops->disable(ch->kch);
    }
}

static void wait_for_references(kc_channel *ch)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        uint32_t refs = ch->refs;
        kc_unlock(c);
        if (refs == 0) {
            return;
        }
        c->p->sleep_ms(c->p->ctx, 1);
    }
}

/* frees packets taken off a channel (linked through next) */
static void free_packets(kc_core *c, kc_packet *list, int complete_at_kmcl)
{
    while (list != NULL) {
        kc_packet *next = list->next;
        if (complete_at_kmcl) {
            list->ch->ops->packet_complete(list->kp, NULL, 0);
        }
        kc_free(c, list);
        list = next;
    }
}

/* force != 0 (file cleanup): retire held packets, unmap, disable, delete GPADLs, clean up.
 * force == 0 (CLEANUP IOCTL): the caller checked the channel is disabled. The channel's
 * tearing_down flag is already set. */
void kc_channel_teardown(kc_channel *ch, int force)
{
    kc_core *c = ch->core;
    const kc_kmcl_ops *o = ch->ops;

    /* 1. stop handing out the id, drop undelivered events, collect held packets */
    kc_lock(c);
    ch->closing = 1;
    kc_ht_free(&c->ht, ch->id, 0);
    kc_events_discard(ch);
    kc_packet *held = ch->packets;
    for (kc_packet *pk = held; pk != NULL; pk = pk->next) {
        kc_ht_free(&c->ht, pk->id, 1);
    }
    ch->packets = NULL;
    ch->pending_packets = 0;
    kc_unlock(c);
    kc_cancel_parked(ch, 0);

    /* 2. retire every packet still held (empty completion) */
    free_packets(c, held, 1);

    /* 3. wait for other calls on this channel to leave (after unblocking them by disabling) */
    if (force) {
        force_disable(ch);
    }
    wait_for_references(ch);

    /* 4. our GPADLs, unfinished sends, the channel */
    kc_lock(c);
    kc_gpadl *gpadls = ch->gpadls;
    ch->gpadls = NULL;
    kc_send *sends = ch->sends;
    ch->sends = NULL;
    ch->pending_sends = 0;
    kc_unlock(c);
    kc_cancel_parked(ch, 1); /* no receive is in progress any more (refs == 0) */
    kc_gpadls_release(ch, gpadls);
    while (sends != NULL) {
        kc_send *n = sends->next;
        o->packet_free(sends->kp);
        kc_free(c, sends);
        sends = n;
    }
    o->channel_cleanup(ch->kch);

    /* 5. late events produced during teardown */
    kc_lock(c);
    kc_events_discard(ch);
    kc_packet *late = ch->packets;
    ch->packets = NULL;
    unlink_channel(ch);
    kc_unlock(c);
    free_packets(c, late, 0); /* cannot happen with a KMCL that honours Disable; kept leak-free anyway */
    kc_free(c, ch);
}

kc_status kc_op_cleanup(kc_session *s, uint64_t id)
{
    kc_core *c = s->core;
    kc_channel *ch;
    kc_lock(c);
    kc_status st = kc_channel_lookup(s, id, &ch);
    if (KC_SUCCESS(st)) {
        if (ch->state != KMCLB_STATE_DISABLED) {
            st = KMCLB_STATUS_CONTRACT_VIOLATION; /* B35: VmbChannelCleanup needs a disabled channel */
        } else {
            ch->tearing_down = 1;
        }
    }
    kc_unlock(c);
    if (KC_SUCCESS(st)) {
        kc_channel_teardown(ch, 0);
    }
    return st;
}
