/* kc_parked.c - parked receives (the inverted call): a RECEIVE with nothing to return waits in its
 * channel's list until records arrive, the channel goes away or the host cancels it. The request's
 * core_state (kc_request_state, kc_platform.h) says who may complete it. */
#include <string.h>
#include "kc_internal.h"

/* lock held */
static void unlink_parked(kc_channel *ch, kc_request *r)
{
    kc_list_remove(&ch->parked, &r->core_link);
    r->core_channel = NULL;
}

/* lock held: takes r out of the list for the core, which completes it after unpark */
static kc_request *claim(kc_channel *ch, kc_request *r)
{
    unlink_parked(ch, r);
    r->core_state = KC_REQUEST_CLAIMED;
    return r;
}

/* lock held: the first request that may be claimed */
static kc_request *claim_parked(kc_channel *ch)
{
    for (kc_list_node *n = ch->parked.first; n != NULL; n = n->next) {
        kc_request *r = KC_CONTAINER_OF(n, kc_request, core_link);
        if (r->core_state == KC_REQUEST_PARKED) {
            return claim(ch, r);
        }
    }
    return NULL;
}

/* Takes a claimed request back from the host before the core completes it. Returns 1 when the
 * core may complete r with its result. 0 when the host refused (r's cancel routine has run or will
 * run): whichever of the two comes second completes r with STATUS_CANCELLED, this function when
 * the routine already ran, else the routine (kc_cancel_request returns 1 for UNPARK_REFUSED).
 * Called without the lock. */
static int take_back(kc_core *c, kc_request *r)
{
    if (KC_SUCCESS(c->p->unpark(c->p->ctx, r))) {
        return 1;
    }
    kc_lock(c);
    int cancel_ran = r->core_state == KC_REQUEST_CANCELLED_WHILE_CLAIMED;
    r->core_state = cancel_ran ? KC_REQUEST_NOT_PARKED : KC_REQUEST_UNPARK_REFUSED;
    kc_unlock(c);
    if (cancel_ran) {
        r->info = 0;
        c->p->complete(c->p->ctx, r, KMCLB_STATUS_CANCELLED);
    }
    return 0;
}

/* Moves queued events into parked receives. Called without the lock; the channel must stay
 * alive for the call (KMCL callback, reference, or teardown). */
void kc_deliver_parked(kc_channel *ch)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        /* a closing channel's parked receives end CANCELLED (kc_cancel_parked), whatever its
         * teardown still posts (the Suspend/Closed of its forced Disable are discarded) */
        kc_request *r = !ch->closing && kc_events_deliverable(ch) ? claim_parked(ch) : NULL;
        kc_unlock(c);
        if (r == NULL) {
            return;
        }
        if (!take_back(c, r)) {
            continue; /* cancelled: its events stay queued for the next receive */
        }
        kc_receive_batch batch;
        kc_lock(c);
        kc_receive_take(ch, r, &batch); /* TIMEOUT if another receiver took them */
        kc_unlock(c);
        kc_receive_finish(ch, r, &batch);
        c->p->complete(c->p->ctx, r, KMCLB_STATUS_SUCCESS);
    }
}

/* Channel gone. all: also requests still PARKING (only when no receive can be in progress any
 * more). Called without the lock. */
void kc_cancel_parked(kc_channel *ch, int all)
{
    kc_core *c = ch->core;
    for (;;) {
        kc_lock(c);
        kc_request *r = claim_parked(ch);
        if (r == NULL && all && !kc_list_is_empty(&ch->parked)) {
            r = claim(ch, KC_CONTAINER_OF(ch->parked.first, kc_request, core_link));
        }
        kc_unlock(c);
        if (r == NULL) {
            return;
        }
        if (!take_back(c, r)) {
            continue;
        }
        kmclb_receive_out h;
        memset(&h, 0, sizeof(h));
        h.status = KMCLB_STATUS_CANCELLED;
        memcpy(r->out, &h, sizeof(h));
        r->info = sizeof(h);
        c->p->complete(c->p->ctx, r, KMCLB_STATUS_SUCCESS);
    }
}

/* The host's cancel routine; see kc_request_state (kc_platform.h) for who completes what. */
int kc_cancel_request(kc_core *c, kc_request *req)
{
    if (req->core_detached != NULL) {
        return kc_detached_cancel(c, req);
    }
    int host_completes = 1;
    kc_lock(c);
    kc_channel *ch = (kc_channel *)req->core_channel;
    switch (req->core_state) {
    case KC_REQUEST_PARKED:
        unlink_parked(ch, req);
        req->core_state = KC_REQUEST_NOT_PARKED;
        break;
    case KC_REQUEST_PARKING:
        req->core_state = KC_REQUEST_CANCEL_WHILE_PARKING; /* the parking thread fails it */
        host_completes = 0;
        break;
    case KC_REQUEST_CLAIMED:
        req->core_state = KC_REQUEST_CANCELLED_WHILE_CLAIMED; /* the core's unpark fails; it completes it */
        host_completes = 0;
        break;
    case KC_REQUEST_UNPARK_REFUSED:
        req->core_state = KC_REQUEST_NOT_PARKED; /* the core gave it up: the host completes it */
        break;
    default:
        break; /* not the core's */
    }
    kc_unlock(c);
    return host_completes;
}

/* RECEIVE: fills at once when events are queued (or when polling), else parks the request. The
 * channel is looked up in the hold that takes the records: a receive that returns at once holds a
 * channel reference only while it has records in transit (kc_receive_take to kc_receive_finish),
 * one that parks holds one until it is parked and has looked for records that came meanwhile. */
kc_status kc_receive_or_park(kc_session *s, uint64_t channel, kc_request *r, int may_park)
{
    kc_core *c = s->core;
    kc_channel *ch;
    kc_lock(c);
    kc_status st = kc_channel_lookup(s, channel, &ch);
    if (KC_SUCCESS(st) && (kc_events_deliverable(ch) || !may_park)) {
        kc_receive_batch batch;
        kc_receive_take(ch, r, &batch);
        kc_unlock(c);
        kc_receive_finish(ch, r, &batch);
        return KMCLB_STATUS_SUCCESS;
    }
    if (!KC_SUCCESS(st)) {
        kc_unlock(c);
        return st; /* not a channel of this session, or one being torn down */
    }
    ch->refs++; /* teardown waits for it: the channel outlives the park */
    r->core_state = KC_REQUEST_PARKING; /* claimers skip it until the host made it cancelable */
    r->core_channel = ch;
    kc_list_insert_tail(&ch->parked, &r->core_link);
    kc_unlock(c);
    st = c->p->park(c->p->ctx, r);
    kc_lock(c);
    if (!KC_SUCCESS(st) || r->core_state == KC_REQUEST_CANCEL_WHILE_PARKING) {
        unlink_parked(ch, r); /* still in the list: claimers skip requests that are not PARKED */
        r->core_state = KC_REQUEST_NOT_PARKED;
        ch->refs--;
        kc_unlock(c);
        return KMCLB_STATUS_CANCELLED; /* the dispatch caller completes it */
    }
    r->core_state = KC_REQUEST_PARKED; /* from here the request may complete at any time */
    kc_unlock(c);
    kc_deliver_parked(ch); /* events that arrived while it was PARKING */
    kc_channel_put(ch);
    return KMCLB_STATUS_PENDING;
}
