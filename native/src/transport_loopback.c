/* transport_loopback.c - the shim's in-process transport: driver/core + driver/fakekmcl hosted
 * on pthreads. One loopback "machine" (core + fake world) per process, created with the first
 * session and destroyed with the last. Every IOCTL goes through kc_dispatch with one buffer
 * shared by input and output (METHOD_BUFFERED), so the same decoder as in the driver runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stddef.h>
#include "kmclshim.h"
#include "transport.h"
#include "kc_core.h"
#include "fakekmcl.h"


#define MAX_OFFERS 4096

typedef struct lb_machine {
    int refs;
    kc_platform plat;
    kc_core *core;
    fk_world *world;
    pthread_mutex_t req_mu;
    pthread_cond_t req_cv;
    uint32_t noffers;
    uint64_t offer_ids[MAX_OFFERS];
    uint64_t endpoint_ids[MAX_OFFERS];
} lb_machine;

typedef struct lb_session {
    lb_machine *m;
    kc_session *ks;
} lb_session;

enum { RQ_IDLE, RQ_PARKED, RQ_CLAIMED, RQ_CANCELLING };

typedef struct lb_request {
    kc_request r;
    int state;
    int done;
    int32_t status;
} lb_request;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static lb_machine *g_machine;

/* ------------------------------------------------------------------ platform */
static void *p_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return calloc(1, n ? n : 1);
}

static void p_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static kc_status p_lock_create(void *ctx, void **lock)
{
    (void)ctx;
    pthread_mutex_t *m = (pthread_mutex_t *)malloc(sizeof(pthread_mutex_t));
    if (m == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(m, NULL);
    *lock = m;
    return 0;
}

static void p_lock_destroy(void *ctx, void *lock)
{
    (void)ctx;
    pthread_mutex_destroy((pthread_mutex_t *)lock);
    free(lock);
}

static void p_acquire(void *ctx, void *lock)
{
    (void)ctx;
    pthread_mutex_lock((pthread_mutex_t *)lock);
}

static void p_release(void *ctx, void *lock)
{
    (void)ctx;
    pthread_mutex_unlock((pthread_mutex_t *)lock);
}

static void p_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

static kc_status p_park(void *ctx, kc_request *r)
{
    lb_machine *m = (lb_machine *)ctx;
    lb_request *q = (lb_request *)r->platform;
    pthread_mutex_lock(&m->req_mu);
    kc_status st = 0;
    if (q->state == RQ_CANCELLING) {
        st = KMCLB_STATUS_CANCELLED;
    } else {
        q->state = RQ_PARKED;
    }
    pthread_mutex_unlock(&m->req_mu);
    return st;
}

static kc_status p_unpark(void *ctx, kc_request *r)
{
    lb_machine *m = (lb_machine *)ctx;
    lb_request *q = (lb_request *)r->platform;
    pthread_mutex_lock(&m->req_mu);
    kc_status st = KMCLB_STATUS_CANCELLED;
    if (q->state == RQ_PARKED) {
        q->state = RQ_CLAIMED;
        st = 0;
    }
    pthread_mutex_unlock(&m->req_mu);
    return st;
}

static void p_complete(void *ctx, kc_request *r, kc_status status)
{
    lb_machine *m = (lb_machine *)ctx;
    lb_request *q = (lb_request *)r->platform;
    pthread_mutex_lock(&m->req_mu);
    q->status = status;
    q->done = 1;
    pthread_cond_broadcast(&m->req_cv);
    pthread_mutex_unlock(&m->req_mu);
}

static uint8_t p_irql(void *ctx)
{
    (void)ctx;
    return fk_current_irql();
}

/* ------------------------------------------------------------------ fake hooks: offers are endpoints */
static void on_offer(void *ctx, uint64_t offer, void *device)
{
    lb_machine *m = (lb_machine *)ctx;
    kc_guid type, inst;
    fk_offer_guids(device, &type, &inst);
    uint64_t ep = 0;
    if (kc_endpoint_add(m->core, fk_ops(), device, &type, &inst, fk_offer_name(device), &ep) < 0) {
        return;
    }
    pthread_mutex_lock(&m->req_mu);
    if (m->noffers < MAX_OFFERS) {
        m->offer_ids[m->noffers] = offer;
        m->endpoint_ids[m->noffers] = ep;
        m->noffers++;
    }
    pthread_mutex_unlock(&m->req_mu);
}

static uint64_t endpoint_of(lb_machine *m, uint64_t offer, int remove)
{
    uint64_t ep = 0;
    pthread_mutex_lock(&m->req_mu);
    for (uint32_t i = 0; i < m->noffers; i++) {
        if (m->offer_ids[i] == offer) {
            ep = m->endpoint_ids[i];
            if (remove) {
                m->noffers--;
                m->offer_ids[i] = m->offer_ids[m->noffers];
                m->endpoint_ids[i] = m->endpoint_ids[m->noffers];
            }
            break;
        }
    }
    pthread_mutex_unlock(&m->req_mu);
    return ep;
}

static void on_rescind(void *ctx, uint64_t offer)
{
    lb_machine *m = (lb_machine *)ctx;
    uint64_t ep = endpoint_of(m, offer, 1);
    if (ep != 0) {
        kc_endpoint_remove(m->core, ep);
    }
}

static uint64_t seed_from_env(void)
{
    const char *s = getenv("KMCL_LOOPBACK_SEED");
    return s ? strtoull(s, NULL, 0) : 1u;
}

/* Windows GUID byte order from the canonical text form's fields */
static kc_guid guid_of(uint32_t d1, uint16_t d2, uint16_t d3, uint64_t d4)
{
    kc_guid g;
    g.b[0] = (uint8_t)d1;
    g.b[1] = (uint8_t)(d1 >> 8);
    g.b[2] = (uint8_t)(d1 >> 16);
    g.b[3] = (uint8_t)(d1 >> 24);
    g.b[4] = (uint8_t)d2;
    g.b[5] = (uint8_t)(d2 >> 8);
    g.b[6] = (uint8_t)d3;
    g.b[7] = (uint8_t)(d3 >> 8);
    for (int i = 0; i < 8; i++) {
        g.b[8 + i] = (uint8_t)(d4 >> (56 - 8 * i));
    }
    return g;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The four standing host offers of the Java fake (docs/fake-choices.md): heartbeat, key-value data
 * exchange, shutdown, time synchronization; version-4 instance GUIDs from the seeded generator. */
static int32_t standing_offers(fk_world *w, uint64_t seed)
{
    static const struct {
        uint32_t d1;
        uint16_t d2, d3;
        uint64_t d4;
        const char *name;
    } std_offers[4] = {
        {0x57164f39u, 0x9115u, 0x4e78u, 0xab55382f3bd5422dull, "heartbeat"},
        {0xa9a0f4e7u, 0x5a45u, 0x4d96u, 0xb8278a841e8c03e6ull, "key-value data exchange"},
        {0x0e0b6031u, 0x5213u, 0x4934u, 0x818b38d90ced39dbull, "shutdown"},
        {0x9527e630u, 0xd0aeu, 0x497bu, 0xadcee80ab0175cafull, "time synchronization"},
    };
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        uint64_t hi = splitmix64(&x), lo = splitmix64(&x);
        hi = (hi & ~0xF000ull) | 0x4000ull;
        lo = (lo & ~(0xC000000000000000ull)) | 0x8000000000000000ull;
        kc_guid type = guid_of(std_offers[i].d1, std_offers[i].d2, std_offers[i].d3, std_offers[i].d4);
        kc_guid inst = guid_of((uint32_t)(hi >> 32), (uint16_t)(hi >> 16), (uint16_t)hi, lo);
        uint64_t offer = 0;
        int32_t st = fk_peer_offer(w, &type, &inst, 0, 0, std_offers[i].name, &offer, NULL);
        if (st < 0) {
            return st;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ transport */
int32_t tr_open(void **out)
{
    *out = NULL;
    lb_session *s = (lb_session *)calloc(1, sizeof(lb_session));
    if (s == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_lock(&g_mu);
    if (g_machine == NULL) {
        lb_machine *m = (lb_machine *)calloc(1, sizeof(lb_machine));
        if (m == NULL) {
            pthread_mutex_unlock(&g_mu);
            free(s);
            return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
        }
        pthread_mutex_init(&m->req_mu, NULL);
        pthread_cond_init(&m->req_cv, NULL);
        m->plat.ctx = m;
        m->plat.alloc = p_alloc;
        m->plat.free = p_free;
        m->plat.lock_create = p_lock_create;
        m->plat.lock_destroy = p_lock_destroy;
        m->plat.lock_acquire = p_acquire;
        m->plat.lock_release = p_release;
        m->plat.sleep_ms = p_sleep;
        m->plat.park = p_park;
        m->plat.unpark = p_unpark;
        m->plat.complete = p_complete;
        m->plat.current_irql = p_irql;
        int32_t st = kc_core_create(&m->plat, 1u << 16, "loopback-0.1", &m->core);
        if (st >= 0) {
            st = fk_world_create(seed_from_env(), &m->world);
            if (st < 0) {
                kc_core_destroy(m->core);
            }
        }
        if (st < 0) {
            pthread_mutex_destroy(&m->req_mu);
            pthread_cond_destroy(&m->req_cv);
            free(m);
            pthread_mutex_unlock(&g_mu);
            free(s);
            return st;
        }
        fk_world_set_hooks(m->world, m, on_offer, on_rescind);
        (void)standing_offers(m->world, seed_from_env()); /* best effort: a failed offer only hides one */
        g_machine = m;
    }
    lb_machine *m = g_machine;
    int32_t st = kc_session_open(m->core, &s->ks);
    if (st < 0) {
        pthread_mutex_unlock(&g_mu);
        free(s);
        return st;
    }
    m->refs++;
    s->m = m;
    pthread_mutex_unlock(&g_mu);
    *out = s;
    return 0;
}

void tr_shutdown(void *t)
{
    lb_session *s = (lb_session *)t;
    kc_session_shutdown(s->ks); /* file cleanup: channels disabled and cleaned up, parked receives end */
}

void tr_free(void *t)
{
    lb_session *s = (lb_session *)t;
    kc_session_free(s->ks);
    pthread_mutex_lock(&g_mu);
    lb_machine *m = s->m;
    if (--m->refs == 0) {
        g_machine = NULL;
        pthread_mutex_unlock(&g_mu);
        fk_world_destroy(m->world);
        kc_core_destroy(m->core);
        pthread_mutex_destroy(&m->req_mu);
        pthread_cond_destroy(&m->req_cv);
        free(m);
    } else {
        pthread_mutex_unlock(&g_mu);
    }
    free(s);
}

static struct timespec deadline(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int32_t tr_ioctl(void *t, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms)
{
    lb_session *s = (lb_session *)t;
    lb_machine *m = s->m;
    *info = 0;
    /* METHOD_BUFFERED: one system buffer of max(in, out) bytes holds the input and receives output */
    uint32_t blen = in_len > out_len ? in_len : out_len;
    uint8_t *sys = (uint8_t *)malloc(blen ? blen : 1);
    if (sys == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (in_len > 0) {
        memcpy(sys, in, in_len);
    }
    lb_request q;
    memset(&q, 0, sizeof(q));
    q.r.in = sys;
    q.r.in_len = in_len;
    q.r.out = out_len ? sys : NULL;
    q.r.out_len = out_len;
    q.r.platform = &q;
    q.state = RQ_IDLE;
    int32_t st = kc_dispatch(s->ks, code, &q.r);
    if (st == KMCLB_STATUS_PENDING) {
        struct timespec dl = deadline(wait_ms < 0 ? 0 : wait_ms);
        pthread_mutex_lock(&m->req_mu);
        while (!q.done) {
            if (wait_ms < 0) {
                pthread_cond_wait(&m->req_cv, &m->req_mu);
            } else if (pthread_cond_timedwait(&m->req_cv, &m->req_mu, &dl) == ETIMEDOUT) {
                break;
            }
        }
        if (!q.done && q.state == RQ_PARKED) {
            /* our timeout: cancel like CancelIoEx; the cancel routine completes it */
            q.state = RQ_CANCELLING;
            pthread_mutex_unlock(&m->req_mu);
            if (kc_cancel_request(m->core, &q.r)) {
                p_complete(m, &q.r, KMCLB_STATUS_CANCELLED);
            }
            pthread_mutex_lock(&m->req_mu);
        }
        while (!q.done) {
            pthread_cond_wait(&m->req_cv, &m->req_mu);
        }
        pthread_mutex_unlock(&m->req_mu);
        st = q.status;
    }
    if ((st >= 0 || (uint32_t)st >> 30 == 2u) && q.r.info <= out_len && q.r.info > 0) {
        memcpy(out, sys, q.r.info);
        *info = q.r.info;
    }
    free(sys);
    return st;
}

/* ------------------------------------------------------------------ peer API (loopback only) */
void *kmclshim_internal_acquire(int64_t session, void **token);
void kmclshim_internal_release(void *token);

/* Every exported peer function holds a reference on its session for its whole duration (the
 * wrappers at the end of this file); the implementations find the session in a thread-local. */
static _Thread_local lb_session *tls_sess;
static _Thread_local void *tls_chan_token; /* channel reference held for the current peer call */

static lb_session *sess(int64_t session)
{
    (void)session;
    return tls_sess;
}

static int32_t peer_chan(int64_t session, int64_t channel, kc_vmbchannel *out)
{
    lb_session *s = sess(session);
    *out = NULL;
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (tls_chan_token != NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* one channel per peer call */
    }
    return kc_peer_acquire(s->m->core, (uint64_t)channel, out, &tls_chan_token);
}

int32_t kmclshim_transport(int32_t *out_transport)
{
    if (out_transport == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_transport = KMCLSHIM_TRANSPORT_LOOPBACK;
    return 0;
}

static int32_t impl_peer_offer(int64_t session, const uint8_t *type16, const uint8_t *instance16, int32_t mmio_mb,
                            int32_t vtl, const char *name, int64_t *out_offer, int64_t *out_endpoint)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (type16 == NULL || instance16 == NULL || mmio_mb < 0 || vtl < 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_guid t, i;
    memcpy(t.b, type16, 16);
    memcpy(i.b, instance16, 16);
    uint64_t offer = 0;
    int32_t st = fk_peer_offer(s->m->world, &t, &i, (uint32_t)mmio_mb, (uint32_t)vtl, name, &offer, NULL);
    if (st >= 0) {
        if (out_offer) {
            *out_offer = (int64_t)offer;
        }
        if (out_endpoint) {
            *out_endpoint = (int64_t)endpoint_of(s->m, offer, 0);
        }
    }
    return st;
}

static int32_t impl_peer_rescind(int64_t session, int64_t offer)
{
    lb_session *s = sess(session);
    return s ? fk_peer_rescind(s->m->world, (uint64_t)offer) : KMCLB_STATUS_INVALID_HANDLE;
}

static int32_t impl_peer_offers(int64_t session, int64_t *offer_ids, int64_t *endpoint_ids, uint8_t *guids32,
                             int32_t max, int32_t *out_count)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (max < 0 || out_count == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t n = 0;
    int32_t st = fk_peer_offers(s->m->world, (uint64_t *)offer_ids, guids32, (uint32_t)max, &n);
    if (st >= 0 && endpoint_ids != NULL && offer_ids != NULL) {
        for (uint32_t k = 0; k < n && k < (uint32_t)max; k++) {
            endpoint_ids[k] = (int64_t)endpoint_of(s->m, (uint64_t)offer_ids[k], 0);
        }
    }
    *out_count = (int32_t)n;
    return st;
}

#define PEER_CH(session, channel)                       \
    kc_vmbchannel ch;                                   \
    int32_t pst = peer_chan((session), (channel), &ch); \
    if (pst < 0) {                                      \
        return pst;                                     \
    }

static int32_t impl_peer_open(int64_t session, int64_t channel)
{
    PEER_CH(session, channel);
    return fk_peer_open(ch);
}

static int32_t impl_peer_close(int64_t session, int64_t channel)
{
    PEER_CH(session, channel);
    return fk_peer_close(ch);
}

static int32_t impl_peer_is_open(int64_t session, int64_t channel, int32_t *out_open)
{
    PEER_CH(session, channel);
    if (out_open == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_open = fk_peer_is_open(ch);
    return 0;
}

static int32_t impl_peer_send(int64_t session, int64_t channel, const void *payload, int32_t len,
                           int32_t completion_requested, const void *ext, int32_t ext_len, int32_t has_ext,
                           int64_t *out_tx)
{
    PEER_CH(session, channel);
    if (len < 0 || ext_len < 0 || out_tx == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint64_t tx = 0;
    int32_t st = fk_peer_send(ch, payload, (uint32_t)len, completion_requested, ext, (uint32_t)ext_len, has_ext, &tx);
    *out_tx = (int64_t)tx;
    return st;
}

static int32_t impl_peer_await_outcome(int64_t session, int64_t channel, int64_t tx, int64_t timeout_ms,
                                    int32_t *out_kind, void *buf, int32_t cap, int32_t *out_len)
{
    PEER_CH(session, channel);
    if (out_kind == NULL || out_len == NULL || cap < 0 || (cap > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    int kind = 0;
    uint32_t len = 0;
    int32_t st = fk_peer_await_outcome(ch, (uint64_t)tx, timeout_ms, &kind, buf, (uint32_t)cap, &len);
    *out_kind = kind;
    *out_len = (int32_t)len;
    return st;
}

static int32_t impl_peer_received(int64_t session, int64_t channel, void *buf, int32_t cap, int32_t *out_bytes,
                               int32_t *out_count)
{
    PEER_CH(session, channel);
    if (out_bytes == NULL || out_count == NULL || cap < 0 || (cap > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t b = 0, n = 0;
    int32_t st = fk_peer_received(ch, buf, (uint32_t)cap, &b, &n);
    *out_bytes = (int32_t)b;
    *out_count = (int32_t)n;
    return st;
}

static int32_t impl_peer_await_received(int64_t session, int64_t channel, int64_t timeout_ms, void *buf, int32_t cap,
                                     int32_t *out_bytes)
{
    PEER_CH(session, channel);
    if (out_bytes == NULL || cap < 0 || (cap > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t b = 0;
    int32_t st = fk_peer_await_received(ch, timeout_ms, buf, (uint32_t)cap, &b);
    *out_bytes = (int32_t)b;
    return st;
}

static int32_t impl_peer_complete(int64_t session, int64_t channel, int64_t tx, const void *payload, int32_t len)
{
    PEER_CH(session, channel);
    if (len < 0 || (len > 0 && payload == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_complete(ch, (uint64_t)tx, payload, (uint32_t)len);
}

static int32_t impl_peer_set_reading(int64_t session, int64_t channel, int32_t reading)
{
    PEER_CH(session, channel);
    return fk_peer_set_reading(ch, reading);
}

static int32_t impl_peer_ring_status(int64_t session, int64_t channel, int32_t *out5)
{
    PEER_CH(session, channel);
    if (out5 == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t v[5];
    int32_t st = fk_peer_ring_status(ch, v);
    for (int k = 0; k < 5; k++) {
        out5[k] = (int32_t)v[k];
    }
    return st;
}

static int32_t impl_peer_queue_stopped(int64_t session, int64_t channel, int32_t *out_stopped)
{
    PEER_CH(session, channel);
    if (out_stopped == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    int v = 0;
    int32_t st = fk_peer_queue_stopped(ch, &v);
    *out_stopped = v;
    return st;
}

static int32_t impl_peer_inject(int64_t session, int64_t channel, int32_t kind, int64_t arg)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    kc_vmbchannel ch = NULL;
    if (channel != 0) {
        int32_t st = peer_chan(session, channel, &ch);
        if (st < 0) {
            return st;
        }
    }
    return fk_peer_inject(s->m->world, ch, kind, arg);
}

static int32_t impl_peer_map_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t read_only,
                                int64_t *out_mapping)
{
    PEER_CH(session, channel);
    if (out_mapping == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint64_t mp = 0;
    int32_t st = fk_peer_map_gpadl(ch, (uint32_t)handle, read_only, &mp);
    *out_mapping = (int64_t)mp;
    return st;
}

static int32_t impl_peer_mapping_read(int64_t session, int64_t mapping, int32_t offset, void *buf, int32_t len)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (offset < 0 || len < 0 || (len > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_mapping_read(s->m->world, (uint64_t)mapping, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t impl_peer_mapping_write(int64_t session, int64_t mapping, int32_t offset, const void *buf, int32_t len)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (offset < 0 || len < 0 || (len > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_mapping_write(s->m->world, (uint64_t)mapping, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t impl_peer_mapping_close(int64_t session, int64_t mapping)
{
    lb_session *s = sess(session);
    return s ? fk_mapping_close(s->m->world, (uint64_t)mapping) : KMCLB_STATUS_INVALID_HANDLE;
}

static int32_t impl_peer_create_gpadl(int64_t session, int64_t channel, int32_t size, int32_t read_only,
                                   int32_t *out_handle)
{
    PEER_CH(session, channel);
    if (out_handle == NULL || size < 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t h = 0;
    int32_t st = fk_peer_create_gpadl(ch, (uint32_t)size, read_only, &h);
    *out_handle = (int32_t)h;
    return st;
}

static int32_t impl_peer_read_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, void *buf,
                                 int32_t len)
{
    PEER_CH(session, channel);
    if (offset < 0 || len < 0 || (len > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_read_gpadl(ch, (uint32_t)handle, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t impl_peer_write_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, const void *buf,
                                  int32_t len)
{
    PEER_CH(session, channel);
    if (offset < 0 || len < 0 || (len > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_write_gpadl(ch, (uint32_t)handle, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t impl_peer_seed(int64_t session, int64_t *out_seed)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (out_seed == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_seed = (int64_t)fk_seed(s->m->world);
    return 0;
}

static int32_t impl_loopback_stats(int64_t session, int64_t *out_live, int64_t *out_violations)
{
    lb_session *s = sess(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (out_live) {
        *out_live = (int64_t)kc_core_live_handles(s->m->core);
    }
    if (out_violations) {
        *out_violations = (int64_t)fk_violations(s->m->world);
    }
    return 0;
}

/* ------------------------------------------------------------------ exported peer wrappers */

/* Every exported peer entry point runs with its session pinned and set as this thread's session; channel
 * references the call took (tls_chan_token) are dropped on the way out. */
typedef struct peer_call {
    void *tok;
    lb_session *ls;
    lb_session *prev;
} peer_call;

static int peer_enter(int64_t session, peer_call *c)
{
    c->ls = (lb_session *)kmclshim_internal_acquire(session, &c->tok);
    if (c->ls == NULL) {
        return 0;
    }
    c->prev = tls_sess;
    tls_sess = c->ls;
    tls_chan_token = NULL;
    return 1;
}

static void peer_leave(peer_call *c)
{
    if (tls_chan_token != NULL) {
        kc_peer_release(c->ls->m->core, tls_chan_token);
        tls_chan_token = NULL;
    }
    tls_sess = c->prev;
    kmclshim_internal_release(c->tok);
}

int32_t kmclshim_peer_offer(int64_t session, const uint8_t *type16, const uint8_t *instance16, int32_t mmio_mb,
                            int32_t vtl, const char *name, int64_t *out_offer, int64_t *out_endpoint)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_offer(session, type16, instance16, mmio_mb, vtl, name, out_offer, out_endpoint);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_rescind(int64_t session, int64_t offer)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_rescind(session, offer);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_offers(int64_t session, int64_t *offer_ids, int64_t *endpoint_ids, uint8_t *guids32,
                             int32_t max, int32_t *out_count)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_offers(session, offer_ids, endpoint_ids, guids32, max, out_count);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_open(int64_t session, int64_t channel)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_open(session, channel);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_close(int64_t session, int64_t channel)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_close(session, channel);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_is_open(int64_t session, int64_t channel, int32_t *out_open)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_is_open(session, channel, out_open);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_send(int64_t session, int64_t channel, const void *payload, int32_t len,
                           int32_t completion_requested, const void *ext, int32_t ext_len, int32_t has_ext,
                           int64_t *out_tx)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_send(session, channel, payload, len, completion_requested, ext, ext_len, has_ext, out_tx);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_await_outcome(int64_t session, int64_t channel, int64_t tx, int64_t timeout_ms,
                                    int32_t *out_kind, void *buf, int32_t cap, int32_t *out_len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_await_outcome(session, channel, tx, timeout_ms, out_kind, buf, cap, out_len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_received(int64_t session, int64_t channel, void *buf, int32_t cap, int32_t *out_bytes,
                               int32_t *out_count)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_received(session, channel, buf, cap, out_bytes, out_count);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_await_received(int64_t session, int64_t channel, int64_t timeout_ms, void *buf, int32_t cap,
                                     int32_t *out_bytes)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_await_received(session, channel, timeout_ms, buf, cap, out_bytes);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_complete(int64_t session, int64_t channel, int64_t tx, const void *payload, int32_t len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_complete(session, channel, tx, payload, len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_set_reading(int64_t session, int64_t channel, int32_t reading)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_set_reading(session, channel, reading);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_ring_status(int64_t session, int64_t channel, int32_t *out5)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_ring_status(session, channel, out5);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_queue_stopped(int64_t session, int64_t channel, int32_t *out_stopped)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_queue_stopped(session, channel, out_stopped);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_inject(int64_t session, int64_t channel, int32_t kind, int64_t arg)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_inject(session, channel, kind, arg);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_map_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t read_only,
                                int64_t *out_mapping)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_map_gpadl(session, channel, handle, read_only, out_mapping);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_mapping_read(int64_t session, int64_t mapping, int32_t offset, void *buf, int32_t len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_mapping_read(session, mapping, offset, buf, len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_mapping_write(int64_t session, int64_t mapping, int32_t offset, const void *buf, int32_t len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_mapping_write(session, mapping, offset, buf, len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_mapping_close(int64_t session, int64_t mapping)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_mapping_close(session, mapping);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_create_gpadl(int64_t session, int64_t channel, int32_t size, int32_t read_only,
                                   int32_t *out_handle)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_create_gpadl(session, channel, size, read_only, out_handle);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_read_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, void *buf,
                                 int32_t len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_read_gpadl(session, channel, handle, offset, buf, len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_write_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, const void *buf,
                                  int32_t len)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_write_gpadl(session, channel, handle, offset, buf, len);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_peer_seed(int64_t session, int64_t *out_seed)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_peer_seed(session, out_seed);
    peer_leave(&c);
    return r;
}

int32_t kmclshim_loopback_stats(int64_t session, int64_t *out_live, int64_t *out_violations)
{
    peer_call c;
    if (!peer_enter(session, &c)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t r = impl_loopback_stats(session, out_live, out_violations);
    peer_leave(&c);
    return r;
}
