/* kc_packets.c - packets KMCL delivered to us: how user mode ends them (complete, fail, defer),
 * gives them back (requeue), and how the core retires the ones nobody holds. A packet keeps one
 * id from its first delivery until it ends. */
#include <string.h>
#include "kc_internal.h"

void kc_packet_link(kc_channel *ch, kc_packet *pk)
{
    kc_list_insert_head(&ch->packets, &pk->link);
    ch->pending_packets++;
}

/* lock held: user mode no longer holds pk (it ended it, deferred it or gave it back) */
static void release_held(kc_channel *ch, kc_packet *pk)
{
    pk->held = 0;
    ch->held_packets--;
}

void kc_packet_unlink(kc_channel *ch, kc_packet *pk)
{
    if (pk->held) {
        release_held(ch, pk);
    }
    kc_list_remove(&ch->packets, &pk->link);
    ch->pending_packets--;
}

/* A packet user mode never processed must not look processed to its sender. KMCL's only ways to
 * end a delivered packet are VmbChannelPacketComplete, which tells the sender it was processed
 * (and sends the completion it asked for, B64), and VmbChannelPacketFail, which sends nothing back
 * (Q6) and stops the channel's incoming queue until Disable (B73) - the channel is going down or
 * cannot take more anyway. So such packets are failed: the sender sees no completion, as it sees
 * none for packets still in the ring when the channel closes (B74; the Java fake drops those). */
void kc_packets_free(kc_core *c, kc_list *list, int fail_at_kmcl)
{
    kc_list_node *n;
    while ((n = kc_list_pop_head(list)) != NULL) {
        kc_packet *pk = KC_CONTAINER_OF(n, kc_packet, link);
        if (fail_at_kmcl) {
            pk->ch->ops->packet_fail(pk->kp);
        }
        kc_free(c, pk);
    }
}

/* lock held: why a live packet id that user mode does not hold cannot be ended or given back */
static kc_status not_held_status(const kc_packet *pk)
{
    if (pk->deferred) {
        return KMCLB_STATUS_PACKET_RETIRED; /* B71: that delivery ended; the redelivery is not out yet */
    }
    if (pk->requeued) {
        return KMCLB_STATUS_CONTRACT_VIOLATION; /* owned by the channel again (as the Java fake) */
    }
    return KMCLB_STATUS_INVALID_HANDLE; /* never delivered */
}

/* lock held: a packet of the session that user mode holds (RECEIVE returned it, it has not ended) */
static kc_status find_held(kc_session *s, uint64_t id, kc_packet **out)
{
    void *obj;
    *out = NULL;
    kc_status st = kc_ht_lookup(&s->core->ht, id, KC_HT_PACKET, s->serial, &obj);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_packet *pk = (kc_packet *)obj;
    if (!pk->held) {
        return not_held_status(pk);
    }
    *out = pk;
    return KMCLB_STATUS_SUCCESS;
}

/* lock held: looks up a held packet; on success it is detached (its id retired) and returned with
 * a channel reference, which end_taken_locked drops once KMCL was told how it ended */
static kc_status take_held(kc_session *s, uint64_t id, kc_packet **out)
{
    kc_status st = find_held(s, id, out);
    if (KC_SUCCESS(st)) {
        kc_channel *ch = (*out)->ch;
        kc_ht_free(&s->core->ht, id, 1);
        kc_packet_unlink(ch, *out); /* no longer held */
        ch->refs++;
    }
    return st;
}

/* lock held: after KMCL was told how a taken packet ended, counts it, sets channel flags and drops
 * the reference take_held took; the caller frees the packet once the lock is released */
static void end_taken_locked(kc_packet *pk, uint32_t counter, uint64_t flags)
{
    kc_channel *ch = pk->ch;
    ch->ctr[counter]++;
    ch->flags |= flags;
    ch->refs--;
}

/* COMPLETE of a batch: the bookkeeping of the whole batch in two holds of the core lock (take every
 * packet, then count them ended), not two per packet. KMCL hears of each completion in between,
 * in the batch's order and without the lock, which the KMDF glue holds at DISPATCH_LEVEL. Each
 * entry keeps the status it would have alone: entries are taken in order under one hold, so a
 * packet named twice is taken by the first and refused as retired for the second, as a second
 * COMPLETE would be. */
void kc_op_complete_batch(kc_session *s, kc_completion *batch, uint32_t count)
{
    kc_core *c = s->core;
    uint32_t taken = 0;
    kc_lock(c);
    for (uint32_t i = 0; i < count; i++) {
        batch[i].packet = NULL;
        if (KC_SUCCESS(batch[i].status)) {
            batch[i].status = take_held(s, batch[i].id, &batch[i].packet);
            taken += batch[i].packet != NULL;
        }
    }
    kc_unlock(c);
    if (taken == 0) {
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        kc_packet *pk = batch[i].packet;
        if (pk != NULL) {
            pk->ch->ops->packet_complete(pk->kp, batch[i].length ? batch[i].payload : NULL, batch[i].length);
        }
    }
    kc_lock(c);
    for (uint32_t i = 0; i < count; i++) {
        if (batch[i].packet != NULL) {
            end_taken_locked(batch[i].packet, KMCLB_Q_COMPLETIONS_SENT, 0);
        }
    }
    kc_unlock(c);
    for (uint32_t i = 0; i < count; i++) {
        kc_free(c, batch[i].packet); /* NULL for entries not taken */
        batch[i].packet = NULL;
    }
}

kc_status kc_op_fail(kc_session *s, uint64_t id)
{
    kc_core *c = s->core;
    kc_packet *pk;
    kc_lock(c);
    kc_status st = take_held(s, id, &pk);
    kc_unlock(c);
    if (KC_SUCCESS(st)) {
        pk->ch->ops->packet_fail(pk->kp);
        kc_lock(c);
        end_taken_locked(pk, KMCLB_Q_PACKETS_FAILED, KMCLB_QF_QUEUE_STOPPED);
        kc_unlock(c);
        kc_free(c, pk);
    }
    return st;
}

/* DeferToPassive as the bridge offers it: KMCL only allows the call inline in the process-packet
 * callback, which has long returned when user mode decides. The core therefore redelivers the
 * packet itself, at PASSIVE_LEVEL and under the same id: it is the same packet, delivered again
 * (B70, as the Java fake). Until that redelivery is received the id is refused like a retired
 * one (B71): the deferred delivery has ended. */
kc_status kc_op_defer(kc_session *s, uint64_t id)
{
    kc_core *c = s->core;
    kc_packet *pk;
    kc_lock(c);
    kc_status st = find_held(s, id, &pk);
    if (!KC_SUCCESS(st)) {
        kc_unlock(c);
        return st;
    }
    kc_channel *ch = pk->ch;
    release_held(ch, pk);
    pk->deferred = 1;
    pk->redelivery = 1;
    pk->ev.hdr.flags |= KMCLB_PF_REDELIVERY;
    pk->ev.hdr.status = KMCLB_IRQL_PASSIVE;
    kc_event_push(ch, &pk->ev);
    ch->refs++;
    kc_unlock(c);
    kc_deliver_parked(ch);
    kc_channel_put(ch);
    return KMCLB_STATUS_SUCCESS;
}

/* Packets KMCL delivered (or user mode requeued) that sit in the receive stream, not held by user
 * mode, are failed (see kc_packets_free): at Disable they were never delivered as far as user
 * mode knows (the Java fake drops undelivered packets with the connection, unanswered), and
 * KMCL's Disable waits for every packet it delivered (B94). */
void kc_packets_retire_queued(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_list retired = {NULL, NULL};
    kc_lock(c);
    for (kc_list_node *n = ch->events.first; n != NULL;) {
        kc_event *e = KC_CONTAINER_OF(n, kc_event, link);
        n = n->next; /* e may leave the queue below */
        if (e->pkt != NULL && !e->pkt->held) {
            kc_packet *pk = e->pkt;
            kc_event_unlink(ch, e);
            kc_ht_free(&c->ht, pk->id, 1);
            kc_packet_unlink(ch, pk);
            kc_list_insert_head(&retired, &pk->link); /* ends them newest first */
        }
    }
    kc_unlock(c);
    kc_packets_free(c, &retired, 1);
}

/* lock held: puts given-back packets (in their order) at the head of the receive stream */
static void requeue_at_head(kc_channel *ch, kc_packet **back, uint32_t n)
{
    for (uint32_t i = n; i > 0; i--) {
        kc_packet *pk = back[i - 1];
        if (!pk->redelivery) {
            uint64_t real = (uint64_t)pk->len + pk->ext_len;
            ch->ctr[KMCLB_Q_PACKETS_IN]--;
            ch->ctr[KMCLB_Q_BYTES_IN] -= real;
        }
        kc_event_push_head(ch, &pk->ev);
    }
}

/* REQUEUE: packets RECEIVE returned but user mode never dispatched go back to the head of the
 * channel's receive stream, in order, under the same ids; they count as never delivered. KMCL
 * still has them pending (the driver holds them), so nothing is said to KMCL. Ids that are not
 * packets of this session and channel, or not in the delivered state, are skipped; the result is
 * the first failure. */
kc_status kc_op_requeue(kc_channel *ch, const uint64_t *ids, uint32_t count)
{
    kc_core *c = ch->core;
    if (count == 0 || count > KMCLB_MAX_REQUEUE_BATCH) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_packet **back = (kc_packet **)kc_alloc(c, (size_t)count * sizeof(kc_packet *));
    if (back == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    kc_status first = KMCLB_STATUS_SUCCESS;
    uint32_t n = 0;
    kc_lock(c);
    for (uint32_t i = 0; i < count; i++) {
        void *obj;
        kc_status st = kc_ht_lookup(&c->ht, ids[i], KC_HT_PACKET, ch->owner->serial, &obj);
        if (KC_SUCCESS(st)) {
            kc_packet *pk = (kc_packet *)obj;
            if (pk->ch != ch) {
                st = KMCLB_STATUS_INVALID_HANDLE;
            } else if (!pk->held) {
                st = not_held_status(pk);
            } else if (kc_event_is_queued(ch, &pk->ev)) {
                st = KMCLB_STATUS_INVALID_HANDLE; /* cannot happen: held packets are never queued */
            } else {
                release_held(ch, pk);
                pk->requeued = 1;
                back[n++] = pk;
            }
        }
        if (!KC_SUCCESS(st) && KC_SUCCESS(first)) {
            first = st;
        }
    }
    requeue_at_head(ch, back, n);
    int disabling = ch->local_disable;
    kc_unlock(c);
    kc_free(c, back);
    if (n > 0) {
        if (disabling) {
            kc_packets_retire_queued(ch); /* a Disable in progress waits for them */
        }
        kc_deliver_parked(ch);
    }
    return first;
}
