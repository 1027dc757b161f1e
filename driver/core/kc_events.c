/* kc_events.c - a channel's queue of receive records (state changes, batch ends, packets, send
 * completions) and the RECEIVE output they are written into. Every function but kc_event_new runs
 * with the core lock held. */
#include <string.h>
#include "kc_internal.h"

/* STATE records are bounded per channel (KMCLB_MAX_STATE_EVENTS), plus the one overflow record.
 * Batch-end records need no bound of their own: they merge until a STATE record follows
 * (kc_callbacks.c), so there is at most one more of them than there are STATE records. */
static int is_state_record(const kc_event *e)
{
    return e->hdr.kind == KMCLB_EV_STATE || e->hdr.kind == KMCLB_EV_STATE_OVERFLOW;
}

void kc_event_free(kc_core *c, kc_event *e)
{
    /* packet events are embedded in their kc_packet, the overflow record in its channel */
    if (e->pkt == NULL && e->hdr.kind != KMCLB_EV_STATE_OVERFLOW) {
        kc_free(c, e);
    }
}

kc_event *kc_event_new(kc_core *c, const kmclb_event *hdr, const void *body)
{
    kc_event *e = (kc_event *)kc_alloc(c, sizeof(kc_event) + hdr->payload_length);
    if (e == NULL) {
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->hdr = *hdr;
    if (hdr->payload_length > 0) {
        memcpy(KC_EVENT_DATA(e), body, hdr->payload_length);
    }
    return e;
}

kc_event *kc_event_queue_or_drop(kc_channel *ch, kc_event *e, int room)
{
    if (e == NULL || !room) {
        ch->dropped_events++;
        return e;
    }
    kc_event_push(ch, e);
    return NULL;
}

/* Nobody received the last KMCLB_MAX_STATE_EVENTS state records (a slow or stopped receiver while
 * the peer keeps opening and closing). Dropping a callback would leave user mode with a wrong
 * state (a SUSPEND shown for a channel that is ACTIVE again), and back-pressure is not possible:
 * KMCL's state callbacks must not wait for user mode. So the callback merges into the channel's
 * one STATE_OVERFLOW record, embedded in the channel so that even a failed allocation cannot lose
 * it: it counts the callbacks, remembers which kinds occurred and names the newest with its
 * status, and it moves to the end of the stream so it reads as the newest record. Until user mode
 * has received it, every later callback merges into it too, which keeps the order: nothing merged
 * happened before a STATE record still queued ahead of it. */
kc_event *kc_event_queue_state(kc_channel *ch, kc_event *e, uint16_t code, kc_status status)
{
    kc_event *o = &ch->overflow;
    int merging = kc_event_is_queued(ch, o);
    if (!merging && e != NULL && ch->state_events < KMCLB_MAX_STATE_EVENTS) {
        kc_event_push(ch, e);
        return NULL;
    }
    if (merging) {
        kc_event_unlink(ch, o);
    } else {
        memset(o, 0, sizeof(*o));
        o->hdr.kind = KMCLB_EV_STATE_OVERFLOW;
    }
    if (o->hdr.aux != 0xFFFFFFFFu) {
        o->hdr.aux++;
    }
    o->hdr.flags = code;
    o->hdr.status = status;
    o->hdr.id |= 1ull << code;
    kc_event_push(ch, o);
    return e;
}

/* the counts of a record that enters the queue */
static void count_queued(kc_channel *ch, const kc_event *e)
{
    ch->ev_count++;
    if (is_state_record(e)) {
        ch->state_events++;
    }
}

void kc_event_push(kc_channel *ch, kc_event *e)
{
    kc_list_insert_tail(&ch->events, &e->link);
    count_queued(ch, e);
    if (e->hdr.kind == KMCLB_EV_PROCESSING_COMPLETE) {
        ch->mergeable_batch_end = e; /* the newest batch end, nothing behind it */
    } else if (e->hdr.kind == KMCLB_EV_STATE) {
        ch->mergeable_batch_end = NULL; /* a batch end never merges across a state change */
    }
}

/* only packets come back to the head (REQUEUE): they do not change which batch end is mergeable */
void kc_event_push_head(kc_channel *ch, kc_event *e)
{
    kc_list_insert_head(&ch->events, &e->link);
    count_queued(ch, e);
}

int kc_event_is_queued(const kc_channel *ch, const kc_event *e)
{
    return kc_list_is_linked(&ch->events, &e->link);
}

void kc_event_unlink(kc_channel *ch, kc_event *e)
{
    if (e == ch->mergeable_batch_end) {
        ch->mergeable_batch_end = NULL; /* batch ends ahead of it have been received already */
    }
    kc_list_remove(&ch->events, &e->link);
    ch->ev_count--;
    if (is_state_record(e)) {
        ch->state_events--;
    }
}

int kc_events_deliverable(const kc_channel *ch)
{
    if ((ch->flags & KMCLB_QF_QUEUE_STOPPED) == 0) {
        return !kc_list_is_empty(&ch->events);
    }
    for (kc_list_node *n = ch->events.first; n != NULL; n = n->next) {
        if (KC_CONTAINER_OF(n, kc_event, link)->pkt == NULL) {
            return 1; /* packets wait while the queue is stopped, other records pass them */
        }
    }
    return 0;
}

void kc_events_discard(kc_channel *ch)
{
    kc_list_node *n;
    while ((n = kc_list_pop_head(&ch->events)) != NULL) {
        kc_event_free(ch->core, KC_CONTAINER_OF(n, kc_event, link));
    }
    ch->ev_count = 0;
    ch->state_events = 0;
    ch->mergeable_batch_end = NULL;
}

/* bytes of the record's body: a packet's payload and external data, else the event's payload */
static uint64_t event_body_length(const kc_event *e)
{
    return (uint64_t)e->hdr.payload_length + (e->hdr.kind == KMCLB_EV_PACKET ? e->hdr.aux : 0);
}

static const uint8_t *event_body(kc_event *e)
{
    return e->pkt != NULL ? kc_packet_body(e->pkt) : KC_EVENT_DATA(e);
}

/* RECEIVE output in three steps, so that the bodies (up to KMCLB_MAX_INPUT bytes) are copied
 * without the core lock, which the KMDF glue holds at DISPATCH_LEVEL (kc_receive_take,
 * kc_receive_copy, then settle in kc_receive_finish). Only the bytes reported are written: each
 * record's header, body and padding, and the RECEIVE header; nothing past them is cleared, the
 * caller gets `info` bytes back. While taken, an event is on no channel list: its packet is
 * neither queued nor held (an id user mode guesses meanwhile is refused as never delivered) and
 * teardown cannot free it; the channel reference taken keeps the channel. */

uint8_t *kc_receive_records(kc_request *r)
{
    return r->records_out != NULL ? (uint8_t *)r->records_out : (uint8_t *)r->out + sizeof(kmclb_receive_out);
}

void kc_receive_take(kc_channel *ch, kc_request *r, kc_receive_batch *batch)
{
    uint8_t *records = kc_receive_records(r);
    kmclb_receive_out *h = &batch->header;
    memset(batch, 0, sizeof(*batch));
    uint64_t room = r->out_len - sizeof(kmclb_receive_out);
    /* a queue stopped by fail hands out no packets until Disable (as the Java fake); other records
     * pass them */
    int stopped = (ch->flags & KMCLB_QF_QUEUE_STOPPED) != 0;
    for (kc_list_node *n = ch->events.first; n != NULL;) {
        kc_event *e = KC_CONTAINER_OF(n, kc_event, link);
        n = n->next; /* e leaves the queue below */
        if (stopped && e->pkt != NULL) {
            continue;
        }
        uint64_t body = event_body_length(e);
        uint64_t size = KMCLB_RECORD_SIZE(body);
        if (batch->used + size > room) {
            if (h->records == 0) {
                h->status = KMCLB_STATUS_BUFFER_TOO_SMALL;
                h->needed = (uint32_t)size;
            }
            break;
        }
        memcpy(records + batch->used, &e->hdr, sizeof(kmclb_event)); /* the header may change once e is back */
        e->out_offset = (uint32_t)batch->used;
        batch->used += size;
        h->records++;
        kc_event_unlink(ch, e);
        if (e == &ch->overflow) {
            continue; /* no body, and the channel's to reuse at once */
        }
        if (e->pkt != NULL) {
            kc_packet *pk = e->pkt;
            kc_list_remove(&ch->packets, &pk->link); /* in transit: teardown does not free it */
            pk->requeued = 0;
            pk->deferred = 0;
            if (!pk->redelivery) {
                ch->ctr[KMCLB_Q_PACKETS_IN]++;
                ch->ctr[KMCLB_Q_BYTES_IN] += body;
            }
        }
        kc_list_insert_tail(&batch->events, &e->link);
    }
    h->bytes = (uint32_t)batch->used;
    if (h->records == 0 && h->status == 0) {
        h->status = KMCLB_STATUS_TIMEOUT;
    }
    if (!kc_list_is_empty(&batch->events)) {
        ch->refs++; /* kc_receive_finish drops it; an empty receive settles nothing */
    }
}

void kc_receive_copy(kc_core *c, kc_request *r, kc_receive_batch *batch)
{
    uint8_t *records = kc_receive_records(r);
    for (kc_list_node *n = batch->events.first; n != NULL; n = n->next) {
        kc_event *e = KC_CONTAINER_OF(n, kc_event, link);
        uint64_t body = event_body_length(e);
        uint64_t padding = KMCLB_RECORD_SIZE(body) - sizeof(kmclb_event) - body;
        uint8_t *at = records + e->out_offset + sizeof(kmclb_event);
        if (body > 0) {
            kc_copy_out(c, at, event_body(e), (size_t)body);
        }
        if (padding > 0) {
            memset(at + body, 0, (size_t)padding);
        }
    }
    memcpy(r->out, &batch->header, sizeof(kmclb_receive_out));
    r->info = (uint32_t)(sizeof(kmclb_receive_out) + batch->used);
}

/* lock held: taken packets become held (or, if the channel closed meanwhile, go to retired) */
static void settle(kc_channel *ch, kc_receive_batch *batch, kc_list *retired)
{
    kc_list_node *n;
    while ((n = kc_list_pop_head(&batch->events)) != NULL) {
        kc_event *e = KC_CONTAINER_OF(n, kc_event, link);
        kc_packet *pk = e->pkt;
        if (pk == NULL) {
            kc_event_free(ch->core, e);
        } else if (ch->closing) {
            /* teardown already retired the channel's packets: this one ends as they did */
            kc_ht_free(&ch->core->ht, pk->id, 1);
            kc_list_insert_tail(retired, &pk->link);
        } else {
            kc_list_insert_head(&ch->packets, &pk->link);
            pk->held = 1;
            ch->held_packets++;
            if (ch->held_packets > ch->ctr[KMCLB_Q_QUEUE_HIGH_WATER]) {
                ch->ctr[KMCLB_Q_QUEUE_HIGH_WATER] = ch->held_packets;
            }
        }
    }
}

void kc_receive_finish(kc_channel *ch, kc_request *r, kc_receive_batch *batch)
{
    kc_core *c = ch->core;
    kc_list retired = {NULL, NULL};
    kc_receive_copy(c, r, batch);
    if (kc_list_is_empty(&batch->events)) {
        return; /* headers only (or nothing): written under the lock already */
    }
    kc_lock(c);
    settle(ch, batch, &retired);
    int failing = !kc_list_is_empty(&retired);
    if (!failing) {
        ch->refs--; /* the reference kc_receive_take took, in the hold that already exists */
    }
    kc_unlock(c);
    if (!failing) {
        return;
    }
    kc_list_node *n;
    while ((n = kc_list_pop_head(&retired)) != NULL) { /* failed, as kc_packets_free does */
        kc_packet *pk = KC_CONTAINER_OF(n, kc_packet, link);
        ch->ops->packet_fail(pk->kp);
        kc_free(c, pk);
    }
    kc_channel_put(ch);
}
