/* kc_detached.c - requests whose KMCL call waits for the host (Disable, Pause, Cleanup, DeleteGpadl,
 * a synchronous request without timeout) run on a host worker instead of the caller's thread, while
 * the caller's request stays pended and cancelable: a killed process or CancelIoEx ends it at once
 * with STATUS_CANCELLED instead of hanging until the host answers. The KMCL call itself cannot be
 * interrupted; it finishes on the worker, and its result is then dropped.
 *
 * The worker works on private copies of the input and the output (the caller's system buffer may be
 * gone once a cancel completed the request). Exactly one side completes the caller's request,
 * decided under the core lock:
 *   WAITING   --cancel routine-->  CANCELLED: the cancel routine completes it (kc_cancel_request
 *                                  returns 1); the worker later frees the record, touching nothing else
 *   WAITING   --both arrived---->  CLAIMED, then the worker unparks the request:
 *     unpark succeeds:             the worker completes it with the result
 *     unpark fails, the cancel routine already ran (CANCELLED_WHILE_CLAIMED, it returned 0):
 *                                  the worker completes it with STATUS_CANCELLED
 *     unpark fails, the cancel routine has not run yet (UNPARK_REFUSED): the worker leaves the
 *                                  request and the record to it; it completes the request (returns 1)
 *                                  and frees the record, so it never reads freed memory
 * "Both arrived": the worker has run and the parking thread has parked (see arrive()). */
#include <string.h>
#include "kc_internal.h"

typedef enum kc_detached_state {
    KC_DETACHED_WAITING = 1,
    KC_DETACHED_CANCELLED = 2,               /* the cancel routine took it before the worker claimed it */
    KC_DETACHED_CLAIMED = 3,                 /* the worker claimed it and unparks it next */
    KC_DETACHED_CANCELLED_WHILE_CLAIMED = 4, /* the cancel routine ran while CLAIMED and left it to the worker */
    KC_DETACHED_UNPARK_REFUSED = 5           /* the worker's unpark failed first: the cancel routine ends it */
} kc_detached_state;

typedef struct kc_detached {
    kc_session *session;
    uint32_t code;
    kc_request *origin; /* the caller's request; not touched once CANCELLED */
    kc_request work;    /* the private copy the worker dispatches */
    kc_status result;   /* of the worker's dispatch */
    kc_detached_state state;
    int parked;         /* origin was parked (else it was cancelled first) */
    int arrivals;       /* parking thread and worker, guarded by the core lock */
    /* input bytes, then output bytes, follow the struct */
} kc_detached;

int kc_request_may_block(uint32_t code, const void *in, uint32_t in_len)
{
    switch (code) {
    case IOCTL_KMCLB_CHANNEL_DISABLE:
    case IOCTL_KMCLB_CHANNEL_PAUSE:
    case IOCTL_KMCLB_CHANNEL_CLEANUP:
    case IOCTL_KMCLB_GPADL_DELETE:
        return 1;
    case IOCTL_KMCLB_SEND_SYNC: {
        kmclb_send_sync_in sync;
        if (in == NULL || in_len < sizeof(sync)) {
            return 0; /* refused by validation, on the caller's thread */
        }
        memcpy(&sync, in, sizeof(sync));
        return sync.has_timeout == 0;
    }
    default:
        return 0;
    }
}

static void release_session(kc_session *s)
{
    kc_session_leave(s);
}

/* Hands the result to the caller's request unless a cancel took it first. Returns 1 when the
 * request and this record are left to a cancel routine that has yet to run (it frees the record). */
static int complete_origin(kc_detached *d)
{
    kc_core *c = d->session->core;
    kc_lock(c);
    int cancelled = d->state == KC_DETACHED_CANCELLED;
    d->state = KC_DETACHED_CLAIMED;
    kc_unlock(c);
    if (cancelled) {
        return 0; /* the cancel routine completed it */
    }
    kc_request *r = d->origin;
    if (KC_SUCCESS(c->p->unpark(c->p->ctx, r))) {
        r->info = d->work.info <= r->out_len ? d->work.info : 0;
        if (r->info > 0) {
            memcpy(r->out, d->work.out, r->info);
        }
        c->p->complete(c->p->ctx, r, d->result);
        return 0;
    }
    /* the cancel routine has run or will run */
    kc_lock(c);
    int left_to_us = d->state == KC_DETACHED_CANCELLED_WHILE_CLAIMED;
    if (!left_to_us) {
        d->state = KC_DETACHED_UNPARK_REFUSED;
    }
    kc_unlock(c);
    if (!left_to_us) {
        return 1;
    }
    r->info = 0;
    c->p->complete(c->p->ctx, r, KMCLB_STATUS_CANCELLED);
    return 0;
}

static void free_detached(kc_detached *d)
{
    kc_session *s = d->session;
    kc_free(s->core, d);
    release_session(s); /* last: the session (and the core) may go once nothing is in flight */
}

/* The two parties, the parking thread and the worker, each arrive once; the second one ends it all
 * (so the worker never unparks a request that is not parked yet, and the host's run_detached is
 * called while the request is surely alive, before it is parked). */
static void arrive(kc_detached *d)
{
    kc_session *s = d->session;
    kc_core *c = s->core;
    kc_lock(c);
    int last = ++d->arrivals == 2;
    kc_unlock(c);
    if (!last) {
        return;
    }
    if (d->parked && complete_origin(d)) {
        return; /* the cancel routine, still to run, ends the request and frees d */
    } /* else when not parked: park failed, the dispatch caller completes the request with STATUS_CANCELLED */
    free_detached(d);
}

static void run(void *arg)
{
    kc_detached *d = (kc_detached *)arg;
    d->result = kc_dispatch_inline(d->session, d->code, &d->work);
    arrive(d);
}

kc_status kc_detach(kc_session *s, uint32_t code, kc_request *r)
{
    kc_core *c = s->core;
    size_t size = sizeof(kc_detached) + (size_t)r->in_len + (size_t)r->out_len;
    kc_detached *d = (kc_detached *)kc_alloc(c, size);
    if (d == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(d, 0, sizeof(*d));
    uint8_t *bytes = (uint8_t *)(d + 1);
    if (r->in_len > 0) {
        memcpy(bytes, r->in, r->in_len);
    }
    d->session = s;
    d->code = code;
    d->origin = r;
    d->work.in = r->in_len > 0 ? bytes : NULL;
    d->work.in_len = r->in_len;
    d->work.out = r->out_len > 0 ? bytes + r->in_len : NULL;
    d->work.out_len = r->out_len;
    d->state = KC_DETACHED_WAITING;

    if (!kc_session_enter(s)) { /* the session outlives the worker: shutdown waits for it */
        kc_free(c, d);
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (!KC_SUCCESS(c->p->run_detached(c->p->ctx, r, run, d))) {
        kc_free(c, d);
        release_session(s);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    r->core_detached = d;
    kc_status parked = c->p->park(c->p->ctx, r);
    kc_lock(c);
    d->parked = KC_SUCCESS(parked); /* read by whoever arrives last */
    kc_unlock(c);
    arrive(d); /* may complete r right here when the worker was quicker */
    /* cancelled before it could wait: the caller completes it (the worker's result is dropped) */
    return KC_SUCCESS(parked) ? KMCLB_STATUS_PENDING : KMCLB_STATUS_CANCELLED;
}

int kc_detached_cancel(kc_core *c, kc_request *req)
{
    kc_lock(c);
    kc_detached *d = (kc_detached *)req->core_detached;
    int host_completes = 1;
    int free_record = 0;
    switch (d->state) {
    case KC_DETACHED_WAITING:
        d->state = KC_DETACHED_CANCELLED; /* the worker only frees the record later */
        break;
    case KC_DETACHED_UNPARK_REFUSED:
        free_record = 1; /* the worker left the request and the record to us */
        break;
    default: /* CLAIMED: the worker's unpark fails and it completes the request */
        d->state = KC_DETACHED_CANCELLED_WHILE_CLAIMED;
        host_completes = 0;
        break;
    }
    kc_unlock(c);
    if (free_record) {
        free_detached(d);
    }
    return host_completes;
}
