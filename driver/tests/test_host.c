#define _POSIX_C_SOURCE 200809L
#include "test_host.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

int th_failures;
int th_checks;

enum { RQ_IDLE, RQ_PARKED, RQ_CLAIMED, RQ_CANCELLING };
typedef struct th_req {
    kc_request r;
    int state, done;
    kc_status status;
} th_req;

static pthread_mutex_t rq_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rq_cv = PTHREAD_COND_INITIALIZER;

static void *p_alloc(void *c, size_t n)
{
    (void)c;
    return calloc(1, n ? n : 1);
}
static void p_free(void *c, void *p)
{
    (void)c;
    free(p);
}
static kc_status p_lc(void *c, void **l)
{
    (void)c;
    pthread_mutex_t *m = malloc(sizeof(*m));
    if (!m) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(m, NULL);
    *l = m;
    return 0;
}
static void p_ld(void *c, void *l)
{
    (void)c;
    pthread_mutex_destroy(l);
    free(l);
}
static void p_la(void *c, void *l)
{
    (void)c;
    pthread_mutex_lock(l);
}
static void p_lr(void *c, void *l)
{
    (void)c;
    pthread_mutex_unlock(l);
}
static void p_sleep(void *c, uint32_t ms)
{
    (void)c;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
static kc_status p_park(void *c, kc_request *r)
{
    (void)c;
    th_req *q = r->platform;
    pthread_mutex_lock(&rq_mu);
    kc_status st = 0;
    if (q->state == RQ_CANCELLING) {
        st = KMCLB_STATUS_CANCELLED;
    } else {
        q->state = RQ_PARKED;
    }
    pthread_mutex_unlock(&rq_mu);
    return st;
}
static kc_status p_unpark(void *c, kc_request *r)
{
    (void)c;
    th_req *q = r->platform;
    pthread_mutex_lock(&rq_mu);
    kc_status st = KMCLB_STATUS_CANCELLED;
    if (q->state == RQ_PARKED) {
        q->state = RQ_CLAIMED;
        st = 0;
    }
    pthread_mutex_unlock(&rq_mu);
    return st;
}
static void p_complete(void *c, kc_request *r, kc_status s)
{
    (void)c;
    th_req *q = r->platform;
    pthread_mutex_lock(&rq_mu);
    q->status = s;
    q->done = 1;
    pthread_cond_broadcast(&rq_cv);
    pthread_mutex_unlock(&rq_mu);
}
static uint8_t p_irql(void *c)
{
    (void)c;
    return fk_current_irql();
}

static void on_offer(void *ctx, uint64_t offer, void *device)
{
    th_machine *m = ctx;
    kc_guid t, i;
    uint64_t ep;
    (void)offer;
    fk_offer_guids(device, &t, &i);
    kc_endpoint_add(m->core, fk_ops(), device, &t, &i, fk_offer_name(device), &ep);
}

th_machine *th_create(void)
{
    th_machine *m = calloc(1, sizeof(*m));
    m->plat.ctx = m;
    m->plat.alloc = p_alloc;
    m->plat.free = p_free;
    m->plat.lock_create = p_lc;
    m->plat.lock_destroy = p_ld;
    m->plat.lock_acquire = p_la;
    m->plat.lock_release = p_lr;
    m->plat.sleep_ms = p_sleep;
    m->plat.park = p_park;
    m->plat.unpark = p_unpark;
    m->plat.complete = p_complete;
    m->plat.current_irql = p_irql;
    if (kc_core_create(&m->plat, 4096, "test", &m->core) < 0 || fk_world_create(7, &m->world) < 0) {
        abort();
    }
    fk_world_set_hooks(m->world, m, on_offer, NULL);
    return m;
}

void th_destroy(th_machine *m)
{
    fk_world_destroy(m->world);
    kc_core_destroy(m->core);
    free(m);
}

kc_status th_ioctl(kc_session *s, th_machine *m, uint32_t code, const void *in, uint32_t in_len, void *out,
                   uint32_t out_len, uint32_t *info, int64_t wait_ms)
{
    uint32_t blen = in_len > out_len ? in_len : out_len;
    uint8_t *sys = malloc(blen ? blen : 1);
    uint32_t dummy;
    if (info == NULL) {
        info = &dummy;
    }
    *info = 0;
    if (in_len) {
        memcpy(sys, in, in_len);
    }
    if (out_len > in_len) {
        memset(sys + in_len, 0xCD, out_len - in_len); /* garbage the core must zero */
    }
    th_req q;
    memset(&q, 0, sizeof(q));
    q.r.in = sys;
    q.r.in_len = in_len;
    q.r.out = out_len ? sys : NULL;
    q.r.out_len = out_len;
    q.r.platform = &q;
    kc_status st = kc_dispatch(s, code, &q.r);
    if (st == KMCLB_STATUS_PENDING) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        int64_t w = wait_ms < 0 ? 0 : wait_ms;
        dl.tv_sec += (time_t)(w / 1000);
        dl.tv_nsec += (long)(w % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&rq_mu);
        while (!q.done) {
            if (wait_ms < 0) {
                pthread_cond_wait(&rq_cv, &rq_mu);
            } else if (pthread_cond_timedwait(&rq_cv, &rq_mu, &dl) == ETIMEDOUT) {
                break;
            }
        }
        if (!q.done && q.state == RQ_PARKED) {
            q.state = RQ_CANCELLING;
            pthread_mutex_unlock(&rq_mu);
            if (kc_cancel_request(m->core, &q.r)) {
                p_complete(m, &q.r, KMCLB_STATUS_CANCELLED);
            }
            pthread_mutex_lock(&rq_mu);
        }
        while (!q.done) {
            pthread_cond_wait(&rq_cv, &rq_mu);
        }
        pthread_mutex_unlock(&rq_mu);
        st = q.status;
    }
    if (q.r.info > out_len) {
        fprintf(stderr, "info %u > out_len %u\n", q.r.info, out_len);
        abort();
    }
    if (q.r.info > 0) {
        memcpy(out, sys, q.r.info);
    }
    *info = q.r.info;
    free(sys);
    return st;
}

uint64_t th_offer(th_machine *m, uint8_t tag, uint64_t *out_offer)
{
    kc_guid t, i;
    memset(&t, 0xA0 + tag, sizeof(t));
    memset(&i, tag, sizeof(i));
    uint64_t offer = 0;
    if (fk_peer_offer(m->world, &t, &i, 0, 0, "test device", &offer, NULL) < 0) {
        abort();
    }
    if (out_offer) {
        *out_offer = offer;
    }
    /* endpoints are numbered in offer order by the core */
    kc_session *s;
    kc_session_open(m->core, &s);
    kmclb_in_header h = {KMCLB_PROTOCOL_VERSION, 0};
    uint8_t buf[8 + 104 * 64];
    uint32_t info;
    th_ioctl(s, m, IOCTL_KMCLB_LIST_ENDPOINTS, &h, sizeof(h), buf, sizeof(buf), &info, -1);
    kmclb_endpoints_out eo;
    memcpy(&eo, buf, sizeof(eo));
    uint64_t id = 0;
    for (uint32_t k = 0; k < eo.count; k++) {
        kmclb_endpoint e;
        memcpy(&e, buf + 8 + 104 * k, sizeof(e));
        if (memcmp(e.interface_instance, i.b, 16) == 0) {
            id = e.id;
        }
    }
    kc_session_close(s);
    return id;
}

kc_status th_create_channel(kc_session *s, th_machine *m, uint64_t endpoint, int server, uint64_t *out)
{
    kmclb_create_in in;
    memset(&in, 0, sizeof(in));
    in.hdr.version = KMCLB_PROTOCOL_VERSION;
    in.endpoint = endpoint;
    in.is_server = (uint32_t)server;
    kmclb_create_out o;
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CREATE, &in, sizeof(in), &o, sizeof(o), NULL, -1);
    *out = 0;
    if (st < 0) {
        return st;
    }
    *out = o.channel;
    return o.status;
}

kc_status th_channel_op(kc_session *s, th_machine *m, uint32_t code, uint64_t ch)
{
    kmclb_channel_in in;
    memset(&in, 0, sizeof(in));
    in.hdr.version = KMCLB_PROTOCOL_VERSION;
    in.channel = ch;
    return th_ioctl(s, m, code, &in, sizeof(in), NULL, 0, NULL, -1);
}

kc_status th_receive(kc_session *s, th_machine *m, uint64_t ch, uint8_t *buf, uint32_t cap, int64_t wait_ms,
                     kmclb_receive_out *hdr)
{
    kmclb_receive_in in;
    memset(&in, 0, sizeof(in));
    in.hdr.version = KMCLB_PROTOCOL_VERSION;
    in.channel = ch;
    in.timeout_ms = wait_ms == 0 ? 0 : 1;
    uint8_t *out = malloc(cap + 16);
    uint32_t info = 0;
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_RECEIVE, &in, sizeof(in), out, cap + 16, &info, wait_ms);
    memset(hdr, 0, sizeof(*hdr));
    if (st >= 0 && info >= 16) {
        memcpy(hdr, out, 16);
        if (hdr->bytes + 16 != info) {
            fprintf(stderr, "receive: bytes %u info %u\n", hdr->bytes, info);
            abort();
        }
        memcpy(buf, out + 16, hdr->bytes);
        st = hdr->status;
    }
    free(out);
    return st;
}

uint64_t th_wait_event(kc_session *s, th_machine *m, uint64_t ch, uint16_t kind, uint16_t flags, int64_t wait_ms,
                       kmclb_event *out_ev, uint8_t *payload, uint32_t cap)
{
    static _Thread_local uint8_t buf[1 << 16];
    static _Thread_local uint32_t have, at;
    for (;;) {
        while (at < have) {
            kmclb_event e;
            memcpy(&e, buf + at, sizeof(e));
            uint32_t body = e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0);
            uint32_t rs = (uint32_t)KMCLB_RECORD_SIZE(body);
            uint8_t *p = buf + at + 24;
            at += rs;
            if (e.kind == kind && (flags == 0 || e.flags == flags)) {
                if (out_ev) {
                    *out_ev = e;
                }
                if (payload) {
                    memcpy(payload, p, body < cap ? body : cap);
                }
                return kind == KMCLB_EV_STATE ? (uint64_t)e.flags : e.id ? e.id : 1;
            }
        }
        kmclb_receive_out h;
        have = at = 0;
        kc_status st = th_receive(s, m, ch, buf, sizeof(buf), wait_ms, &h);
        if (st != 0) {
            return 0;
        }
        have = h.bytes;
    }
}

kc_status th_complete(kc_session *s, th_machine *m, uint64_t pkt, const void *payload, uint32_t len)
{
    uint8_t in[16 + 16 + 256];
    kmclb_complete_in h;
    memset(&h, 0, sizeof(h));
    h.hdr.version = KMCLB_PROTOCOL_VERSION;
    h.count = 1;
    h.payload_bytes = len;
    kmclb_complete_entry e = {pkt, 0, len};
    memcpy(in, &h, 16);
    memcpy(in + 16, &e, 16);
    if (len) {
        memcpy(in + 32, payload, len);
    }
    uint8_t out[12];
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, in, 32 + len, out, sizeof(out), NULL, -1);
    if (st < 0) {
        return st;
    }
    kmclb_complete_out o;
    memcpy(&o, out, 8);
    return o.status;
}

kc_vmbchannel th_kch(th_machine *m, uint64_t ch)
{
    kc_vmbchannel k = NULL;
    kc_peer_resolve_channel(m->core, ch, &k);
    return k;
}
