/* kc_core.c - sessions, channels, packets, events, KMCL callbacks. Dispatch/decoding lives in
 * kc_dispatch.c and calls the kc_op_* functions below (kc_internal.h). */
#include <string.h>
#include "kc_internal.h"

/* ------------------------------------------------------------------ helpers */
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

void kc_lock(kc_core *c)
{
    c->p->lock_acquire(c->p->ctx, c->lock);
}

void kc_unlock(kc_core *c)
{
    c->p->lock_release(c->p->ctx, c->lock);
}

/* ------------------------------------------------------------------ core lifetime */
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
    while (c->endpoints != NULL) {
        kc_endpoint *e = c->endpoints;
        c->endpoints = e->next;
        kc_free(c, e);
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

/* ------------------------------------------------------------------ endpoints */
kc_status kc_endpoint_add(kc_core *c, const kc_kmcl_ops *ops, void *device, const kc_guid *type,
                          const kc_guid *instance, const char *name, uint64_t *out_id)
{
    *out_id = 0;
    if (ops == NULL || type == NULL || instance == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_endpoint *e = (kc_endpoint *)kc_alloc(c, sizeof(kc_endpoint));
    if (e == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(e, 0, sizeof(*e));
    e->ops = ops;
    e->device = device;
    e->type = *type;
    e->instance = *instance;
    if (name != NULL) {
        size_t n = strlen(name);
        if (n >= sizeof(e->name)) {
            n = sizeof(e->name) - 1;
        }
        memcpy(e->name, name, n);
    }
    kc_lock(c);
    e->id = c->next_endpoint++;
    kc_endpoint **pp = &c->endpoints;
    while (*pp != NULL) {
        pp = &(*pp)->next;
    }
    *pp = e;
    c->endpoint_count++;
    *out_id = e->id;
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_endpoint_remove(kc_core *c, uint64_t id)
{
    kc_lock(c);
    for (kc_endpoint **pp = &c->endpoints; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            kc_endpoint *e = *pp;
            *pp = e->next;
            c->endpoint_count--;
            kc_unlock(c);
            kc_free(c, e);
            return KMCLB_STATUS_SUCCESS;
        }
    }
    kc_unlock(c);
    return KMCLB_STATUS_NOT_FOUND;
}

kc_status kc_endpoint_teardown(kc_core *c, uint64_t id)
{
    for (;;) {
        kc_lock(c);
        kc_channel *ch = c->all_channels;
        while (ch != NULL && (ch->endpoint != id || ch->tearing_down)) {
            ch = ch->all_next;
        }
        int busy = 0;
        for (kc_channel *x = c->all_channels; x != NULL; x = x->all_next) {
            busy |= x->endpoint == id;
        }
        if (ch != NULL) {
            ch->tearing_down = 1;
        }
        kc_unlock(c);
        if (ch != NULL) {
            kc_channel_teardown(ch, 1);
        } else if (busy) {
            c->p->sleep_ms(c->p->ctx, 1); /* another thread is tearing one down */
        } else {
            break;
        }
    }
    return kc_endpoint_remove(c, id);
}

/* ------------------------------------------------------------------ sessions */
kc_status kc_session_open(kc_core *c, kc_session **out)
{
    *out = NULL;
    kc_session *s = (kc_session *)kc_alloc(c, sizeof(kc_session));
    if (s == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(s, 0, sizeof(*s));
    s->core = c;
    kc_lock(c);
    c->sessions++;
    s->serial = ++c->next_session;
    kc_unlock(c);
    *out = s;
    return KMCLB_STATUS_SUCCESS;
}

void kc_session_shutdown(kc_session *s)
{
    kc_core *c = s->core;
    kc_lock(c);
    s->closing = 1;
    kc_unlock(c);
    for (;;) {
        kc_lock(c);
        kc_channel *ch = s->channels;
        while (ch != NULL && ch->tearing_down) {
            ch = ch->sess_next;
        }
        if (ch != NULL) {
            ch->tearing_down = 1;
            kc_unlock(c);
            kc_channel_teardown(ch, 1);
            continue;
        }
        int busy = (s->channels != NULL) || s->inflight != 0;
        kc_unlock(c);
        if (!busy) {
            break;
        }
        c->p->sleep_ms(c->p->ctx, 1);
    }
}

void kc_session_free(kc_session *s)
{
    if (s == NULL) {
        return;
    }
    kc_core *c = s->core;
    kc_lock(c);
    c->sessions--;
    kc_unlock(c);
    kc_free(c, s);
}

void kc_session_close(kc_session *s)
{
    if (s == NULL) {
        return;
    }
    kc_session_shutdown(s);
    kc_session_free(s);
}

/* ------------------------------------------------------------------ events */
static void free_event(kc_core *c, kc_event *e)
{
    if (e->pkt == NULL) {
        kc_free(c, e);
    }
    /* packet events are embedded in their kc_packet */
}

/* lock held */
static void push_event(kc_channel *ch, kc_event *e)
{
    e->next = NULL;
    e->queued = 1;
    if (ch->ev_tail == NULL) {
        ch->ev_head = ch->ev_tail = e;
    } else {
        ch->ev_tail->next = e;
        ch->ev_tail = e;
    }
    ch->ev_count++;
    if (e->hdr.kind == KMCLB_EV_STATE || e->hdr.kind == KMCLB_EV_PROCESSING_COMPLETE) {
        ch->state_events++;
    }
}

static uint64_t event_record_size(const kc_event *e)
{
    return KMCLB_RECORD_SIZE((uint64_t)e->hdr.payload_length + (e->hdr.kind == KMCLB_EV_PACKET ? e->hdr.aux : 0));
}

static const uint8_t *event_body(kc_event *e)
{
    return e->pkt != NULL ? e->pkt->data : KC_EVENT_DATA(e);
}

/* lock held: writes as many queued events as fit into out (which is zeroed first). */
void kc_fill_receive(kc_channel *ch, uint8_t *out, uint32_t out_len, uint32_t *info)
{
    memset(out, 0, out_len);
    kmclb_receive_out h;
    memset(&h, 0, sizeof(h));
    uint64_t used = 0;
    uint64_t room = out_len - sizeof(kmclb_receive_out);
    /* a queue stopped by fail hands out no packets until Disable (as the Java fake); other records
     * pass them */
    int stopped = (ch->flags & KMCLB_QF_QUEUE_STOPPED) != 0;
    ch->closed_window = 0;
    kc_event *prev = NULL;
    for (;;) {
        kc_event *e = prev == NULL ? ch->ev_head : prev->next;
        if (e == NULL) {
            break;
        }
        if (stopped && e->pkt != NULL) {
            prev = e;
            continue;
        }
        uint64_t rs = event_record_size(e);
        if (used + rs > room) {
            if (h.records == 0) {
                h.status = KMCLB_STATUS_BUFFER_TOO_SMALL;
                h.needed = (uint32_t)rs;
            }
            break;
        }
        uint8_t *dst = out + sizeof(kmclb_receive_out) + used;
        memcpy(dst, &e->hdr, sizeof(kmclb_event));
        uint64_t body = rs - sizeof(kmclb_event);
        uint64_t real = (uint64_t)e->hdr.payload_length + (e->hdr.kind == KMCLB_EV_PACKET ? e->hdr.aux : 0);
        if (real > 0) {
            memcpy(dst + sizeof(kmclb_event), event_body(e), (size_t)real);
        }
        (void)body;
        used += rs;
        h.records++;
        if (prev == NULL) {
            ch->ev_head = e->next;
        } else {
            prev->next = e->next;
        }
        if (ch->ev_tail == e) {
            ch->ev_tail = prev;
        }
        ch->ev_count--;
        e->queued = 0;
        if (e->hdr.kind == KMCLB_EV_STATE || e->hdr.kind == KMCLB_EV_PROCESSING_COMPLETE) {
            ch->state_events--;
        }
        if (e->hdr.kind == KMCLB_EV_STATE && e->hdr.flags == KMCLB_ST_CLOSED) {
            ch->closed_window = 1;
        }
        if (e->pkt != NULL) {
            kc_packet *pk = e->pkt;
            pk->held = 1;
            pk->requeued = 0;
            if (!pk->redelivery) {
                ch->ctr[KMCLB_Q_PACKETS_IN]++;
                ch->ctr[KMCLB_Q_BYTES_IN] += real;
            }
        } else {
            free_event(ch->core, e);
        }
    }
    h.bytes = (uint32_t)used;
    if (h.records == 0 && h.status == 0) {
        h.status = KMCLB_STATUS_TIMEOUT;
    }
    memcpy(out, &h, sizeof(h));
    *info = (uint32_t)(sizeof(kmclb_receive_out) + used);
}

/* Parked receive requests: core_state PARKING (in the list, being made cancelable by the host),
 * PARKED (cancelable, may be claimed), CLAIMED (taken out of the list by the core). */
#define RQ_PARKING 1
#define RQ_PARKED 2
#define RQ_CLAIMED 3
#define RQ_CANCEL_WHILE_PARKING 4

/* lock held */
static void unlink_parked(kc_channel *ch, kc_request *r)
{
    if (r->core_prev != NULL) {
        r->core_prev->core_next = r->core_next;
    } else {
        ch->parked_head = r->core_next;
    }
    if (r->core_next != NULL) {
        r->core_next->core_prev = r->core_prev;
    } else {
        ch->parked_tail = r->core_prev;
    }
    r->core_next = r->core_prev = NULL;
    r->core_channel = NULL;
}

/* lock held: the first request that may be claimed */
static kc_request *claim_parked(kc_channel *ch)
{
    for (kc_request *r = ch->parked_head; r != NULL; r = r->core_next) {
        if (r->core_state == RQ_PARKED) {
            unlink_parked(ch, r);
            r->core_state = RQ_CLAIMED;
            return r;
        }
    }
    return NULL;
}

/* Moves queued events into parked receives. Called without the lock; the channel must stay
 * alive for the call (KMCL callback, reference, or teardown). */
/* lock held: something a receive would return now (packets wait while the queue is stopped) */
static int has_deliverable(const kc_channel *ch)
{
    if ((ch->flags & KMCLB_QF_QUEUE_STOPPED) == 0) {
        return ch->ev_head != NULL;
    }
    for (const kc_event *e = ch->ev_head; e != NULL; e = e->next) {
        if (e->pkt == NULL) {
            return 1;
        }
    }
    return 0;
}

void kc_deliver_parked(kc_channel *ch)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        kc_request *r = has_deliverable(ch) ? claim_parked(ch) : NULL;
        kc_unlock(c);
        if (r == NULL) {
            return;
        }
        if (!KC_SUCCESS(c->p->unpark(c->p->ctx, r))) {
            continue; /* being cancelled: the host's cancel routine completes it */
        }
        kc_lock(c);
        kc_fill_receive(ch, (uint8_t *)r->out, r->out_len, &r->info); /* TIMEOUT if another receiver took them */
        kc_unlock(c);
        c->p->complete(c->p->ctx, r, KMCLB_STATUS_SUCCESS);
    }
}

/* Ends parked receives with in-band STATUS_CANCELLED (channel gone). all: also requests still
 * PARKING (only when no receive can be in progress any more). Called without the lock. */
static void cancel_parked(kc_channel *ch, int all)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        kc_request *r = claim_parked(ch);
        if (r == NULL && all && ch->parked_head != NULL) {
            r = ch->parked_head;
            unlink_parked(ch, r);
            r->core_state = RQ_CLAIMED;
        }
        kc_unlock(c);
        if (r == NULL) {
            return;
        }
        if (!KC_SUCCESS(c->p->unpark(c->p->ctx, r))) {
            continue;
        }
        memset(r->out, 0, r->out_len);
        kmclb_receive_out h;
        memset(&h, 0, sizeof(h));
        h.status = KMCLB_STATUS_CANCELLED;
        memcpy(r->out, &h, sizeof(h));
        r->info = sizeof(h);
        c->p->complete(c->p->ctx, r, KMCLB_STATUS_SUCCESS);
    }
}

int kc_cancel_request(kc_core *c, kc_request *req)
{
    int host_completes = 1;
    kc_lock(c);
    kc_channel *ch = (kc_channel *)req->core_channel;
    if (ch != NULL && req->core_state == RQ_PARKED) {
        unlink_parked(ch, req);
        req->core_state = RQ_CLAIMED;
    } else if (ch != NULL && req->core_state == RQ_PARKING) {
        req->core_state = RQ_CANCEL_WHILE_PARKING; /* the parking thread fails it */
        host_completes = 0;
    }
    /* else: claimed by the core, whose unpark fails; the host completes it */
    kc_unlock(c);
    return host_completes;
}

/* RECEIVE: fills at once when events are queued (or when polling), else parks the request.
 * The caller holds a channel reference. */
kc_status kc_receive_or_park(kc_channel *ch, kc_request *r, int may_park)
{
    kc_core *c = ch->core;
    kc_lock(c);
    ch->closed_window = 0; /* the receiver asks for more: its Closed handler has finished */
    if (has_deliverable(ch) || !may_park) {
        kc_fill_receive(ch, (uint8_t *)r->out, r->out_len, &r->info);
        kc_unlock(c);
        return KMCLB_STATUS_SUCCESS;
    }
    r->core_state = RQ_PARKING; /* claimers skip it until the host made it cancelable */
    r->core_channel = ch;
    r->core_next = NULL;
    r->core_prev = ch->parked_tail;
    if (ch->parked_tail != NULL) {
        ch->parked_tail->core_next = r;
    } else {
        ch->parked_head = r;
    }
    ch->parked_tail = r;
    kc_unlock(c);
    kc_status st = c->p->park(c->p->ctx, r);
    kc_lock(c);
    if (!KC_SUCCESS(st) || r->core_state == RQ_CANCEL_WHILE_PARKING) {
        unlink_parked(ch, r); /* still in the list: claimers skip requests that are not PARKED */
        kc_unlock(c);
        return KMCLB_STATUS_CANCELLED; /* the dispatch caller completes it */
    }
    r->core_state = RQ_PARKED; /* from here the request may complete at any time */
    kc_unlock(c);
    kc_deliver_parked(ch); /* events that arrived while it was PARKING */
    return KMCLB_STATUS_PENDING;
}

static void post_simple_event(kc_channel *ch, uint16_t kind, uint16_t flags, kc_status status, uint32_t aux)
{
    kc_core *c = ch->core;
    kc_event *e = (kc_event *)kc_alloc(c, sizeof(kc_event));
    kc_lock(c);
    if (e != NULL && ch->state_events < KMCLB_MAX_STATE_EVENTS) {
        memset(e, 0, sizeof(*e));
        e->hdr.kind = kind;
        e->hdr.flags = flags;
        e->hdr.status = status;
        e->hdr.aux = aux;
        push_event(ch, e);
        e = NULL;
    } else {
        ch->dropped_events++;
    }
    kc_unlock(c);
    kc_free(c, e);
    kc_deliver_parked(ch);
}

/* ------------------------------------------------------------------ KMCL callbacks */
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
    kc_unlock(ch->core);
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

static void cb_pnp_failure(void *ctx, kc_status status)
{
    post_simple_event((kc_channel *)ctx, KMCLB_EV_STATE, KMCLB_ST_PNP_FAILURE, status, 0);
}

/* lock held: the last queued PROCESSING_COMPLETE record if no STATE record follows it, else NULL;
 * *prev gets its predecessor (NULL at the head) */
static kc_event *mergeable_batch_end(kc_channel *ch, kc_event **prev)
{
    kc_event *found = NULL, *found_prev = NULL, *p = NULL;
    for (kc_event *e = ch->ev_head; e != NULL; p = e, e = e->next) {
        if (e->hdr.kind == KMCLB_EV_PROCESSING_COMPLETE) {
            found = e;
            found_prev = p;
        } else if (e->hdr.kind == KMCLB_EV_STATE) {
            found = NULL;
        }
    }
    *prev = found_prev;
    return found;
}

/* A batch end not yet received and the new one describe one run as user mode sees it (as the
 * Java fake, which counts a run split over several receive calls as one batch): the queued
 * record moves to the tail and carries both counts. This also bounds batch-end records by the
 * packets between them, so none is dropped at KMCLB_MAX_STATE_EVENTS (B67, B68). */
static void cb_processing_complete(void *ctx, uint32_t count)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_core *c = ch->core;
    kc_lock(c);
    ch->ctr[KMCLB_Q_BATCHES]++;
    kc_event *prev;
    kc_event *e = mergeable_batch_end(ch, &prev);
    if (e != NULL && (uint64_t)e->hdr.aux + count <= 0xFFFFFFFFull) {
        /* unlink and re-append with the sum */
        if (prev == NULL) {
            ch->ev_head = e->next;
        } else {
            prev->next = e->next;
        }
        if (ch->ev_tail == e) {
            ch->ev_tail = prev;
        }
        ch->ev_count--;
        ch->state_events--;
        e->hdr.aux += count;
        ch->ctr[KMCLB_Q_BATCHES]--;
        push_event(ch, e);
        kc_unlock(c);
        kc_deliver_parked(ch);
        return;
    }
    kc_unlock(c);
    post_simple_event(ch, KMCLB_EV_PROCESSING_COMPLETE, 0, KMCLB_STATUS_SUCCESS, count);
}

static void cb_process_packet(void *ctx, kc_vmbcompletion kp, const void *buf, uint32_t len, uint32_t flags)
{
    kc_channel *ch = (kc_channel *)ctx;
    kc_core *c = ch->core;
    const void *ext = NULL;
    uint32_t ext_len = 0;
    if ((flags & KMCLB_PF_EXTERNAL_DATA) != 0) {
        kc_status st = ch->ops->packet_get_external_data(kp, 0, &ext, &ext_len);
        if (st == KMCLB_STATUS_PENDING) {
            return; /* KMCL delivers the packet again once the data is ready */
        }
        if (!KC_SUCCESS(st)) {
            ext = NULL;
            ext_len = 0;
        }
    }
    uint64_t body = (uint64_t)len + ext_len;
    kc_packet *pk = NULL;
    if (body <= 2ull * KMCLB_MAX_PAYLOAD && (len == 0 || buf != NULL) && (ext_len == 0 || ext != NULL)) {
        pk = (kc_packet *)kc_alloc(c, sizeof(kc_packet) + (size_t)body);
    }
    kc_lock(c);
    if (pk == NULL || ch->closing || ch->pending_packets >= KMCLB_MAX_PENDING_PACKETS) {
        ch->dropped_packets++;
        kc_unlock(c);
        kc_free(c, pk);
        ch->ops->packet_complete(kp, NULL, 0); /* retire: never leave KMCL waiting */
        return;
    }
    memset(pk, 0, sizeof(*pk));
    pk->ch = ch;
    pk->kp = kp;
    pk->len = len;
    pk->ext_len = ext_len;
    if (len > 0) {
        memcpy(pk->data, buf, len);
    }
    if (ext_len > 0) {
        memcpy(pk->data + len, ext, ext_len);
    }
    if (!KC_SUCCESS(kc_ht_alloc(&c->ht, KC_HT_PACKET, pk, ch->owner->serial, &pk->id))) {
        ch->dropped_packets++;
        kc_unlock(c);
        kc_free(c, pk);
        ch->ops->packet_complete(kp, NULL, 0);
        return;
    }
    pk->next = ch->packets;
    if (ch->packets != NULL) {
        ch->packets->prev = pk;
    }
    ch->packets = pk;
    ch->pending_packets++;
    if (ch->pending_packets > ch->ctr[KMCLB_Q_QUEUE_HIGH_WATER]) {
        ch->ctr[KMCLB_Q_QUEUE_HIGH_WATER] = ch->pending_packets;
    }
    pk->ev.pkt = pk;
    pk->ev.hdr.kind = KMCLB_EV_PACKET;
    pk->ev.hdr.flags = (uint16_t)(flags & KMCLB_PF_EXTERNAL_DATA);
    if (ch->ops->packet_completion_requested != NULL && ch->ops->packet_completion_requested(kp)) {
        pk->ev.hdr.flags |= KMCLB_PF_COMPLETION_REQUESTED;
    }
    pk->ev.hdr.payload_length = len;
    pk->ev.hdr.id = pk->id;
    pk->ev.hdr.status = c->p->current_irql(c->p->ctx);
    pk->ev.hdr.aux = ext_len;
    push_event(ch, &pk->ev);
    kc_unlock(c);
    kc_deliver_parked(ch);
}

static void cb_send_complete(void *ctx, kc_status status, const void *buf, uint32_t len)
{
    kc_send *sd = (kc_send *)ctx;
    kc_channel *ch = sd->ch;
    kc_core *c = ch->core;
    if (buf == NULL || len > KMCLB_MAX_PAYLOAD) {
        len = 0;
    }
    kc_event *e = (kc_event *)kc_alloc(c, sizeof(kc_event) + len);
    kc_lock(c);
    if (sd->prev != NULL) {
        sd->prev->next = sd->next;
    } else {
        ch->sends = sd->next;
    }
    if (sd->next != NULL) {
        sd->next->prev = sd->prev;
    }
    ch->pending_sends--;
    ch->ctr[KMCLB_Q_COMPLETIONS_RECEIVED]++;
    if (e != NULL && !ch->closing) {
        memset(e, 0, sizeof(*e));
        e->hdr.kind = KMCLB_EV_SEND_COMPLETE;
        e->hdr.payload_length = len;
        e->hdr.id = sd->tag;
        e->hdr.status = status;
        if (len > 0) {
            memcpy(KC_EVENT_DATA(e), buf, len);
        }
        push_event(ch, e);
        e = NULL;
    } else {
        ch->dropped_events++;
    }
    kc_unlock(c);
    kc_free(c, e);
    ch->ops->packet_free(sd->kp);
    kc_free(c, sd);
    kc_deliver_parked(ch);
}

/* ------------------------------------------------------------------ channel operations */
static kc_status register_callbacks(kc_channel *ch, int processing_complete, uint32_t version, uint32_t size,
                                    uint32_t *failed)
{
    kc_status st = ch->ops->init_set_process_packet_callbacks(ch->kch, cb_process_packet,
                                                              processing_complete ? cb_processing_complete : NULL);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(15);
        return st;
    }
    kc_state_callbacks cb;
    cb.version = version;
    cb.size = size;
    cb.opened = cb_opened;
    cb.closed = cb_closed;
    cb.suspend = cb_suspend;
    cb.started = cb_started;
    cb.post_started = cb_post_started;
    st = ch->ops->init_set_state_change_callbacks(ch->kch, &cb);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(16);
    }
    return st;
}

static uint32_t effective_quota(uint32_t q)
{
    return q > KMCLB_MAX_PENDING_PACKETS ? KMCLB_MAX_PENDING_PACKETS : q;
}

kc_status kc_apply_config(kc_channel *ch, const kmclb_channel_config *cfg, const uint16_t *name, uint32_t *failed)
{
    const kc_kmcl_ops *o = ch->ops;
    kc_vmbchannel k = ch->kch;
    uint32_t pr = cfg->present;
    kc_status st;
    *failed = KMCLB_FUNC_NONE;
#define KC_TRY(bit, fn, call)          \
    if ((pr & (bit)) != 0) {           \
        st = (call);                   \
        if (!KC_SUCCESS(st)) {         \
            *failed = (fn);            \
            return st;                 \
        }                              \
    }
    KC_TRY(KMCLB_CFG_CLIENT_CONTEXT_SIZE, KMCLB_FUNC_CLIENT(10), o->init_set_client_context_size(k, cfg->client_context_size));
    KC_TRY(KMCLB_CFG_FLAGS, KMCLB_FUNC_CLIENT(11), o->init_set_flags(k, cfg->channel_flags));
    KC_TRY(KMCLB_CFG_FRIENDLY_NAME, KMCLB_FUNC_CLIENT(12), o->init_set_friendly_name(k, name, cfg->friendly_name_bytes));
    KC_TRY(KMCLB_CFG_MAX_EXTERNAL_DATA, KMCLB_FUNC_CLIENT(13),
           o->init_set_maximum_external_data(k, cfg->max_external_data_size, cfg->max_external_chain_length));
    KC_TRY(KMCLB_CFG_MAX_PACKET_SIZE, KMCLB_FUNC_CLIENT(14), o->init_set_maximum_packet_size(k, cfg->max_packet_size));
    if ((pr & KMCLB_CFG_PROCESSING_COMPLETE) != 0) {
        st = o->init_set_process_packet_callbacks(k, cb_process_packet,
                                                  cfg->processing_complete ? cb_processing_complete : NULL);
        if (!KC_SUCCESS(st)) {
            *failed = KMCLB_FUNC_CLIENT(15);
            return st;
        }
    }
    if ((pr & KMCLB_CFG_STATE_CB_HEADER) != 0) {
        uint32_t f = KMCLB_FUNC_NONE;
        kc_state_callbacks cb;
        cb.version = cfg->state_cb_version;
        cb.size = cfg->state_cb_size;
        cb.opened = cb_opened;
        cb.closed = cb_closed;
        cb.suspend = cb_suspend;
        cb.started = cb_started;
        cb.post_started = cb_post_started;
        st = o->init_set_state_change_callbacks(k, &cb);
        (void)f;
        if (!KC_SUCCESS(st)) {
            *failed = KMCLB_FUNC_CLIENT(16);
            return st;
        }
    }
    if ((pr & KMCLB_CFG_INCOMING_AT_PASSIVE) != 0) {
        o->set_incoming_processing_at_passive(k, cfg->incoming_at_passive != 0);
    }
    if ((pr & KMCLB_CFG_TRANSACTION_QUOTA) != 0) {
        o->set_transaction_quota(k, effective_quota(cfg->transaction_quota));
        kc_lock(ch->core);
        ch->user_quota = cfg->transaction_quota;
        kc_unlock(ch->core);
    }
    KC_TRY(KMCLB_CFG_RING_PAGES, KMCLB_FUNC_CLIENT(29),
           o->client_init_set_ring_buffer_page_count(k, cfg->ring_pages_incoming, cfg->ring_pages_outgoing));
    if ((pr & KMCLB_CFG_TARGET_PNP) != 0) {
        kc_guid t, i;
        memcpy(t.b, cfg->target_pnp_type, 16);
        memcpy(i.b, cfg->target_pnp_instance, 16);
        st = o->client_init_set_target_pnp(k, &t, (pr & KMCLB_CFG_TARGET_PNP_INSTANCE) ? &i : NULL, cb_pnp_failure);
        if (!KC_SUCCESS(st)) {
            *failed = KMCLB_FUNC_CLIENT(30);
            return st;
        }
    }
    KC_TRY(KMCLB_CFG_SERVER_FLAGS, KMCLB_FUNC_SERVER(8), o->server_init_set_flags(k, cfg->server_flags));
    KC_TRY(KMCLB_CFG_MMIO, KMCLB_FUNC_SERVER(9),
           o->server_init_set_mmio_megabytes(k, cfg->mmio_megabytes, cfg->mmio_megabytes_optional));
    if ((pr & KMCLB_CFG_TARGET_INTERFACE) != 0) {
        kc_guid t, i;
        memcpy(t.b, cfg->target_interface_type, 16);
        memcpy(i.b, cfg->target_interface_instance, 16);
        st = o->server_init_set_target_interface_id(k, &t, &i);
        if (!KC_SUCCESS(st)) {
            *failed = KMCLB_FUNC_SERVER(11);
            return st;
        }
    }
    KC_TRY(KMCLB_CFG_TARGET_VTL, KMCLB_FUNC_SERVER(12), o->server_init_set_target_vtl(k, (uint8_t)cfg->target_vtl));
#undef KC_TRY
    return KMCLB_STATUS_SUCCESS;
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
    kc_lock(c);
    const kc_endpoint *ep = NULL;
    for (const kc_endpoint *e = c->endpoints; e != NULL; e = e->next) {
        if (e->id == endpoint) {
            ep = e;
            break;
        }
    }
    if (ep == NULL) {
        kc_unlock(c);
        kc_free(c, ch);
        return KMCLB_STATUS_NO_SUCH_DEVICE;
    }
    ch->ops = ep->ops;
    void *device = ep->device;
    kc_unlock(c);

    kc_status st = ch->ops->channel_allocate(device, server, &ch->kch);
    if (!KC_SUCCESS(st)) {
        *failed = KMCLB_FUNC_CLIENT(0);
        kc_free(c, ch);
        return st;
    }
    ch->ops->set_pointer(ch->kch, ch);
    st = register_callbacks(ch, 1, KC_STATE_CALLBACKS_VERSION, KC_STATE_CALLBACKS_SIZE, failed);
    if (KC_SUCCESS(st)) {
        ch->ops->set_transaction_quota(ch->kch, KMCLB_MAX_PENDING_PACKETS);
        st = kc_apply_config(ch, cfg, name, failed);
    }
    if (KC_SUCCESS(st)) {
        kc_lock(c);
        if (s->closing) {
            st = KMCLB_STATUS_INVALID_HANDLE;
        } else {
            st = kc_ht_alloc(&c->ht, KC_HT_CHANNEL, ch, s->serial, &ch->id);
        }
        if (KC_SUCCESS(st)) {
            ch->sess_next = s->channels;
            if (s->channels != NULL) {
                s->channels->sess_prev = ch;
            }
            s->channels = ch;
            ch->endpoint = endpoint;
            ch->all_next = c->all_channels;
            if (c->all_channels != NULL) {
                c->all_channels->all_prev = ch;
            }
            c->all_channels = ch;
        }
        kc_unlock(c);
    }
    if (!KC_SUCCESS(st)) {
        ch->ops->channel_cleanup(ch->kch);
        kc_free(c, ch);
        return st;
    }
    *out_id = ch->id;
    return KMCLB_STATUS_SUCCESS;
}

/* Looks up a channel of the session and takes a reference (released by kc_channel_put). */
kc_status kc_channel_get(kc_session *s, uint64_t id, kc_channel **out)
{
    kc_core *c = s->core;
    void *obj;
    *out = NULL;
    kc_lock(c);
    kc_status st = kc_ht_lookup(&c->ht, id, KC_HT_CHANNEL, s->serial, &obj);
    if (KC_SUCCESS(st)) {
        kc_channel *ch = (kc_channel *)obj;
        if (ch->tearing_down) {
            st = KMCLB_STATUS_STALE_ID;
        } else {
            ch->refs++;
            *out = ch;
        }
    } else if (st == KMCLB_STATUS_PACKET_RETIRED) {
        st = KMCLB_STATUS_STALE_ID;
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

/* Packets KMCL delivered (or user mode requeued) that sit in the receive stream, not held by user
 * mode, are ended with an empty completion: at Disable they were never delivered as far as user
 * mode knows (the Java fake drops undelivered packets with the connection), and KMCL's Disable
 * waits for every packet it delivered. */
static void retire_queued_packets(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_packet *list = NULL;
    kc_lock(c);
    kc_event *prev = NULL;
    for (kc_event *e = ch->ev_head; e != NULL;) {
        kc_event *next = e->next;
        if (e->pkt != NULL && !e->pkt->held) {
            kc_packet *pk = e->pkt;
            if (prev == NULL) {
                ch->ev_head = next;
            } else {
                prev->next = next;
            }
            if (ch->ev_tail == e) {
                ch->ev_tail = prev;
            }
            ch->ev_count--;
            e->queued = 0;
            kc_ht_free(&c->ht, pk->id, 1);
            if (pk->prev != NULL) {
                pk->prev->next = pk->next;
            } else {
                ch->packets = pk->next;
            }
            if (pk->next != NULL) {
                pk->next->prev = pk->prev;
            }
            ch->pending_packets--;
            pk->prev = NULL;
            pk->next = list;
            list = pk;
        } else {
            prev = e;
        }
        e = next;
    }
    kc_unlock(c);
    while (list != NULL) {
        kc_packet *n = list->next;
        ch->ops->packet_complete(list->kp, NULL, 0);
        kc_free(c, list);
        list = n;
    }
}

kc_status kc_op_disable(kc_channel *ch)
{
    kc_core *c = ch->core;
    kc_lock(c);
    ch->local_disable = 1;
    kc_unlock(c);
    retire_queued_packets(ch);
    ch->ops->disable(ch->kch);
    kc_lock(c);
    ch->local_disable = 0;
    ch->state = KMCLB_STATE_DISABLED;
    ch->flags &= ~(uint64_t)(KMCLB_QF_OPEN | KMCLB_QF_MMIO_VALID | KMCLB_QF_QUEUE_STOPPED);
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_pause(kc_channel *ch)
{
    ch->ops->pause(ch->kch);
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
    kc_unlock(ch->core);
    ch->ops->start(ch->kch);
    return KMCLB_STATUS_SUCCESS;
}

static uint64_t guid_msb(const kc_guid *g)
{
    const uint8_t *b = g->b;
    uint64_t d1 = (uint64_t)b[0] | ((uint64_t)b[1] << 8) | ((uint64_t)b[2] << 16) | ((uint64_t)b[3] << 24);
    uint64_t d2 = (uint64_t)b[4] | ((uint64_t)b[5] << 8);
    uint64_t d3 = (uint64_t)b[6] | ((uint64_t)b[7] << 8);
    return (d1 << 32) | (d2 << 16) | d3;
}

static uint64_t guid_lsb(const kc_guid *g)
{
    uint64_t v = 0;
    for (int i = 8; i < 16; i++) {
        v = (v << 8) | g->b[i];
    }
    return v;
}

void kc_op_query(kc_channel *ch, uint64_t out[KMCLB_QUERY_SLOTS])
{
    kc_core *c = ch->core;
    kc_guid inst;
    memset(&inst, 0, sizeof(inst));
    ch->ops->get_interface_instance(ch->kch, &inst);
    uint32_t sz = ch->ops->sizeof_packet(ch->kch);
    kc_ring_info ri;
    memset(&ri, 0, sizeof(ri));
    if (ch->ops->query_ring != NULL) {
        ch->ops->query_ring(ch->kch, &ri);
    }
    uint64_t mmio_addr = 0, mmio_size = 0;
    kc_lock(c);
    int mmio_valid = (ch->flags & KMCLB_QF_MMIO_VALID) != 0;
    kc_unlock(c);
    if (mmio_valid) {
        ch->ops->get_mmio_space(ch->kch, &mmio_addr, &mmio_size);
    }
    kc_lock(c);
    memcpy(out, ch->ctr, sizeof(ch->ctr));
    out[KMCLB_Q_STATE] = ch->state;
    out[KMCLB_Q_FLAGS] = ch->flags | (ri.outgoing_stalled ? KMCLB_QF_OUTGOING_STALLED : 0);
    out[KMCLB_Q_INSTANCE_MSB] = guid_msb(&inst);
    out[KMCLB_Q_INSTANCE_LSB] = guid_lsb(&inst);
    out[KMCLB_Q_PENDING_INCOMING] = ch->pending_packets;
    out[KMCLB_Q_PENDING_OUTGOING] = ch->pending_sends;
    out[KMCLB_Q_QUEUED_OUTGOING] = ri.queued_outgoing;
    out[KMCLB_Q_RING_FULL_EVENTS] = ri.ring_full_events;
    out[KMCLB_Q_OUTGOING_RING_FREE] = ri.outgoing_free;
    out[KMCLB_Q_INCOMING_RING_USED] = ri.incoming_used;
    out[KMCLB_Q_SIZEOF_PACKET] = sz;
    out[KMCLB_Q_CONTEXT] = ch->context;
    out[KMCLB_Q_MMIO_ADDRESS] = mmio_addr;
    out[KMCLB_Q_MMIO_SIZE] = mmio_size;
    out[KMCLB_Q_INTERRUPT_LATENCY] = ch->latency;
    kc_unlock(c);
}

void kc_op_set_context(kc_channel *ch, uint64_t v)
{
    kc_lock(ch->core);
    ch->context = v;
    kc_unlock(ch->core);
}

void kc_op_set_quota(kc_channel *ch, uint32_t q)
{
    ch->ops->set_transaction_quota(ch->kch, effective_quota(q));
    kc_lock(ch->core);
    ch->user_quota = q;
    kc_unlock(ch->core);
}

kc_status kc_op_set_latency(kc_channel *ch, uint16_t latency, uint16_t *original)
{
    kc_status st = ch->ops->set_interrupt_latency(ch->kch, latency, original);
    if (st == KMCLB_STATUS_INVALID_DEVICE_STATE) {
        /* B53: KMCL accepts the call until its Closed callback returns; user mode runs its Closed
         * handler after receiving the CLOSED record, until it asks for the next records (as the
         * Java fake). The value is the core's own then. */
        kc_lock(ch->core);
        if (ch->closed_window) {
            *original = (uint16_t)ch->latency;
            ch->latency = latency;
            st = KMCLB_STATUS_SUCCESS;
        }
        kc_unlock(ch->core);
        return st;
    }
    if (KC_SUCCESS(st)) {
        kc_lock(ch->core);
        ch->latency = latency;
        kc_unlock(ch->core);
    }
    return st;
}

/* ------------------------------------------------------------------ packets */
/* Looks up a held packet; on success it is detached (retired) and returned with a channel ref. */
static kc_status take_packet(kc_session *s, uint64_t id, kc_packet **out)
{
    kc_core *c = s->core;
    void *obj;
    *out = NULL;
    kc_lock(c);
    kc_status st = kc_ht_lookup(&c->ht, id, KC_HT_PACKET, s->serial, &obj);
    if (KC_SUCCESS(st)) {
        kc_packet *pk = (kc_packet *)obj;
        if (!pk->held) {
            /* requeued: owned by the channel again (as the Java fake); otherwise never delivered */
            st = pk->requeued ? KMCLB_STATUS_CONTRACT_VIOLATION : KMCLB_STATUS_INVALID_HANDLE;
        } else {
            kc_channel *ch = pk->ch;
            kc_ht_free(&c->ht, id, 1);
            if (pk->prev != NULL) {
                pk->prev->next = pk->next;
            } else {
                ch->packets = pk->next;
            }
            if (pk->next != NULL) {
                pk->next->prev = pk->prev;
            }
            pk->prev = pk->next = NULL;
            ch->pending_packets--;
            ch->refs++;
            *out = pk;
        }
    }
    kc_unlock(c);
    return st;
}

kc_status kc_op_complete(kc_session *s, uint64_t id, const void *payload, uint32_t len)
{
    kc_packet *pk;
    kc_status st = take_packet(s, id, &pk);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch = pk->ch;
    ch->ops->packet_complete(pk->kp, len ? payload : NULL, len);
    kc_lock(ch->core);
    ch->ctr[KMCLB_Q_COMPLETIONS_SENT]++;
    ch->refs--;
    kc_unlock(ch->core);
    kc_free(ch->core, pk);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_fail(kc_session *s, uint64_t id)
{
    kc_packet *pk;
    kc_status st = take_packet(s, id, &pk);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch = pk->ch;
    ch->ops->packet_fail(pk->kp);
    kc_lock(ch->core);
    ch->ctr[KMCLB_Q_PACKETS_FAILED]++;
    ch->flags |= KMCLB_QF_QUEUE_STOPPED;
    ch->refs--;
    kc_unlock(ch->core);
    kc_free(ch->core, pk);
    return KMCLB_STATUS_SUCCESS;
}

/* DeferToPassive as the bridge offers it: KMCL only allows the call inline in the process-packet
 * callback, which has long returned when user mode decides. The core therefore redelivers the
 * packet itself, at PASSIVE_LEVEL, under a fresh id (the old id is retired). */
kc_status kc_op_defer(kc_session *s, uint64_t id)
{
    kc_core *c = s->core;
    void *obj;
    kc_lock(c);
    kc_status st = kc_ht_lookup(&c->ht, id, KC_HT_PACKET, s->serial, &obj);
    if (KC_SUCCESS(st)) {
        kc_packet *pk = (kc_packet *)obj;
        if (!pk->held) {
            st = KMCLB_STATUS_INVALID_HANDLE;
        } else {
            kc_channel *ch = pk->ch;
            uint64_t nid;
            st = kc_ht_alloc(&c->ht, KC_HT_PACKET, pk, s->serial, &nid);
            if (KC_SUCCESS(st)) {
                kc_ht_free(&c->ht, id, 1);
                pk->id = nid;
                pk->held = 0;
                pk->redelivery = 1;
                pk->ev.hdr.id = nid;
                pk->ev.hdr.flags |= KMCLB_PF_REDELIVERY;
                pk->ev.hdr.status = KMCLB_IRQL_PASSIVE;
                push_event(ch, &pk->ev);
                ch->refs++;
                kc_unlock(c);
                kc_deliver_parked(ch);
                kc_channel_put(ch);
                return KMCLB_STATUS_SUCCESS;
            }
        }
    }
    kc_unlock(c);
    return st;
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
                st = pk->requeued ? KMCLB_STATUS_CONTRACT_VIOLATION : KMCLB_STATUS_INVALID_HANDLE;
            } else if (pk->ev.queued) {
                st = KMCLB_STATUS_INVALID_HANDLE; /* cannot happen: held packets are never queued */
            } else {
                pk->held = 0;
                pk->requeued = 1;
                back[n++] = pk;
            }
        }
        if (!KC_SUCCESS(st) && KC_SUCCESS(first)) {
            first = st;
        }
    }
    for (uint32_t i = n; i > 0; i--) {
        kc_packet *pk = back[i - 1];
        kc_event *e = &pk->ev;
        if (!pk->redelivery) {
            uint64_t real = (uint64_t)pk->len + pk->ext_len;
            ch->ctr[KMCLB_Q_PACKETS_IN]--;
            ch->ctr[KMCLB_Q_BYTES_IN] -= real;
        }
        e->queued = 1;
        e->next = ch->ev_head;
        ch->ev_head = e;
        if (ch->ev_tail == NULL) {
            ch->ev_tail = e;
        }
        ch->ev_count++;
    }
    int disabling = ch->local_disable;
    kc_unlock(c);
    kc_free(c, back);
    if (n > 0) {
        if (disabling) {
            retire_queued_packets(ch); /* a Disable in progress waits for them */
        }
        kc_deliver_parked(ch);
    }
    return first;
}

/* ------------------------------------------------------------------ sends */
kc_status kc_op_send(kc_channel *ch, uint64_t tag, uint32_t flags, uint32_t form, const void *payload, uint32_t len,
                     const void *ext, uint32_t ext_len)
{
    kc_core *c = ch->core;
    kc_lock(c);
    int suspended = ch->suspended;
    kc_unlock(c);
    if (suspended) {
        return KMCLB_STATUS_CONTRACT_VIOLATION; /* B93: no sends between Suspend and Started/Closed */
    }
    kc_send *sd = (kc_send *)kc_alloc(c, sizeof(kc_send) + (size_t)len + ext_len);
    if (sd == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(sd, 0, sizeof(*sd));
    sd->ch = ch;
    sd->tag = tag;
    if (len > 0) {
        memcpy(sd->data, payload, len);
    }
    if (ext_len > 0) {
        memcpy(sd->data + len, ext, ext_len);
    }
    sd->kp = ch->ops->packet_allocate(ch->kch);
    if (sd->kp == NULL) {
        kc_free(c, sd);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    ch->ops->packet_set_pointer(sd->kp, sd);
    ch->ops->packet_set_completion_routine(sd->kp, cb_send_complete);
    kc_lock(c);
    if (ch->pending_sends >= KMCLB_MAX_PENDING_SENDS) {
        kc_unlock(c);
        ch->ops->packet_free(sd->kp);
        kc_free(c, sd);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    sd->next = ch->sends;
    if (ch->sends != NULL) {
        ch->sends->prev = sd;
    }
    ch->sends = sd;
    ch->pending_sends++;
    ch->ctr[KMCLB_Q_PACKETS_OUT]++;
    ch->ctr[KMCLB_Q_BYTES_OUT] += (uint64_t)len + ext_len;
    kc_unlock(c);
    kc_vmbpacket kp = sd->kp;
    kc_status st;
    /* from here sd may be freed at any time by the completion routine */
    if (form == KMCLB_EXTERNAL_MDL) {
        st = ch->ops->packet_send_with_external_mdl(kp, sd->data, len, sd->data + len, ext_len, flags);
    } else if (form == KMCLB_EXTERNAL_PFNS) {
        st = ch->ops->packet_send_with_external_pfns(kp, sd->data, len, sd->data + len, ext_len, flags);
    } else {
        st = ch->ops->packet_send(kp, sd->data, len, flags);
    }
    if (!KC_SUCCESS(st)) {
        /* KMCL did not take the packet: no completion routine will run */
        kc_lock(c);
        if (sd->prev != NULL) {
            sd->prev->next = sd->next;
        } else {
            ch->sends = sd->next;
        }
        if (sd->next != NULL) {
            sd->next->prev = sd->prev;
        }
        ch->pending_sends--;
        ch->ctr[KMCLB_Q_PACKETS_OUT]--;
        ch->ctr[KMCLB_Q_BYTES_OUT] -= (uint64_t)len + ext_len;
        kc_unlock(c);
        ch->ops->packet_free(kp);
        kc_free(c, sd);
    }
    return st;
}

kc_status kc_op_send_sync(kc_channel *ch, uint32_t flags, const void *payload, uint32_t len, const void *ext,
                          uint32_t ext_len, void *cbuf, uint32_t *csize, const int64_t *timeout)
{
    kc_status st = ch->ops->send_synchronous_request(ch->kch, payload, len, ext, ext_len, flags, cbuf, csize, timeout);
    if (KC_SUCCESS(st)) {
        kc_lock(ch->core);
        ch->ctr[KMCLB_Q_PACKETS_OUT]++;
        ch->ctr[KMCLB_Q_BYTES_OUT] += (uint64_t)len + ext_len;
        kc_unlock(ch->core);
    }
    return st;
}

/* ------------------------------------------------------------------ GPADLs */
kc_status kc_op_gpadl_create(kc_channel *ch, uint32_t size, uint32_t flags, uint32_t *handle)
{
    kc_core *c = ch->core;
    kc_gpadl *g = (kc_gpadl *)kc_alloc(c, sizeof(kc_gpadl));
    void *buf = kc_alloc(c, size);
    if (g == NULL || buf == NULL) {
        kc_free(c, g);
        kc_free(c, buf);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(g, 0, sizeof(*g));
    memset(buf, 0, size);
    kc_status st = ch->ops->create_gpadl_from_buffer(ch->kch, flags, buf, size, handle);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        kc_free(c, buf);
        return st;
    }
    g->handle = *handle;
    g->buf = buf;
    g->size = size;
    g->ours = 1;
    kc_lock(c);
    g->next = ch->gpadls;
    ch->gpadls = g;
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

static kc_gpadl *unlink_gpadl(kc_channel *ch, uint32_t handle, int ours)
{
    for (kc_gpadl **pp = &ch->gpadls; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->handle == handle && (*pp)->ours == ours) {
            kc_gpadl *g = *pp;
            *pp = g->next;
            return g;
        }
    }
    return NULL;
}

kc_status kc_op_gpadl_delete(kc_channel *ch, uint32_t handle)
{
    kc_core *c = ch->core;
    kc_lock(c);
    kc_gpadl *g = unlink_gpadl(ch, handle, 1);
    kc_unlock(c);
    if (g == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    ch->ops->delete_gpadl(ch->kch, handle); /* blocks while the server has it mapped */
    kc_free(c, g->buf);
    kc_free(c, g);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_gpadl_map(kc_channel *ch, uint32_t handle, uint32_t flags)
{
    kc_core *c = ch->core;
    kc_gpadl *g = (kc_gpadl *)kc_alloc(c, sizeof(kc_gpadl));
    if (g == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(g, 0, sizeof(*g));
    void *addr = NULL;
    uint32_t size = 0;
    kc_status st = ch->ops->map_gpadl(ch->kch, flags, handle, &addr, &size);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        return st;
    }
    g->handle = handle;
    g->buf = addr;
    g->size = size;
    g->ours = 0;
    kc_lock(c);
    g->next = ch->gpadls;
    ch->gpadls = g;
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_gpadl_unmap(kc_channel *ch, uint32_t handle)
{
    kc_core *c = ch->core;
    kc_lock(c);
    kc_gpadl *g = unlink_gpadl(ch, handle, 0);
    kc_unlock(c);
    if (g == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    ch->ops->unmap_gpadl(ch->kch, handle);
    kc_free(c, g);
    return KMCLB_STATUS_SUCCESS;
}

/* Copies under the core lock so a concurrent delete cannot free the memory mid-copy. */
kc_status kc_op_gpadl_access(kc_channel *ch, uint32_t handle, int mapped, uint64_t offset, void *data, uint32_t len,
                             int write)
{
    kc_core *c = ch->core;
    kc_status st = KMCLB_STATUS_INVALID_PARAMETER;
    kc_lock(c);
    for (kc_gpadl *g = ch->gpadls; g != NULL; g = g->next) {
        if (g->handle == handle && g->ours == !mapped) {
            if (offset > g->size || (uint64_t)len > (uint64_t)g->size - offset) {
                st = KMCLB_STATUS_INVALID_PARAMETER;
            } else {
                if (len > 0) {
                    if (write) {
                        memcpy((uint8_t *)g->buf + offset, data, len);
                    } else {
                        memcpy(data, (uint8_t *)g->buf + offset, len);
                    }
                }
                st = KMCLB_STATUS_SUCCESS;
            }
            break;
        }
    }
    kc_unlock(c);
    return st;
}

/* ------------------------------------------------------------------ teardown */
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
    while (ch->ev_head != NULL) {
        kc_event *e = ch->ev_head;
        ch->ev_head = e->next;
        e->queued = 0;
        free_event(c, e);
    }
    ch->ev_tail = NULL;
    ch->ev_count = 0;
    ch->state_events = 0;
    kc_packet *held = ch->packets;
    for (kc_packet *pk = held; pk != NULL; pk = pk->next) {
        kc_ht_free(&c->ht, pk->id, 1);
    }
    ch->packets = NULL;
    ch->pending_packets = 0;
    kc_unlock(c);
    cancel_parked(ch, 0);

    /* 2. retire every packet still held (empty completion) */
    while (held != NULL) {
        kc_packet *n = held->next;
        o->packet_complete(held->kp, NULL, 0);
        kc_free(c, held);
        held = n;
    }

    /* 3. wait for other calls on this channel to leave (after unblocking them by disabling) */
    if (force) {
        kc_lock(c);
        kc_gpadl *maps = NULL;
        for (kc_gpadl **pp = &ch->gpadls; *pp != NULL;) {
            if (!(*pp)->ours) {
                kc_gpadl *g = *pp;
                *pp = g->next;
                g->next = maps;
                maps = g;
            } else {
                pp = &(*pp)->next;
            }
        }
        uint32_t state = ch->state;
        uint64_t flags = ch->flags;
        ch->local_disable = 1;
        kc_unlock(c);
        while (maps != NULL) {
            kc_gpadl *n = maps->next;
            o->unmap_gpadl(ch->kch, maps->handle);
            kc_free(c, maps);
            maps = n;
        }
        if (state != KMCLB_STATE_DISABLED || (flags & KMCLB_QF_EVER_ENABLED) != 0) {
            o->disable(ch->kch);
        }
    }
    for (;;) {
        kc_lock(c);
        uint32_t refs = ch->refs;
        kc_unlock(c);
        if (refs == 0) {
            break;
        }
        c->p->sleep_ms(c->p->ctx, 1);
    }

    /* 4. our GPADLs, unfinished sends, the channel */
    kc_lock(c);
    kc_gpadl *gl = ch->gpadls;
    ch->gpadls = NULL;
    kc_send *sends = ch->sends;
    ch->sends = NULL;
    ch->pending_sends = 0;
    kc_unlock(c);
    cancel_parked(ch, 1); /* no receive is in progress any more (refs == 0) */
    while (gl != NULL) {
        kc_gpadl *n = gl->next;
        if (gl->ours) {
            o->delete_gpadl(ch->kch, gl->handle);
            kc_free(c, gl->buf);
        } else {
            o->unmap_gpadl(ch->kch, gl->handle);
        }
        kc_free(c, gl);
        gl = n;
    }
    while (sends != NULL) {
        kc_send *n = sends->next;
        o->packet_free(sends->kp);
        kc_free(c, sends);
        sends = n;
    }
    o->channel_cleanup(ch->kch);

    /* 5. late events produced during teardown */
    kc_lock(c);
    while (ch->ev_head != NULL) {
        kc_event *e = ch->ev_head;
        ch->ev_head = e->next;
        free_event(c, e);
    }
    kc_packet *late = ch->packets;
    ch->packets = NULL;
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
    kc_unlock(c);
    while (late != NULL) { /* cannot happen with a KMCL that honours Disable; kept leak-free anyway */
        kc_packet *n = late->next;
        kc_free(c, late);
        late = n;
    }
    kc_free(c, ch);
}

kc_status kc_op_cleanup(kc_session *s, uint64_t id)
{
    kc_core *c = s->core;
    void *obj;
    kc_lock(c);
    kc_status st = kc_ht_lookup(&c->ht, id, KC_HT_CHANNEL, s->serial, &obj);
    if (st == KMCLB_STATUS_PACKET_RETIRED) {
        st = KMCLB_STATUS_STALE_ID;
    }
    kc_channel *ch = (kc_channel *)obj;
    if (KC_SUCCESS(st)) {
        if (ch->tearing_down) {
            st = KMCLB_STATUS_STALE_ID;
        } else if (ch->state != KMCLB_STATE_DISABLED) {
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

kc_status kc_peer_resolve_channel(kc_core *c, uint64_t id, kc_vmbchannel *out)
{
    *out = NULL;
    kc_lock(c);
    uint32_t slot = (uint32_t)(id & 0xFFFFFFu);
    kc_status st = KMCLB_STATUS_INVALID_HANDLE;
    if (slot < c->ht.capacity && ((id >> 24) & 0xFF) == KC_HT_CHANNEL) {
        const kc_ht_slot *sl = &c->ht.slots[slot];
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
    uint32_t slot = (uint32_t)(id & 0xFFFFFFu);
    kc_status st = KMCLB_STATUS_INVALID_HANDLE;
    if (slot < c->ht.capacity && ((id >> 24) & 0xFF) == KC_HT_CHANNEL && (id >> 32) != 0) {
        const kc_ht_slot *sl = &c->ht.slots[slot];
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
