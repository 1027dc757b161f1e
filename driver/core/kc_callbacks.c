/* kc_callbacks.c - what KMCL calls on a channel: state changes, incoming packets and batch ends.
 * Each turns into a record in the channel's receive stream (a send's completion routine lives
 * with the sends, kc_sends.c). Callbacks never block and take the core lock only briefly. */
#include <string.h>
#include "kc_internal.h"

/* Queues a record without body and hands it to a parked receive. A STATE record is never dropped
 * (past the bound it merges into the overflow record); a batch end is dropped, and counted, only
 * when memory is short. */
static void post_simple_event(kc_channel *ch, uint16_t kind, uint16_t flags, kc_status status, uint32_t aux)
{
    kc_core *c = ch->core;
    kmclb_event hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.kind = kind;
    hdr.flags = flags;
    hdr.status = status;
    hdr.aux = aux;
    kc_event *e = kc_event_new(c, &hdr, NULL);
    kc_lock(c);
    if (kind == KMCLB_EV_STATE) {
        e = kc_event_queue_state(ch, e, flags, status);
    } else {
        e = kc_event_queue_or_drop(ch, e, 1);
    }
    kc_unlock(c);
    kc_free(c, e);
    kc_deliver_parked(ch);
}

static kc_status cb_opened(void *ctx)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_lock(ch->core);
    ch->state = KMCLB_STATE_OPEN;
    ch->flags |= KMCLB_QF_OPEN | KMCLB_QF_MMIO_VALID;
    kc_unlock(ch->core);
    post_simple_event(ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, KMCLB_STATUS_SUCCESS, 0);
    return KMCLB_STATUS_SUCCESS;
}

static void cb_closed(void *ctx)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_lock(ch->core);
    ch->state = (ch->server && !ch->local_disable) ? KMCLB_STATE_CLOSED : KMCLB_STATE_DISABLED;
    ch->suspended = 0;
    ch->flags &= ~(uint64_t)(KMCLB_QF_OPEN | KMCLB_QF_MMIO_VALID);
    kc_unlock(ch->core);
    post_simple_event(ch, KMCLB_EV_STATE, KMCLB_ST_CLOSED, KMCLB_STATUS_SUCCESS, 0);
}

static void cb_suspend(void *ctx)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_lock(ch->core);
    if (ch->state == KMCLB_STATE_ACTIVE) {
        ch->state = KMCLB_STATE_OPEN;
    }
    ch->suspended = 1;
    int disabling = ch->local_disable;
    kc_unlock(ch->core);
    if (disabling) {
        /* Disable retired the queued packets before it called KMCL, but ending them freed quota and
         * KMCL may have delivered more until now. From here none arrives (B86), and KMCL's Disable
         * waits for every packet it delivered (B94): retire the late ones too. */
        kc_packets_retire_queued(ch);
    }
    post_simple_event(ch, KMCLB_EV_STATE, KMCLB_ST_SUSPEND, KMCLB_STATUS_SUCCESS, 0);
}

static void cb_started(void *ctx)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_lock(ch->core);
    ch->state = KMCLB_STATE_ACTIVE;
    ch->suspended = 0;
    kc_unlock(ch->core);
    post_simple_event(ch, KMCLB_EV_STATE, KMCLB_ST_STARTED, KMCLB_STATUS_SUCCESS, 0);
}

static void cb_post_started(void *ctx)
{
    post_simple_event((kc_channel *)ctx, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, KMCLB_STATUS_SUCCESS, 0);
}

void kc_on_pnp_failure(void *ctx, kc_status status)
{
    post_simple_event((kc_channel *)ctx, KMCLB_EV_STATE, KMCLB_ST_PNP_FAILURE, status, 0);
}

/* A batch end not yet received and the new one describe one run as user mode sees it (as the
 * Java fake, which counts a run split over several receive calls as one batch): the queued
 * record moves to the tail and carries both counts. This also bounds batch-end records to one per
 * STATE record, so they need no bound of their own (B67, B68). The record merged into is the one
 * kc_event_push remembers (ch->mergeable_batch_end): the last queued batch end with no STATE
 * record after it. The overflow record does not end the merging: it always moves to the end with
 * the newest state callback, so a batch end behind it would otherwise stay behind at every move.
 * This is also where the batch's packets wake a parked receive (cb_process_packet did not). */
static void cb_processing_complete(void *ctx, uint32_t count)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_core *c = ch->core;
    kc_lock(c);
    ch->ctr[KMCLB_Q_BATCHES]++;
    kc_event *e = ch->mergeable_batch_end;
    if (e != NULL && (uint64_t)e->hdr.aux + count <= 0xFFFFFFFFull) {
        kc_event_unlink(ch, e); /* and re-append with the sum */
        e->hdr.aux += count;
        ch->ctr[KMCLB_Q_BATCHES]--;
        kc_event_push(ch, e);
        kc_unlock(c);
        kc_deliver_parked(ch);
        return;
    }
    kc_unlock(c);
    post_simple_event(ch, KMCLB_EV_PROCESSING_COMPLETE, 0, KMCLB_STATUS_SUCCESS, count);
}

/* A private copy of an incoming packet (payload, then external data) so KMCL's buffers can go when
 * the callback returns; NULL when it is too large, inconsistent or memory is short. irql is the
 * level KMCL called the callback at (sampled on entry: see cb_process_packet). */
static kc_packet *copy_packet(kc_channel *ch, kc_vmbcompletion kp, const void *buf, uint32_t len, const void *ext,
                              uint32_t ext_len, uint32_t flags, uint8_t irql)
{
    kc_core *c = ch->core;
    uint64_t body = (uint64_t)len + ext_len;
    if (body > 2ull * KMCLB_MAX_PAYLOAD || (len > 0 && buf == NULL) || (ext_len > 0 && ext == NULL)) {
        return NULL;
    }
    kc_packet *pk = (kc_packet *)kc_alloc(c, kc_packet_alloc_size(body));
    if (pk == NULL) {
        return NULL;
    }
    memset(pk, 0, sizeof(*pk));
    pk->ch = ch;
    pk->kp = kp;
    pk->len = len;
    pk->ext_len = ext_len;
    kc_copy_body(kc_packet_body(pk), buf, len, ext, ext_len);
    pk->ev.pkt = pk;
    pk->ev.hdr.kind = KMCLB_EV_PACKET;
    pk->ev.hdr.flags = (uint16_t)(flags & KMCLB_PF_EXTERNAL_DATA);
    if (ch->ops->packet_completion_requested != NULL && ch->ops->packet_completion_requested(kp)) {
        pk->ev.hdr.flags |= KMCLB_PF_COMPLETION_REQUESTED;
    }
    pk->ev.hdr.payload_length = len;
    pk->ev.hdr.status = irql;
    pk->ev.hdr.aux = ext_len;
    return pk;
}

/* The packet's copy, with its external data when it has some (KMCL's mapping of that data ends
 * as soon as it is copied); NULL as for copy_packet. *retry: KMCL delivers the packet again once
 * the external data is ready (B76), so there is nothing to do now. */
static kc_packet *take_packet(kc_channel *ch, kc_vmbcompletion kp, const void *buf, uint32_t len, uint32_t flags,
                              uint8_t irql, int *retry)
{
    const void *ext = NULL;
    uint32_t ext_len = 0;
    void *mapping = NULL;
    *retry = 0;
    if ((flags & KMCLB_PF_EXTERNAL_DATA) != 0) {
        kc_status st = ch->ops->packet_get_external_data(kp, 0, &ext, &ext_len, &mapping);
        if (st == KMCLB_STATUS_PENDING) {
            *retry = 1;
            return NULL;
        }
        if (!KC_SUCCESS(st)) {
            ext = NULL;
            ext_len = 0;
            mapping = NULL;
        }
    }
    kc_packet *pk = copy_packet(ch, kp, buf, len, ext, ext_len, flags, irql);
    if (mapping != NULL) {
        ch->ops->unmap_system_address(mapping);
    }
    return pk;
}

/* The packet stays pending at KMCL until user mode ends it. A packet the core cannot keep (memory
 * or ids short, or the channel being torn down) is failed at once: never left waiting, and never
 * completed as if user mode had processed it (kc_packets_free says why). */
static void cb_process_packet(void *ctx, kc_vmbcompletion kp, const void *buf, uint32_t len, uint32_t flags)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_core *c = ch->core;
    /* the level KMCL called us at, before any lock: the core's spin lock raises it to DISPATCH */
    uint8_t irql = c->p->current_irql(c->p->ctx);
    int retry;
    kc_packet *pk = take_packet(ch, kp, buf, len, flags, irql, &retry);
    if (retry) {
        return; /* KMCL delivers the packet again once the data is ready */
    }
    kc_lock(c);
    kc_status st = KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    if (pk != NULL && !ch->closing && ch->pending_packets < KMCLB_MAX_PENDING_PACKETS) {
        st = kc_ht_alloc(&c->ht, KC_HT_PACKET, pk, ch->owner->serial, &pk->id);
    }
    if (!KC_SUCCESS(st)) {
        ch->dropped_packets++;
        kc_unlock(c);
        kc_free(c, pk);
        ch->ops->packet_fail(kp); /* retire: never leave KMCL waiting */
        /* After a PacketFail the batch may end without ProcessingComplete (Q22; the C fake never
         * calls it): the packets this batch queued before must not wait for one. */
        kc_deliver_parked(ch);
        return;
    }
    pk->ev.hdr.id = pk->id;
    kc_packet_link(ch, pk);
    kc_event_push(ch, &pk->ev);
    /* One wake per batch: with ProcessingComplete registered, KMCL calls it after the batch's last
     * ProcessPacket (B67, B68), and cb_processing_complete hands the whole batch to a parked
     * receive at once. Waking here would complete the receive with this one packet and leave the
     * rest of the batch for the next receive, one wake per packet. A receive that starts meanwhile
     * takes what is queued without parking (kc_receive_or_park). */
    int wake_now = !ch->batch_ends_registered;
    kc_unlock(c);
    if (wake_now) {
        kc_deliver_parked(ch);
    }
}

kc_status kc_register_packet_callbacks(kc_channel *ch, int processing_complete, uint32_t *failed)
{
    kc_status st = ch->ops->init_set_process_packet_callbacks(ch->kch, cb_process_packet,
                                                              processing_complete ? cb_processing_complete : NULL);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(15);
        return st;
    }
    kc_lock(ch->core);
    ch->batch_ends_registered = processing_complete;
    kc_unlock(ch->core);
    return st;
}

kc_status kc_register_state_callbacks(kc_channel *ch, uint32_t version, uint32_t size, uint32_t *failed)
{
    kc_state_callbacks cb;
    cb.version = version;
    cb.size = size;
    cb.opened = cb_opened;
    cb.closed = cb_closed;
    cb.suspend = cb_suspend;
    cb.started = cb_started;
    cb.post_started = cb_post_started;
    kc_status st = ch->ops->init_set_state_change_callbacks(ch->kch, &cb);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(16);
    }
    return st;
}
