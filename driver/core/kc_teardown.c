/* kc_teardown.c - the end of a channel: on CLEANUP of a disabled channel, and forced at file
 * cleanup and device removal. Every held packet is retired, every parked receive ended, every
 * GPADL given back and every unfinished send ended by KMCL before the channel is cleaned up and
 * freed. */
#include "kc_internal.h"

/* lock held: the channel leaves its session's list and the core's list of all channels */
static void unlink_channel(kc_channel *ch)
{
    kc_list_remove(&ch->owner->channels, &ch->session_link);
    kc_list_remove(&ch->core->all_channels, &ch->core_link);
}

/* force: a channel that may still be enabled: unmap the server's mappings (their users may block
 * Disable) and disable it, which also unblocks calls in flight on it */
static void force_disable(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    kc_list maps = kc_gpadls_take_mapped(ch);
    uint32_t state = ch->state;
    uint64_t flags = ch->flags;
    ch->local_disable = 1;
    kc_unlock(c);
    kc_gpadls_release(ch, &maps);
    if (state != KMCLB_STATE_DISABLED || (flags & KMCLB_QF_EVER_ENABLED) != 0) {
        kc_sends_stop(ch, KC_SENDS_STOP_SHUTDOWN); /* for good: the channel goes */
        ch->ops->disable(ch->kch);
    }
}

/* Waits until every send has ended and no completion routine is using the channel any more. Polls
 * under the lock; nothing here assumes a timing. */
static void wait_until_sends_ended(kc_channel *ch)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        int busy = ch->refs != 0 || !kc_list_is_empty(&ch->sends);
        kc_unlock(c);
        if (!busy) {
            return;
        }
        c->p->sleep_ms(c->p->ctx, 1);
    }
}

/* KMCL owns a send until its completion routine has run (B105, B106): freeing one earlier frees
 * memory KMCL still uses. Sends on a channel that is not open wait queued at KMCL (B42, B99), also
 * on one that was never enabled or is disabled again, so teardown asks KMCL to end them: Disable
 * cancels every queued and in-flight send (Q8, STATUS_CANCELLED; B101: Disable then Cleanup is the
 * valid shutdown). Each completion routine then frees its own send; the records they queue are
 * dropped, the channel is closing. */
static void end_sends(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    int unfinished = !kc_list_is_empty(&ch->sends);
    kc_unlock(c);
    if (unfinished) {
        ch->ops->disable(ch->kch);
    }
    wait_until_sends_ended(ch);
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
    kc_list held = kc_list_take_all(&ch->packets);
    for (kc_list_node *n = held.first; n != NULL; n = n->next) {
        kc_ht_free(&c->ht, KC_CONTAINER_OF(n, kc_packet, link)->id, 1);
    }
    ch->pending_packets = 0;
    ch->held_packets = 0;
    kc_unlock(c);
    kc_cancel_parked(ch, 0);

    /* 2. retire every packet user mode never ended: failed, as it was never processed */
    kc_packets_free(c, &held, 1);

    /* 3. wait for other calls on this channel to leave (after unblocking them by disabling) */
    if (force) {
        force_disable(ch);
    }
    kc_wait_until_zero(c, &ch->refs);

    /* 4. unfinished sends (no new one can start: refs == 0 and the id is gone), our GPADLs, the
     * channel */
    end_sends(ch);
    kc_lock(c);
    kc_list gpadls = kc_list_take_all(&ch->gpadls);
    kc_unlock(c);
    kc_cancel_parked(ch, 1); /* no receive is in progress any more (refs == 0) */
    kc_gpadls_release(ch, &gpadls);
    o->channel_cleanup(ch->kch);

    /* 5. late events produced during teardown */
    kc_lock(c);
    kc_events_discard(ch);
    kc_list late = kc_list_take_all(&ch->packets);
    unlink_channel(ch);
    kc_endpoint_release_channel(c, ch); /* its device may have a channel again */
    kc_unlock(c);
    kc_packets_free(c, &late, 0); /* cannot happen with a KMCL that honours Disable; kept leak-free anyway */
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
