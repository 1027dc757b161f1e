/* fakekmcl.c - C fake of KMCL. One world lock; callbacks are always invoked without it, by the
 * thread that caused them. Per channel, state transitions are serialized (busy flag) and packet
 * delivery runs on one thread at a time (delivering flag), so ProcessPacket is serialized (Q10). */
#define _POSIX_C_SOURCE 200809L
#include "fakekmcl.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kmclbridge_protocol.h"

#define FK_MAGIC 0x464B4348u /* "FKCH" */
#define FK_PKT_MAGIC 0x464B504Bu
#define FK_MAX_FINISHED 65536u
#define FK_MAX_RX 8192u

enum { CONN_DISABLED, CONN_ENABLED, CONN_OPEN, CONN_CLOSED };
/* IN_COMPLETING: completed by us, the completion (type 0xB) is in or queued for our outgoing ring (B64) */
enum { IN_PEERQ, IN_RING, IN_DELIVERING, IN_DELIVERED, IN_COMPLETING, IN_DONE };
enum { OUT_IDLE, OUT_QUEUED, OUT_AWAIT, OUT_DONE };

typedef struct fk_channel fk_channel;

typedef struct fk_offer {
    struct fk_offer *next;
    fk_world *w;
    uint64_t id;
    kc_guid type, instance;
    uint32_t mmio_mb, vtl;
    char name[64];
    int rescinded;
    fk_channel *bound;
} fk_offer;

typedef struct fk_inpkt { /* peer -> us; the VMBPACKETCOMPLETION */
    uint32_t magic;
    struct fk_inpkt *next;      /* peer queue / ring / finished list */
    struct fk_inpkt *all_next;  /* every live packet of the channel */
    fk_channel *ch;
    uint64_t tx;
    int completion_requested;
    int has_ext;
    int state;
    int deferred;
    int outcome;
    uint32_t len, ext_len, ring_size;
    uint8_t *cpayload;
    uint32_t clen;
    uint8_t *data;
} fk_inpkt;

typedef struct fk_rx { /* one of our packets as the peer read it */
    struct fk_rx *next;
    uint64_t tx;
    int completion_requested;
    int consumed;   /* returned by await_received */
    int completed;  /* peer completed it (or no completion was requested) */
    int ring_type;
    int is_completion; /* our type-0xB completion of the peer's packet `tx` (B64) */
    uint32_t len, ext_len, ring_size;
    struct fk_outpkt *owner; /* while a completion is awaited */
    uint8_t *data;
} fk_rx;

typedef struct fk_outpkt { /* our VMBPACKET */
    uint32_t magic;
    struct fk_outpkt *next;     /* send queue */
    struct fk_outpkt *all_next;
    fk_channel *ch;
    kc_evt_packet_completion routine;
    int custom_routine;
    void *ctx;
    int state;
    int held_by_fault;
    uint32_t flags, len, ext_len, ring_size;
    int has_ext, ring_type;
    uint64_t tx;
    uint8_t *data;
    /* synchronous request */
    int sync, sync_done;
    kc_status sync_status;
    uint8_t *sync_cbuf;
    uint32_t sync_clen;
} fk_outpkt;

typedef struct fk_gpadl {
    struct fk_gpadl *next;
    uint32_t handle;
    int ours;       /* created by our channel (client side); else created by the peer */
    int read_only;
    uint8_t *buf;
    uint32_t size;
    int mapped;     /* peer mapping (ours) or our server mapping (peer's) */
    uint64_t mapping_id;
} fk_gpadl;

struct fk_channel {
    uint32_t magic;
    fk_channel *next;
    fk_world *w;
    fk_offer *device;
    int server;
    int conn;
    int ever_enabled, ever_opened;
    int run_requested, active, queue_on, shut;
    int busy, delivering, deliver_again;
    int in_open_cb, in_close_cb;
    int queue_stopped;
    void *pointer;
    kc_guid instance;
    /* config */
    uint32_t max_packet, ctx_size, flags, server_flags, ext_size, ext_chain, quota;
    int passive;
    uint16_t mmio_mb, mmio_mb_opt;
    uint8_t vtl;
    int has_target, has_target_instance, has_target_iface;
    kc_guid target_type, target_instance, iface_type, iface_instance;
    kc_evt_process_packet pp;
    kc_evt_processing_complete pc;
    kc_state_callbacks cb;
    kc_evt_pnp_failure pnp;
    uint16_t latency;
    fk_offer *bound;
    /* rings */
    uint32_t in_size, in_used, out_size, out_used;
    fk_inpkt *pq_head, *pq_tail, *ring_head, *ring_tail;
    uint32_t pq_count;
    fk_inpkt *all_in;
    fk_inpkt *fin_head, *fin_tail;
    uint32_t fin_count;
    uint32_t outstanding;
    fk_outpkt *sq_head, *sq_tail;
    uint32_t sq_count;
    fk_outpkt *all_out;
    fk_rx *orq_head, *orq_tail; /* our packets in the outgoing ring, not read yet */
    fk_rx *cq_head, *cq_tail;   /* our completions waiting for outgoing ring space (B64) */
    fk_rx *rx_head, *rx_tail;   /* read by the peer */
    uint32_t rx_count;
    int reading;
    uint64_t ring_full_events, dropped;
    /* faults */
    uint32_t delay_ms, ring_full_fault, alloc_fail, malformed, oversized;
    fk_gpadl *gpadls;
};

struct fk_world {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t seed, rng;
    uint64_t next_offer, next_tx, next_mapping;
    uint32_t next_gpadl;
    fk_offer *offers;
    fk_channel *channels;
    uint64_t violations;
    kc_status pnp_fault;
    int pnp_fault_armed;
    void *hook_ctx;
    void (*on_offer)(void *, uint64_t, void *);
    void (*on_rescind)(void *, uint64_t);
};

static _Thread_local uint8_t tls_irql;
static _Thread_local fk_inpkt *tls_delivering;

uint8_t fk_current_irql(void)
{
    return tls_irql;
}

/* ------------------------------------------------------------------ helpers */
static void lock(fk_world *w)
{
    pthread_mutex_lock(&w->mu);
}

static void unlock(fk_world *w)
{
    pthread_mutex_unlock(&w->mu);
}

static void wake(fk_world *w)
{
    pthread_cond_broadcast(&w->cv);
}

static void wait_cv(fk_world *w)
{
    pthread_cond_wait(&w->cv, &w->mu);
}

/* returns 0 on timeout */
static int wait_until(fk_world *w, const struct timespec *deadline)
{
    if (deadline == NULL) {
        pthread_cond_wait(&w->cv, &w->mu);
        return 1;
    }
    return pthread_cond_timedwait(&w->cv, &w->mu, deadline) != ETIMEDOUT;
}

static struct timespec deadline_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ms < 0) {
        ms = 0;
    }
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static int expired(const struct timespec *d)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

static uint64_t next_rand(fk_world *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static void rand_guid(fk_world *w, kc_guid *g)
{
    uint64_t a = next_rand(w), b = next_rand(w);
    memcpy(g->b, &a, 8);
    memcpy(g->b + 8, &b, 8);
    g->b[7] = (uint8_t)((g->b[7] & 0x0F) | 0x40); /* version 4 (Data3 high nibble) */
    g->b[8] = (uint8_t)((g->b[8] & 0x3F) | 0x80);
}

static void violation(fk_world *w)
{
    w->violations++;
}

static void *dup_bytes(const void *p, uint32_t n)
{
    uint8_t *d = (uint8_t *)malloc(n ? n : 1);
    if (d != NULL && n > 0) {
        memcpy(d, p, n);
    }
    return d;
}

static fk_channel *chan(kc_vmbchannel h)
{
    fk_channel *c = (fk_channel *)(void *)h;
    return (c != NULL && c->magic == FK_MAGIC) ? c : NULL;
}

uint32_t fk_ring_size(uint32_t len, uint32_t ext_len, int has_ext)
{
    uint64_t sz = 16u + (((uint64_t)len + 7u) & ~7ull) + 8u;
    if (has_ext) {
        uint64_t pages = ((uint64_t)ext_len + FK_PAGE_SIZE - 1u) / FK_PAGE_SIZE;
        if (pages == 0) {
            pages = 1;
        }
        sz += 8u + 8u + 8u * pages; /* reserved + range count, one range: count/offset + PFNs */
    }
    return sz > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)sz;
}

/* a packet fits only when its on-ring size is strictly smaller than the free space */
static int fits(uint32_t size, uint32_t used, uint32_t ring)
{
    /* ... and a packet of ring size - 8 or more never fits (at least 8 bytes stay unused) */
    return (uint64_t)size < (uint64_t)ring - used && (uint64_t)size + 8u < ring;
}

/* ------------------------------------------------------------------ completion list */
typedef struct fk_call {
    struct fk_call *next;
    kc_evt_packet_completion fn;
    void *ctx;
    kc_status status;
    uint8_t *buf;
    uint32_t len;
    fk_outpkt *free_after; /* default routine: the packet is freed after completing (B105) */
} fk_call;

typedef struct fk_calls {
    fk_call *head, *tail;
} fk_calls;

static void free_outpkt_locked(fk_channel *c, fk_outpkt *p);

/* lock held: the transaction of p ended */
static void finish_out(fk_channel *c, fk_outpkt *p, kc_status st, const void *buf, uint32_t len, fk_calls *calls)
{
    p->state = OUT_DONE;
    if (p->sync) {
        p->sync_done = 1;
        p->sync_status = st;
        free(p->sync_cbuf);
        p->sync_cbuf = len ? (uint8_t *)dup_bytes(buf, len) : NULL;
        p->sync_clen = len;
        wake(c->w);
        return;
    }
    fk_call *k = (fk_call *)calloc(1, sizeof(fk_call));
    if (k == NULL) {
        return;
    }
    k->fn = p->routine;
    k->ctx = p->ctx;
    k->status = st;
    k->buf = len ? (uint8_t *)dup_bytes(buf, len) : NULL;
    k->len = len;
    if (!p->custom_routine) {
        k->free_after = p;
    }
    if (calls->tail) {
        calls->tail->next = k;
    } else {
        calls->head = k;
    }
    calls->tail = k;
}

static void run_calls(fk_world *w, fk_calls *calls)
{
    fk_call *k = calls->head;
    calls->head = calls->tail = NULL;
    while (k != NULL) {
        fk_call *n = k->next;
        if (k->fn != NULL) {
            uint8_t old = tls_irql;
            tls_irql = 2;
            k->fn(k->ctx, k->status, k->buf, k->len);
            tls_irql = old;
        }
        if (k->free_after != NULL) {
            lock(w);
            free_outpkt_locked(k->free_after->ch, k->free_after);
            unlock(w);
        }
        free(k->buf);
        free(k);
        k = n;
    }
}

/* ------------------------------------------------------------------ outgoing path (us -> peer) */
static void rx_append(fk_channel *c, fk_rx *r)
{
    r->next = NULL;
    if (c->rx_tail) {
        c->rx_tail->next = r;
    } else {
        c->rx_head = r;
    }
    c->rx_tail = r;
    c->rx_count++;
    /* bound memory: drop the oldest records nobody waits for */
    while (c->rx_count > FK_MAX_RX && c->rx_head != NULL && c->rx_head->completed) {
        fk_rx *o = c->rx_head;
        c->rx_head = o->next;
        if (c->rx_head == NULL) {
            c->rx_tail = NULL;
        }
        c->rx_count--;
        free(o->data);
        free(o);
    }
}

static void finish_in(fk_channel *c, fk_inpkt *p, int outcome, const void *buf, uint32_t len);

/* lock held: the peer read our completion packet (or the channel went away): the sender sees the
 * completion now (B64). Consumes r. */
static void completion_read(fk_channel *c, fk_rx *r)
{
    for (fk_inpkt *p = c->all_in; p != NULL; p = p->all_next) {
        if (p->tx == r->tx && p->state == IN_COMPLETING) {
            finish_in(c, p, FK_OUTCOME_COMPLETED, r->data, r->len);
            break;
        }
    }
    free(r->data);
    free(r);
}

/* lock held: moves waiting completions into the outgoing ring while they fit (FIFO) */
static void pump_completions(fk_channel *c)
{
    while (c->cq_head != NULL && c->conn == CONN_OPEN && fits(c->cq_head->ring_size, c->out_used, c->out_size)) {
        fk_rx *r = c->cq_head;
        c->cq_head = r->next;
        if (c->cq_head == NULL) {
            c->cq_tail = NULL;
        }
        r->next = NULL;
        c->out_used += r->ring_size;
        if (c->orq_tail) {
            c->orq_tail->next = r;
        } else {
            c->orq_head = r;
        }
        c->orq_tail = r;
    }
}

/* lock held: the peer reads everything in our outgoing ring */
static void peer_read(fk_channel *c)
{
    if (!c->reading) {
        return;
    }
    while (c->orq_head != NULL) {
        fk_rx *r = c->orq_head;
        c->orq_head = r->next;
        if (c->orq_head == NULL) {
            c->orq_tail = NULL;
        }
        c->out_used -= r->ring_size;
        if (r->is_completion) {
            completion_read(c, r);
            continue;
        }
        rx_append(c, r);
    }
    wake(c->w);
}

/* lock held: moves queued sends into the ring while they fit (FIFO) */
static void pump_out(fk_channel *c, fk_calls *calls)
{
    if (c->conn != CONN_OPEN) {
        return;
    }
    for (;;) {
        peer_read(c);
        fk_outpkt *p = c->sq_head;
        if (p == NULL || p->held_by_fault || !fits(p->ring_size, c->out_used, c->out_size)) {
            break;
        }
        fk_rx *r = (fk_rx *)calloc(1, sizeof(fk_rx));
        if (r == NULL) {
            break;
        }
        c->sq_head = p->next;
        if (c->sq_head == NULL) {
            c->sq_tail = NULL;
        }
        c->sq_count--;
        p->next = NULL;
        r->tx = p->tx;
        r->completion_requested = (p->flags & 1u) != 0;
        r->completed = !r->completion_requested;
        r->ring_type = p->ring_type;
        r->len = p->len;
        r->ext_len = p->ext_len;
        r->ring_size = p->ring_size;
        r->data = (uint8_t *)dup_bytes(p->data, p->len + p->ext_len);
        c->out_used += p->ring_size;
        if (c->orq_tail) {
            c->orq_tail->next = r;
        } else {
            c->orq_head = r;
        }
        c->orq_tail = r;
        if (r->completion_requested) {
            p->state = OUT_AWAIT;
            r->owner = p;
        } else {
            finish_out(c, p, KMCLB_STATUS_SUCCESS, NULL, 0, calls); /* B108: done once in the ring */
        }
    }
    for (;;) {
        uint32_t before = c->out_used;
        pump_completions(c);
        peer_read(c);
        if (c->cq_head == NULL || c->out_used == before) {
            break;
        }
    }
}

/* lock held: ends every transaction of ours with `st` (teardown) */
static void cancel_outgoing(fk_channel *c, kc_status st, fk_calls *calls)
{
    while (c->sq_head != NULL) {
        fk_outpkt *p = c->sq_head;
        c->sq_head = p->next;
        p->next = NULL;
        finish_out(c, p, st, NULL, 0, calls);
    }
    c->sq_tail = NULL;
    c->sq_count = 0;
    for (fk_outpkt *p = c->all_out; p != NULL; p = p->all_next) {
        if (p->state == OUT_AWAIT) {
            finish_out(c, p, st, NULL, 0, calls);
        }
    }
    for (fk_rx *r = c->rx_head; r != NULL; r = r->next) {
        r->owner = NULL;
        r->completed = 1;
    }
    while (c->orq_head != NULL) {
        fk_rx *r = c->orq_head;
        c->orq_head = r->next;
        if (r->is_completion) {
            completion_read(c, r); /* the channel is gone: the completion ends the transaction */
            continue;
        }
        free(r->data);
        free(r);
    }
    c->orq_tail = NULL;
    while (c->cq_head != NULL) {
        fk_rx *r = c->cq_head;
        c->cq_head = r->next;
        completion_read(c, r);
    }
    c->cq_tail = NULL;
    c->out_used = 0;
}

/* ------------------------------------------------------------------ incoming path (peer -> us) */
static void pump_in(fk_channel *c)
{
    while (c->pq_head != NULL && fits(c->pq_head->ring_size, c->in_used, c->in_size)) {
        fk_inpkt *p = c->pq_head;
        c->pq_head = p->next;
        if (c->pq_head == NULL) {
            c->pq_tail = NULL;
        }
        c->pq_count--;
        p->next = NULL;
        p->state = IN_RING;
        c->in_used += p->ring_size;
        if (c->ring_tail) {
            c->ring_tail->next = p;
        } else {
            c->ring_head = p;
        }
        c->ring_tail = p;
    }
}

static void free_inpkt(fk_channel *c, fk_inpkt *p);

static void finish_in(fk_channel *c, fk_inpkt *p, int outcome, const void *buf, uint32_t len)
{
    p->state = IN_DONE;
    p->outcome = outcome;
    if (outcome == FK_OUTCOME_COMPLETED && p->completion_requested && len > 0) {
        p->cpayload = (uint8_t *)dup_bytes(buf, len); /* B64 */
        p->clen = len;
    }
    free(p->data);
    p->data = NULL;
    p->next = NULL;
    if (c->fin_tail) {
        c->fin_tail->next = p;
    } else {
        c->fin_head = p;
    }
    c->fin_tail = p;
    c->fin_count++;
    while (c->fin_count > FK_MAX_FINISHED) { /* bound memory: forget the oldest outcomes */
        fk_inpkt *o = c->fin_head;
        c->fin_head = o->next;
        c->fin_count--;
        free_inpkt(c, o);
    }
    wake(c->w);
}

static void unlink_all_in(fk_channel *c, fk_inpkt *p)
{
    for (fk_inpkt **pp = &c->all_in; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == p) {
            *pp = p->all_next;
            return;
        }
    }
}

static void free_inpkt(fk_channel *c, fk_inpkt *p)
{
    unlink_all_in(c, p);
    p->magic = 0;
    free(p->data);
    free(p->cpayload);
    free(p);
}

/* Delivers ring packets while the queue runs. Called without the lock. */
static void deliver(fk_channel *c)
{
    fk_world *w = c->w;
    lock(w);
    if (c->delivering) {
        c->deliver_again = 1;
        unlock(w);
        return;
    }
    c->delivering = 1;
    uint32_t count = 0;
    int stopped_in_batch = 0;
    do {
        c->deliver_again = 0;
        while (c->queue_on && !c->queue_stopped && c->ring_head != NULL && c->outstanding < c->quota) {
            fk_inpkt *p = c->ring_head;
            c->ring_head = p->next;
            if (c->ring_head == NULL) {
                c->ring_tail = NULL;
            }
            p->next = NULL;
            c->in_used -= p->ring_size;
            pump_in(c);
            p->state = IN_DELIVERING;
            c->outstanding++;
            kc_evt_process_packet pp = c->pp;
            void *ctx = c->pointer;
            /* B61 (as the Java fake): without incoming-processing-at-passive, a seeded mix of
             * DISPATCH_LEVEL and PASSIVE_LEVEL deliveries */
            uint8_t irql = c->passive ? 0 : ((next_rand(w) >> 32) & 1u) ? 2 : 0;
            uint32_t flags = p->has_ext ? 1u : 0u;
            for (;;) {
                const uint8_t *data = p->data;
                uint32_t len = p->len;
                unlock(w);
                uint8_t old = tls_irql;
                fk_inpkt *old_d = tls_delivering;
                tls_irql = irql;
                tls_delivering = p;
                if (pp != NULL) {
                    pp(ctx, (kc_vmbcompletion)(void *)p, data, len, flags);
                }
                tls_irql = old;
                tls_delivering = old_d;
                lock(w);
                if (p->state == IN_DELIVERING && p->deferred) {
                    p->deferred = 0; /* B70: redelivered, this time at PASSIVE_LEVEL */
                    irql = 0;
                    continue;
                }
                break;
            }
            if (p->state == IN_DELIVERING) {
                p->state = IN_DELIVERED;
            }
            count++;
            if (c->queue_stopped) {
                stopped_in_batch = 1;
                break;
            }
        }
    } while (c->deliver_again && c->queue_on && !c->queue_stopped);
    if (count > 0 && c->pc != NULL && !stopped_in_batch && !c->queue_stopped) {
        kc_evt_processing_complete pc = c->pc; /* B67: once per drained batch, with the count */
        void *ctx = c->pointer;
        uint8_t irql = c->passive ? 0 : 2;
        unlock(w);
        uint8_t old = tls_irql;
        tls_irql = irql;
        pc(ctx, count);
        tls_irql = old;
        lock(w);
    }
    c->delivering = 0;
    int again = c->deliver_again && c->queue_on && !c->queue_stopped && c->ring_head != NULL;
    wake(w);
    unlock(w);
    if (again) {
        deliver(c);
    }
}

/* ------------------------------------------------------------------ state transitions */
static void acquire_busy(fk_channel *c)
{
    while (c->busy) {
        wait_cv(c->w);
    }
    c->busy = 1;
}

static void release_busy(fk_channel *c)
{
    c->busy = 0;
    wake(c->w);
}

/* lock held, busy held; returns with lock held. Started -> queue on -> PostStarted -> deliver */
static void run_start(fk_channel *c)
{
    fk_world *w = c->w;
    void *ctx = c->pointer;
    kc_state_callbacks cb = c->cb;
    unlock(w);
    tls_irql = 0;
    if (cb.started) {
        cb.started(ctx);
    }
    lock(w);
    c->active = 1;
    c->queue_on = 1;
    c->shut = 0;
    unlock(w);
    if (cb.post_started) {
        cb.post_started(ctx);
    }
    deliver(c);
    lock(w);
}

/* lock held, busy held: Suspend if running (B85/B86); optionally waits for completions (B87) */
static void run_suspend(fk_channel *c, int wait_outstanding)
{
    fk_world *w = c->w;
    if (!c->active) {
        return;
    }
    c->queue_on = 0;
    while (c->delivering) {
        wait_cv(w);
    }
    c->active = 0;
    c->shut = 1;
    void *ctx = c->pointer;
    kc_evt_channel suspend = c->cb.suspend;
    unlock(w);
    tls_irql = 0;
    if (suspend) {
        suspend(ctx);
    }
    lock(w);
    while (wait_outstanding && c->outstanding > 0) {
        wait_cv(w);
    }
}

/* lock held, busy held: the open handshake completed */
static void run_open(fk_channel *c, fk_calls *calls)
{
    fk_world *w = c->w;
    void *ctx = c->pointer;
    kc_evt_opened opened = c->cb.opened;
    c->in_open_cb = 1;
    c->conn = CONN_OPEN; /* SetInterruptLatency is valid from the start of Opened */
    unlock(w);
    tls_irql = 0;
    kc_status st = opened ? opened(ctx) : KMCLB_STATUS_SUCCESS;
    lock(w);
    c->in_open_cb = 0;
    if (!KC_SUCCESS(st)) {
        c->conn = CONN_ENABLED; /* B41: back to a no-traffic state */
        if (c->bound) {
            c->bound->bound = NULL;
            c->bound = NULL;
        }
        return;
    }
    c->ever_opened = 1;
    c->shut = 0;
    c->reading = 1;
    pump_out(c, calls); /* B42: sends queued before the open go out now */
    if (c->run_requested) {
        run_start(c);
    }
}

/* lock held: peer side went away (guest closed / host rescinded). busy held. */
static void run_peer_close(fk_channel *c, fk_calls *calls)
{
    fk_world *w = c->w;
    run_suspend(c, 0);
    void *ctx = c->pointer;
    kc_evt_channel closed = c->cb.closed;
    c->in_close_cb = 1;
    unlock(w);
    tls_irql = 0;
    if (closed) {
        closed(ctx);
    }
    lock(w);
    c->in_close_cb = 0;
    c->shut = 1;
    for (fk_gpadl *g = c->gpadls; g != NULL; g = g->next) {
        if (g->ours && g->mapped) {
            g->mapped = 0; /* the peer's mappings go away with it */
        }
    }
    if (c->server) {
        c->conn = CONN_CLOSED; /* B96: the offer stays; B98: our transactions stay for us to cancel */
    } else {
        c->conn = CONN_DISABLED; /* B95 */
        if (c->bound) {
            c->bound->bound = NULL;
            c->bound = NULL;
        }
        cancel_outgoing(c, KMCLB_STATUS_CANCELLED, calls);
        c->run_requested = 1;
    }
    wake(w);
}

static int offer_matches(const fk_channel *c, const fk_offer *o)
{
    if (o->rescinded || o->bound != NULL || o->vtl != 0) {
        return 0;
    }
    if (c->has_target) {
        if (memcmp(o->type.b, c->target_type.b, 16) != 0) {
            return 0;
        }
        return !c->has_target_instance || memcmp(o->instance.b, c->target_instance.b, 16) == 0;
    }
    return o == c->device;
}

/* lock held, busy held: a client channel looks for its offer */
static void try_bind(fk_channel *c, fk_calls *calls)
{
    fk_world *w = c->w;
    if (c->server || c->conn != CONN_ENABLED || c->bound != NULL) {
        return;
    }
    for (fk_offer *o = w->offers; o != NULL; o = o->next) {
        if (offer_matches(c, o)) {
            if (w->pnp_fault_armed) {
                w->pnp_fault_armed = 0;
                kc_status st = w->pnp_fault;
                kc_evt_pnp_failure f = c->pnp;
                void *ctx = c->pointer;
                unlock(w);
                if (f) {
                    f(ctx, st); /* B156 */
                }
                lock(w);
                return;
            }
            o->bound = c;
            c->bound = o;
            run_open(c, calls);
            return;
        }
    }
}

/* ------------------------------------------------------------------ the kmcl_ops table */
static kc_status f_allocate(void *device, int is_server, kc_vmbchannel *out)
{
    fk_offer *o = (fk_offer *)device;
    *out = NULL;
    if (o == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *w = o->w;
    fk_channel *c = (fk_channel *)calloc(1, sizeof(fk_channel));
    if (c == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    c->magic = FK_MAGIC;
    c->w = w;
    c->device = o;
    c->server = is_server != 0;
    c->conn = CONN_DISABLED;
    c->run_requested = !c->server; /* B43 client auto-start, B44 server needs Start */
    c->max_packet = FK_DEFAULT_MAX_PACKET;
    c->quota = 0xFFFFFFFFu;
    c->in_size = FK_DEFAULT_RING_PAGES * FK_PAGE_SIZE;
    c->out_size = FK_DEFAULT_RING_PAGES * FK_PAGE_SIZE;
    c->reading = 1;
    lock(w);
    rand_guid(w, &c->instance);
    c->next = w->channels;
    w->channels = c;
    unlock(w);
    *out = (kc_vmbchannel)(void *)c;
    return KMCLB_STATUS_SUCCESS;
}

static void free_outpkt_locked(fk_channel *c, fk_outpkt *p)
{
    for (fk_outpkt **pp = &c->all_out; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == p) {
            *pp = p->all_next;
            break;
        }
    }
    p->magic = 0;
    free(p->data);
    free(p->sync_cbuf);
    free(p);
}

static void f_cleanup(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    fk_world *w = c->w;
    lock(w);
    if (c->conn != CONN_DISABLED || c->busy || c->delivering) {
        violation(w); /* B35: cleanup of a channel that is not disabled */
        unlock(w);
        return;
    }
    for (fk_channel **pp = &w->channels; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c->bound) {
        c->bound->bound = NULL;
    }
    while (c->all_in) {
        free_inpkt(c, c->all_in);
    }
    while (c->all_out) {
        free_outpkt_locked(c, c->all_out);
    }
    fk_rx *lists[2] = {c->orq_head, c->rx_head};
    for (int i = 0; i < 2; i++) {
        for (fk_rx *r = lists[i]; r != NULL;) {
            fk_rx *n = r->next;
            free(r->data);
            free(r);
            r = n;
        }
    }
    while (c->gpadls) {
        fk_gpadl *g = c->gpadls;
        c->gpadls = g->next;
        if (!g->ours) {
            free(g->buf);
        }
        free(g);
    }
    c->magic = 0;
    unlock(w);
    free(c);
}

static kc_status f_create_gpadl(kc_vmbchannel h, uint32_t flags, void *buf, uint32_t size, uint32_t *handle)
{
    fk_channel *c = chan(h);
    *handle = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~1u) != 0 || buf == NULL || size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *w = c->w;
    lock(w);
    if (c->conn != CONN_OPEN) {
        unlock(w);
        return KMCLB_STATUS_DEVICE_NOT_CONNECTED; /* B135: the peer must acknowledge */
    }
    fk_gpadl *g = (fk_gpadl *)calloc(1, sizeof(fk_gpadl));
    if (g == NULL) {
        unlock(w);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    g->handle = ++w->next_gpadl;
    g->ours = 1;
    g->read_only = (flags & 1u) != 0;
    g->buf = (uint8_t *)buf;
    g->size = size;
    g->next = c->gpadls;
    c->gpadls = g;
    *handle = g->handle;
    unlock(w);
    return KMCLB_STATUS_SUCCESS;
}

static fk_gpadl *find_gpadl(fk_channel *c, uint32_t handle, int ours)
{
    for (fk_gpadl *g = c->gpadls; g != NULL; g = g->next) {
        if (g->handle == handle && g->ours == ours) {
            return g;
        }
    }
    return NULL;
}

static void f_delete_gpadl(kc_vmbchannel h, uint32_t handle)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    fk_world *w = c->w;
    lock(w);
    fk_gpadl *g = find_gpadl(c, handle, 1);
    if (g == NULL) {
        violation(w);
        unlock(w);
        return;
    }
    while (g->mapped) {
        wait_cv(w); /* B142: blocks until the server unmaps */
    }
    for (fk_gpadl **pp = &c->gpadls; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    }
    free(g);
    unlock(w);
}

static void f_disable(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    fk_world *w = c->w;
    fk_calls calls = {0};
    lock(w);
    acquire_busy(c);
    if (c->conn == CONN_DISABLED) {
        /* no state change, but Q8 still holds: sends queued on a disabled or never enabled channel
         * (B42, B99) end with STATUS_CANCELLED, so a driver can always get its packets back */
        cancel_outgoing(c, KMCLB_STATUS_CANCELLED, &calls);
        release_busy(c);
        unlock(w);
        run_calls(w, &calls);
        return;
    }
    run_suspend(c, 1); /* B94: Suspend, wait for completions, Closed */
    if (c->conn == CONN_OPEN) {
        void *ctx = c->pointer;
        kc_evt_channel closed = c->cb.closed;
        c->in_close_cb = 1;
        unlock(w);
        tls_irql = 0;
        if (closed) {
            closed(ctx);
        }
        lock(w);
        c->in_close_cb = 0;
    }
    if (c->bound) {
        c->bound->bound = NULL;
        c->bound = NULL;
    }
    cancel_outgoing(c, KMCLB_STATUS_CANCELLED, &calls); /* Q7/Q8 */
    /* undelivered peer packets are dropped with the connection */
    while (c->ring_head) {
        fk_inpkt *p = c->ring_head;
        c->ring_head = p->next;
        free_inpkt(c, p);
    }
    while (c->pq_head) {
        fk_inpkt *p = c->pq_head;
        c->pq_head = p->next;
        free_inpkt(c, p);
    }
    c->ring_tail = c->pq_tail = NULL;
    c->pq_count = 0;
    c->in_used = 0;
    for (fk_gpadl *g = c->gpadls; g != NULL; g = g->next) {
        if (g->ours) {
            g->mapped = 0;
        }
    }
    c->conn = CONN_DISABLED;
    c->shut = 1;
    c->queue_stopped = 0; /* PacketFail stops the queue until Disable (Q6) */
    c->run_requested = !c->server;
    release_busy(c);
    unlock(w);
    run_calls(w, &calls);
}

static kc_status f_enable(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    fk_world *w = c->w;
    fk_calls calls = {0};
    lock(w);
    acquire_busy(c);
    if (c->conn != CONN_DISABLED) {
        release_busy(c);
        unlock(w);
        return KMCLB_STATUS_INVALID_DEVICE_STATE; /* Q17: enable twice */
    }
    c->ever_enabled = 1;
    c->conn = CONN_ENABLED;
    c->shut = 0;
    if (!c->server) {
        try_bind(c, &calls);
    }
    release_busy(c);
    unlock(w);
    run_calls(w, &calls);
    return KMCLB_STATUS_SUCCESS;
}

static void f_get_instance(kc_vmbchannel h, kc_guid *out)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    lock(c->w);
    *out = (c->server && c->has_target_iface) ? c->iface_instance : c->instance;
    unlock(c->w);
}

static void f_get_mmio(kc_vmbchannel h, uint64_t *addr, uint64_t *size)
{
    fk_channel *c = chan(h);
    *addr = 0;
    *size = 0;
    if (c == NULL) {
        return;
    }
    lock(c->w);
    if (c->ever_opened) { /* B52 */
        uint32_t mb = c->server ? c->mmio_mb : (c->bound ? c->bound->mmio_mb : 0);
        if (mb > 0) {
            *addr = 0xF0000000ull + ((uint64_t)(c->bound ? c->bound->id : 0) << 28);
            *size = (uint64_t)mb << 20;
        }
    }
    unlock(c->w);
}

static void *f_get_pointer(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    return c ? c->pointer : NULL;
}

/* Init* precondition: valid handle, never enabled (Q1 / B14 / B15) */
static fk_channel *init_target(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return NULL;
    }
    lock(c->w);
    int ok = !c->ever_enabled && c->conn == CONN_DISABLED;
    unlock(c->w);
    return ok ? c : NULL;
}

static kc_status f_set_ctx_size(kc_vmbchannel h, uint32_t size)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    c->ctx_size = size; /* B84 */
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_flags(kc_vmbchannel h, uint32_t flags)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B25 */
    }
    c->flags = flags;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_name(kc_vmbchannel h, const uint16_t *name, uint32_t bytes)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (bytes > 0 && name == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_max_ext(kc_vmbchannel h, uint32_t size, uint32_t chain)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B18, B20 */
    }
    if (chain == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_3; /* B19 */
    }
    c->ext_size = size;
    c->ext_chain = chain;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_max_packet(kc_vmbchannel h, uint32_t size)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B16 */
    }
    c->max_packet = size;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_pp(kc_vmbchannel h, kc_evt_process_packet pp, kc_evt_processing_complete pc)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (pp == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    lock(c->w);
    c->pp = pp;
    c->pc = pc; /* B27: NULL = no end-of-batch notifications */
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_set_state_cb(kc_vmbchannel h, const kc_state_callbacks *cb)
{
    fk_channel *c = init_target(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (cb == NULL || cb->version != KC_STATE_CALLBACKS_VERSION || cb->size != KC_STATE_CALLBACKS_SIZE) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B22 */
    }
    lock(c->w);
    c->cb = *cb;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static fk_inpkt *inpkt(kc_vmbcompletion h)
{
    fk_inpkt *p = (fk_inpkt *)(void *)h;
    return (p != NULL && p->magic == FK_PKT_MAGIC) ? p : NULL;
}

static void f_complete(kc_vmbcompletion h, const void *buf, uint32_t len)
{
    fk_inpkt *p = inpkt(h);
    if (p == NULL) {
        return;
    }
    fk_channel *c = p->ch;
    fk_world *w = c->w;
    lock(w);
    if (p->state != IN_DELIVERING && p->state != IN_DELIVERED) {
        violation(w); /* Q5: double completion / completion after fail */
        unlock(w);
        return;
    }
    p->deferred = 0;
    c->outstanding--;
    fk_rx *r = NULL;
    if (p->completion_requested && c->conn == CONN_OPEN) {
        r = (fk_rx *)calloc(1, sizeof(fk_rx));
    }
    if (r != NULL) {
        /* B64: a requested completion is a type-0xB packet through our outgoing ring; the sender
         * sees it when it reads the ring */
        r->tx = p->tx;
        r->is_completion = 1;
        r->ring_type = 0xB;
        r->len = len;
        r->ring_size = fk_ring_size(len, 0, 0);
        r->data = len ? (uint8_t *)dup_bytes(buf, len) : NULL;
        r->completed = 1;
        p->state = IN_COMPLETING;
        if (c->cq_tail) {
            c->cq_tail->next = r;
        } else {
            c->cq_head = r;
        }
        c->cq_tail = r;
        fk_calls calls = {NULL, NULL};
        pump_out(c, &calls);
        unlock(w);
        run_calls(w, &calls);
    } else {
        finish_in(c, p, FK_OUTCOME_COMPLETED, buf, len);
        unlock(w);
    }
    deliver(c); /* B82: quota stalls resume on the next completion */
}

static void f_defer(kc_vmbcompletion h)
{
    fk_inpkt *p = inpkt(h);
    if (p == NULL) {
        return;
    }
    fk_world *w = p->ch->w;
    lock(w);
    if (p->state != IN_DELIVERING || tls_delivering != p) {
        violation(w); /* B72: only inline from ProcessPacket for this packet */
    } else {
        p->deferred = 1;
    }
    unlock(w);
}

static void f_fail(kc_vmbcompletion h)
{
    fk_inpkt *p = inpkt(h);
    if (p == NULL) {
        return;
    }
    fk_channel *c = p->ch;
    fk_world *w = c->w;
    lock(w);
    if (p->state != IN_DELIVERING && p->state != IN_DELIVERED) {
        violation(w);
        unlock(w);
        return;
    }
    c->outstanding--;
    c->queue_stopped = 1; /* B73: for good, until Disable */
    finish_in(c, p, FK_OUTCOME_FAILED, NULL, 0);
    unlock(w);
}

static kc_status f_get_ext(kc_vmbcompletion h, uint32_t flags, const void **data, uint32_t *len)
{
    fk_inpkt *p = inpkt(h);
    *data = NULL;
    *len = 0;
    if (p == NULL || (flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *w = p->ch->w;
    lock(w);
    kc_status st = KMCLB_STATUS_SUCCESS;
    if ((p->state != IN_DELIVERING && p->state != IN_DELIVERED) || !p->has_ext) {
        st = KMCLB_STATUS_INVALID_PARAMETER;
    } else {
        *data = p->data + p->len; /* B75 */
        *len = p->ext_len;
    }
    unlock(w);
    return st;
}

static void f_pause(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    fk_world *w = c->w;
    lock(w);
    acquire_busy(c);
    c->run_requested = 0; /* B88: before Enable -> comes up paused */
    run_suspend(c, 1);    /* B85, B87 */
    release_busy(c);
    unlock(w);
}

static void f_start(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    fk_world *w = c->w;
    lock(w);
    acquire_busy(c);
    c->run_requested = 1;
    if (c->conn == CONN_OPEN && !c->active) {
        run_start(c); /* B89 */
    }
    release_busy(c);
    unlock(w);
}

static int64_t now_filetime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + 11644473600LL) * 10000000LL + ts.tv_nsec / 100;
}

static kc_status queue_send(fk_channel *c, fk_outpkt *p, const void *buf, uint32_t len, const void *ext,
                            uint32_t ext_len, int has_ext, uint32_t flags, fk_calls *calls);

static kc_status f_send_sync(kc_vmbchannel h, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                             uint32_t flags, void *cbuf, uint32_t *csize, const int64_t *timeout)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    uint32_t cap = csize ? *csize : 0;
    if ((cap % 8u) != 0 || (cap > 0 && cbuf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B125 */
    }
    int wait_completion = (flags & 1u) != 0;
    int zero = timeout != NULL && *timeout == 0;
    if (c->server && (!zero || wait_completion)) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B131 */
    }
    if (!zero) {
        flags |= 1u; /* B127: every form but zero-timeout-without-wait asks the peer for a reply (as the Java fake) */
    }
    fk_world *w = c->w;
    fk_calls calls = {0};
    fk_outpkt *p = (fk_outpkt *)calloc(1, sizeof(fk_outpkt));
    if (p == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    p->magic = FK_PKT_MAGIC;
    p->ch = c;
    p->sync = 1;
    p->custom_routine = 1;
    struct timespec dl, *dlp = NULL;
    if (timeout != NULL) {
        int64_t rel = *timeout < 0 ? -*timeout : *timeout - now_filetime();
        if (rel < 0) {
            rel = 0;
        }
        dl = deadline_ms(rel / 10000);
        dlp = &dl;
    }
    lock(w);
    if (c->shut && c->ever_opened) {
        unlock(w);
        free(p);
        return KMCLB_STATUS_DEVICE_REMOVED; /* B130 */
    }
    p->all_next = c->all_out;
    c->all_out = p;
    kc_status st = queue_send(c, p, buf, len, ext, ext_len, ext != NULL && ext_len > 0, flags, &calls);
    if (!KC_SUCCESS(st)) {
        free_outpkt_locked(c, p);
        unlock(w);
        return st;
    }
    if (zero && p->state == OUT_QUEUED) {
        /* B129: with a zero timeout a packet that does not fit is not queued */
        for (fk_outpkt **pp = &c->sq_head; *pp != NULL; pp = &(*pp)->next) {
            if (*pp == p) {
                *pp = p->next;
                c->sq_count--;
                break;
            }
        }
        c->sq_tail = NULL;
        for (fk_outpkt *q = c->sq_head; q != NULL; q = q->next) {
            c->sq_tail = q;
        }
        free_outpkt_locked(c, p);
        unlock(w);
        return KMCLB_STATUS_BUFFER_OVERFLOW;
    }
    for (;;) {
        if (p->sync_done) {
            break;
        }
        if (c->shut && c->ever_opened) {
            st = KMCLB_STATUS_DEVICE_REMOVED;
            break;
        }
        if (dlp != NULL && expired(dlp)) {
            st = KMCLB_STATUS_CANCELLED; /* B128 */
            break;
        }
        if (!wait_until(w, dlp)) {
            continue;
        }
    }
    if (p->sync_done) {
        st = p->sync_status;
        if (KC_SUCCESS(st)) {
            uint32_t n = p->sync_clen < cap ? p->sync_clen : cap;
            if (n > 0) {
                memcpy(cbuf, p->sync_cbuf, n);
            }
            if (p->sync_clen > cap) {
                st = KMCLB_STATUS_BUFFER_OVERFLOW;
            }
            if (csize) {
                *csize = n; /* B126 */
            }
        }
    } else {
        /* cancelled: withdraw the packet wherever it is */
        for (fk_outpkt **pp = &c->sq_head; *pp != NULL; pp = &(*pp)->next) {
            if (*pp == p) {
                *pp = p->next;
                c->sq_count--;
                break;
            }
        }
        c->sq_tail = NULL;
        for (fk_outpkt *q = c->sq_head; q != NULL; q = q->next) {
            c->sq_tail = q;
        }
        for (fk_rx *r = c->rx_head; r != NULL; r = r->next) {
            if (r->owner == p) {
                r->owner = NULL;
                r->completed = 1;
            }
        }
        for (fk_rx *r = c->orq_head; r != NULL; r = r->next) {
            if (r->owner == p) {
                r->owner = NULL;
                r->completed = 1;
            }
        }
    }
    free_outpkt_locked(c, p);
    unlock(w);
    run_calls(w, &calls);
    return st;
}

static void f_set_passive(kc_vmbchannel h, int passive)
{
    fk_channel *c = chan(h);
    if (c) {
        lock(c->w);
        c->passive = passive != 0;
        unlock(c->w);
    }
}

static kc_status f_set_latency(kc_vmbchannel h, uint16_t latency, uint16_t *orig)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    lock(c->w);
    if (c->conn != CONN_OPEN && !c->in_close_cb) {
        unlock(c->w);
        return KMCLB_STATUS_INVALID_DEVICE_STATE; /* B53 */
    }
    if (orig) {
        *orig = c->latency; /* B54 */
    }
    c->latency = latency;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static void f_set_pointer(kc_vmbchannel h, void *p)
{
    fk_channel *c = chan(h);
    if (c) {
        lock(c->w);
        c->pointer = p;
        unlock(c->w);
    }
}

static void f_set_quota(kc_vmbchannel h, uint32_t q)
{
    fk_channel *c = chan(h);
    if (c == NULL || q == 0) {
        return; /* B83: 0 is invalid, VOID so nothing is reported */
    }
    lock(c->w);
    c->quota = q; /* B81/B82: no resume by itself */
    unlock(c->w);
}

static uint32_t f_sizeof_packet(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    return c ? 256u + c->ctx_size : 0u;
}

static kc_status f_ring_pages(kc_vmbchannel h, uint32_t in_pages, uint32_t out_pages)
{
    fk_channel *c = init_target(h);
    if (c == NULL || c->server) {
        return KMCLB_STATUS_INVALID_PARAMETER_1; /* B29: client only */
    }
    if (in_pages == 0 || in_pages > 65536u) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    if (out_pages == 0 || out_pages > 65536u) {
        return KMCLB_STATUS_INVALID_PARAMETER_3;
    }
    lock(c->w);
    c->in_size = in_pages * FK_PAGE_SIZE;
    c->out_size = out_pages * FK_PAGE_SIZE;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_target_pnp(kc_vmbchannel h, const kc_guid *type, const kc_guid *inst, kc_evt_pnp_failure f)
{
    fk_channel *c = init_target(h);
    if (c == NULL || c->server) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (type == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    lock(c->w);
    c->has_target = 1;
    c->target_type = *type;
    c->has_target_instance = inst != NULL; /* B30/B31 */
    if (inst) {
        c->target_instance = *inst;
    }
    c->pnp = f;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static kc_vmbpacket f_packet_allocate(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return NULL;
    }
    fk_world *w = c->w;
    lock(w);
    if (c->alloc_fail > 0) {
        c->alloc_fail--; /* B102: injected NULL */
        unlock(w);
        return NULL;
    }
    fk_outpkt *p = (fk_outpkt *)calloc(1, sizeof(fk_outpkt));
    if (p != NULL) {
        p->magic = FK_PKT_MAGIC;
        p->ch = c;
        p->all_next = c->all_out;
        c->all_out = p;
    }
    unlock(w);
    return (kc_vmbpacket)(void *)p;
}

static fk_outpkt *outpkt(kc_vmbpacket h)
{
    fk_outpkt *p = (fk_outpkt *)(void *)h;
    return (p != NULL && p->magic == FK_PKT_MAGIC) ? p : NULL;
}

static void f_packet_free(kc_vmbpacket h)
{
    fk_outpkt *p = outpkt(h);
    if (p == NULL) {
        return;
    }
    fk_world *w = p->ch->w;
    lock(w);
    if (p->state == OUT_QUEUED || p->state == OUT_AWAIT) {
        violation(w); /* freeing a packet KMCL still owns */
        unlock(w);
        return;
    }
    free_outpkt_locked(p->ch, p);
    unlock(w);
}

static void *f_packet_get_pointer(kc_vmbpacket h)
{
    fk_outpkt *p = outpkt(h);
    return p ? p->ctx : NULL;
}

/* lock held */
static kc_status queue_send(fk_channel *c, fk_outpkt *p, const void *buf, uint32_t len, const void *ext,
                            uint32_t ext_len, int has_ext, uint32_t flags, fk_calls *calls)
{
    fk_world *w = c->w;
    if (p->state == OUT_QUEUED || p->state == OUT_AWAIT) {
        violation(w);
        return KMCLB_STATUS_CONTRACT_VIOLATION;
    }
    if ((flags & ~7u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (has_ext && (flags & 1u) == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B115 */
    }
    if (len > c->max_packet) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B120 */
    }
    if ((len > 0 && buf == NULL) || (has_ext && ext == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t rs = fk_ring_size(len, ext_len, has_ext);
    if ((uint64_t)rs + 8u >= c->out_size) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* could never fit in the ring */
    }
    if (c->shut && c->ever_opened && c->conn == CONN_OPEN) {
        violation(w); /* B93: sending after Suspend; still queued */
    }
    free(p->data);
    p->data = (uint8_t *)malloc((size_t)len + ext_len + 1u);
    if (p->data == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (len) {
        memcpy(p->data, buf, len);
    }
    if (ext_len) {
        memcpy(p->data + len, ext, ext_len);
    }
    p->len = len;
    p->ext_len = ext_len;
    p->has_ext = has_ext;
    p->flags = flags;
    p->ring_size = rs;
    p->ring_type = has_ext ? 9 : 6;
    p->tx = ++w->next_tx;
    p->state = OUT_QUEUED;
    p->held_by_fault = 0;
    if (c->ring_full_fault > 0) {
        c->ring_full_fault--;
        p->held_by_fault = 1;
    }
    p->next = NULL;
    if (c->sq_tail) {
        c->sq_tail->next = p;
    } else {
        c->sq_head = p;
    }
    c->sq_tail = p;
    c->sq_count++;
    pump_out(c, calls);
    if (p->state == OUT_QUEUED && c->conn == CONN_OPEN) {
        c->ring_full_events++; /* B112: queued for lack of ring space */
    }
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_send(kc_vmbpacket h, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                         int has_ext, uint32_t flags)
{
    fk_outpkt *p = outpkt(h);
    if (p == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    fk_channel *c = p->ch;
    fk_world *w = c->w;
    fk_calls calls = {0};
    lock(w);
    kc_status st = queue_send(c, p, buf, len, ext, ext_len, has_ext, flags, &calls);
    unlock(w);
    run_calls(w, &calls);
    return st;
}

static kc_status f_send(kc_vmbpacket h, const void *buf, uint32_t len, uint32_t flags)
{
    return do_send(h, buf, len, NULL, 0, 0, flags);
}

static kc_status f_send_mdl(kc_vmbpacket h, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                            uint32_t flags)
{
    return do_send(h, buf, len, ext, ext_len, 1, flags);
}

static void f_set_routine(kc_vmbpacket h, kc_evt_packet_completion fn)
{
    fk_outpkt *p = outpkt(h);
    if (p) {
        lock(p->ch->w);
        p->routine = fn;
        p->custom_routine = 1; /* B106: stays allocated until VmbPacketFree */
        unlock(p->ch->w);
    }
}

static void f_packet_set_pointer(kc_vmbpacket h, void *ctx)
{
    fk_outpkt *p = outpkt(h);
    if (p) {
        lock(p->ch->w);
        p->ctx = ctx;
        unlock(p->ch->w);
    }
}

static kc_status f_map_gpadl(kc_vmbchannel h, uint32_t flags, uint32_t handle, void **addr, uint32_t *size)
{
    fk_channel *c = chan(h);
    *addr = NULL;
    *size = 0;
    if (c == NULL || !c->server) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    fk_world *w = c->w;
    lock(w);
    fk_gpadl *g = find_gpadl(c, handle, 0);
    kc_status st = KMCLB_STATUS_SUCCESS;
    if (g == NULL) {
        st = KMCLB_STATUS_INVALID_PARAMETER_3;
    } else if (g->read_only && (flags & 1u) == 0) {
        st = KMCLB_STATUS_ACCESS_DENIED; /* B138 */
    } else if (g->mapped) {
        st = KMCLB_STATUS_INVALID_DEVICE_STATE; /* B140 */
    } else {
        g->mapped = 1; /* B139: read-only mapping does not prevent writes */
        *addr = g->buf;
        *size = g->size;
    }
    unlock(w);
    return st;
}

static void f_unmap_gpadl(kc_vmbchannel h, uint32_t handle)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return;
    }
    lock(c->w);
    fk_gpadl *g = find_gpadl(c, handle, 0);
    if (g == NULL || !g->mapped) {
        violation(c->w);
    } else {
        g->mapped = 0; /* B141 */
    }
    unlock(c->w);
}

static fk_channel *server_init(kc_vmbchannel h)
{
    fk_channel *c = init_target(h);
    return (c != NULL && c->server) ? c : NULL;
}

static kc_status f_server_flags(kc_vmbchannel h, uint32_t flags)
{
    fk_channel *c = server_init(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~0x1Fu) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B26 */
    }
    c->server_flags = flags;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_mmio(kc_vmbchannel h, uint16_t mb, uint16_t opt)
{
    fk_channel *c = server_init(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (mb == 0 && opt == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B32 */
    }
    c->mmio_mb = mb;
    c->mmio_mb_opt = opt;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_iface(kc_vmbchannel h, const kc_guid *type, const kc_guid *inst)
{
    fk_channel *c = server_init(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (type == NULL || inst == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    lock(c->w);
    c->has_target_iface = 1;
    c->iface_type = *type;
    c->iface_instance = *inst;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status f_vtl(kc_vmbchannel h, uint8_t vtl)
{
    fk_channel *c = server_init(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (vtl > 2) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B33: VTL 0..2 exist */
    }
    c->vtl = vtl;
    return KMCLB_STATUS_SUCCESS;
}

static void f_query_ring(kc_vmbchannel h, kc_ring_info *out)
{
    fk_channel *c = chan(h);
    memset(out, 0, sizeof(*out));
    if (c == NULL) {
        return;
    }
    lock(c->w);
    out->outgoing_free = c->out_size - c->out_used;
    out->incoming_used = c->in_used;
    out->ring_full_events = c->ring_full_events;
    out->queued_outgoing = c->sq_count;
    out->outgoing_stalled = !c->reading && c->conn == CONN_OPEN;
    unlock(c->w);
}

static int f_completion_requested(kc_vmbcompletion h)
{
    fk_inpkt *p = inpkt(h);
    return p != NULL && p->completion_requested;
}

static const kc_kmcl_ops g_fk_ops = {
    .channel_allocate = f_allocate,
    .channel_cleanup = f_cleanup,
    .create_gpadl_from_buffer = f_create_gpadl,
    .delete_gpadl = f_delete_gpadl,
    .disable = f_disable,
    .enable = f_enable,
    .get_interface_instance = f_get_instance,
    .get_mmio_space = f_get_mmio,
    .get_pointer = f_get_pointer,
    .init_set_client_context_size = f_set_ctx_size,
    .init_set_flags = f_set_flags,
    .init_set_friendly_name = f_set_name,
    .init_set_maximum_external_data = f_set_max_ext,
    .init_set_maximum_packet_size = f_set_max_packet,
    .init_set_process_packet_callbacks = f_set_pp,
    .init_set_state_change_callbacks = f_set_state_cb,
    .packet_complete = f_complete,
    .packet_defer_to_passive = f_defer,
    .packet_fail = f_fail,
    .packet_get_external_data = f_get_ext,
    .pause = f_pause,
    .send_synchronous_request = f_send_sync,
    .set_incoming_processing_at_passive = f_set_passive,
    .set_interrupt_latency = f_set_latency,
    .set_pointer = f_set_pointer,
    .set_transaction_quota = f_set_quota,
    .sizeof_packet = f_sizeof_packet,
    .start = f_start,
    .client_init_set_ring_buffer_page_count = f_ring_pages,
    .client_init_set_target_pnp = f_target_pnp,
    .packet_allocate = f_packet_allocate,
    .packet_free = f_packet_free,
    .packet_get_pointer = f_packet_get_pointer,
    .packet_send = f_send,
    .packet_send_with_external_mdl = f_send_mdl,
    .packet_send_with_external_pfns = f_send_mdl,
    .packet_set_completion_routine = f_set_routine,
    .packet_set_pointer = f_packet_set_pointer,
    .map_gpadl = f_map_gpadl,
    .unmap_gpadl = f_unmap_gpadl,
    .server_init_set_flags = f_server_flags,
    .server_init_set_mmio_megabytes = f_mmio,
    .server_init_set_target_interface_id = f_iface,
    .server_init_set_target_vtl = f_vtl,
    .query_ring = f_query_ring,
    .packet_completion_requested = f_completion_requested,
};

const kc_kmcl_ops *fk_ops(void)
{
    return &g_fk_ops;
}

/* ------------------------------------------------------------------ world */
kc_status fk_world_create(uint64_t seed, fk_world **out)
{
    fk_world *w = (fk_world *)calloc(1, sizeof(fk_world));
    *out = NULL;
    if (w == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->seed = seed;
    w->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    *out = w;
    return KMCLB_STATUS_SUCCESS;
}

void fk_world_destroy(fk_world *w)
{
    if (w == NULL) {
        return;
    }
    while (w->channels != NULL) {
        fk_channel *c = w->channels;
        c->conn = CONN_DISABLED;
        c->busy = 0;
        c->delivering = 0;
        f_cleanup((kc_vmbchannel)(void *)c);
    }
    while (w->offers != NULL) {
        fk_offer *o = w->offers;
        w->offers = o->next;
        free(o);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

uint64_t fk_seed(fk_world *w)
{
    return w->seed;
}

uint64_t fk_violations(fk_world *w)
{
    lock(w);
    uint64_t v = w->violations;
    unlock(w);
    return v;
}

void fk_world_set_hooks(fk_world *w, void *ctx, void (*on_offer)(void *, uint64_t, void *),
                        void (*on_rescind)(void *, uint64_t))
{
    lock(w);
    w->hook_ctx = ctx;
    w->on_offer = on_offer;
    w->on_rescind = on_rescind;
    unlock(w);
}

/* ------------------------------------------------------------------ peer */
/* binds every enabled, unbound client channel that matches a new offer */
static void bind_waiting(fk_world *w, fk_calls *calls)
{
    for (;;) {
        fk_channel *found = NULL;
        for (fk_channel *c = w->channels; c != NULL; c = c->next) {
            if (!c->server && c->conn == CONN_ENABLED && c->bound == NULL && !c->busy) {
                for (fk_offer *o = w->offers; o != NULL; o = o->next) {
                    if (offer_matches(c, o)) {
                        found = c;
                        break;
                    }
                }
            }
            if (found) {
                break;
            }
        }
        if (found == NULL) {
            return;
        }
        acquire_busy(found);
        try_bind(found, calls);
        release_busy(found);
        if (found->bound == NULL) {
            return; /* PnP failure: leave it waiting */
        }
    }
}

kc_status fk_peer_offer(fk_world *w, const kc_guid *type, const kc_guid *instance, uint32_t mmio_megabytes,
                        uint32_t target_vtl, const char *name, uint64_t *out_offer, void **out_device)
{
    fk_offer *o = (fk_offer *)calloc(1, sizeof(fk_offer));
    if (o == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    o->w = w;
    o->type = *type;
    o->instance = *instance;
    o->mmio_mb = mmio_megabytes;
    o->vtl = target_vtl;
    snprintf(o->name, sizeof(o->name), "%s", name ? name : "test device");
    fk_calls calls = {0};
    lock(w);
    o->id = ++w->next_offer;
    fk_offer **pp = &w->offers;
    while (*pp) {
        pp = &(*pp)->next;
    }
    *pp = o;
    void *hctx = w->hook_ctx;
    void (*hook)(void *, uint64_t, void *) = w->on_offer;
    unlock(w);
    if (hook) {
        hook(hctx, o->id, o);
    }
    lock(w);
    bind_waiting(w, &calls);
    unlock(w);
    run_calls(w, &calls);
    if (out_offer) {
        *out_offer = o->id;
    }
    if (out_device) {
        *out_device = o;
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_rescind(fk_world *w, uint64_t id)
{
    fk_calls calls = {0};
    lock(w);
    fk_offer *o = w->offers;
    while (o != NULL && o->id != id) {
        o = o->next;
    }
    if (o == NULL || o->rescinded) {
        unlock(w);
        return KMCLB_STATUS_NOT_FOUND;
    }
    o->rescinded = 1;
    fk_channel *c = o->bound;
    if (c != NULL) {
        acquire_busy(c);
        if (c->conn == CONN_OPEN) {
            run_peer_close(c, &calls); /* B97 */
        }
        release_busy(c);
    }
    void *hctx = w->hook_ctx;
    void (*hook)(void *, uint64_t) = w->on_rescind;
    unlock(w);
    run_calls(w, &calls);
    if (hook) {
        hook(hctx, id);
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_offers(fk_world *w, uint64_t *ids, uint8_t *guids, uint32_t max, uint32_t *out_count)
{
    uint32_t n = 0;
    lock(w);
    for (fk_offer *o = w->offers; o != NULL; o = o->next) {
        if (o->rescinded) {
            continue;
        }
        if (n < max) {
            if (ids) {
                ids[n] = o->id;
            }
            if (guids) {
                memcpy(guids + 32u * n, o->type.b, 16);
                memcpy(guids + 32u * n + 16, o->instance.b, 16);
            }
        }
        n++;
    }
    unlock(w);
    *out_count = n;
    return KMCLB_STATUS_SUCCESS;
}

const char *fk_offer_name(void *device)
{
    return ((fk_offer *)device)->name;
}

void fk_offer_guids(void *device, kc_guid *type, kc_guid *instance)
{
    *type = ((fk_offer *)device)->type;
    *instance = ((fk_offer *)device)->instance;
}

kc_status fk_peer_open(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *w = c->w;
    fk_calls calls = {0};
    lock(w);
    acquire_busy(c);
    kc_status st = KMCLB_STATUS_SUCCESS;
    if (!c->server || (c->conn != CONN_ENABLED && c->conn != CONN_CLOSED) || c->vtl != 0) {
        st = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else {
        run_open(c, &calls); /* B51 on re-open */
    }
    release_busy(c);
    unlock(w);
    run_calls(w, &calls);
    return st;
}

kc_status fk_peer_close(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *w = c->w;
    if (!c->server) {
        lock(w);
        fk_offer *o = c->bound;
        uint64_t id = o ? o->id : 0;
        unlock(w);
        return o ? fk_peer_rescind(w, id) : KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    fk_calls calls = {0};
    lock(w);
    acquire_busy(c);
    kc_status st = KMCLB_STATUS_SUCCESS;
    if (c->conn != CONN_OPEN) {
        st = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else {
        run_peer_close(c, &calls);
    }
    release_busy(c);
    unlock(w);
    run_calls(w, &calls);
    return st;
}

int fk_peer_is_open(kc_vmbchannel h)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return 0;
    }
    lock(c->w);
    int r = c->conn == CONN_OPEN;
    unlock(c->w);
    return r;
}

static void peer_delay(fk_channel *c)
{
    uint32_t d;
    lock(c->w);
    d = c->delay_ms;
    unlock(c->w);
    if (d > 0) {
        struct timespec ts = {(time_t)(d / 1000u), (long)(d % 1000u) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

kc_status fk_peer_send(kc_vmbchannel h, const void *payload, uint32_t len, int completion_requested,
                       const void *ext, uint32_t ext_len, int has_ext, uint64_t *out_tx)
{
    fk_channel *c = chan(h);
    *out_tx = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if ((len > 0 && payload == NULL) || (has_ext && ext_len > 0 && ext == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    peer_delay(c);
    fk_world *w = c->w;
    lock(w);
    if (c->conn != CONN_OPEN) {
        unlock(w);
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    uint32_t rs = fk_ring_size(len, ext_len, has_ext);
    uint64_t tx = ++w->next_tx;
    *out_tx = tx;
    if (c->malformed > 0 || c->oversized > 0 || len > c->max_packet) {
        /* the reader rejects it: never delivered, counted */
        if (c->malformed > 0) {
            c->malformed--;
        } else if (c->oversized > 0) {
            c->oversized--;
        }
        c->dropped++;
        unlock(w);
        return KMCLB_STATUS_SUCCESS;
    }
    if ((uint64_t)rs + 8u >= c->in_size) {
        unlock(w);
        *out_tx = 0;
        return KMCLB_STATUS_INVALID_PARAMETER; /* could never fit */
    }
    fk_inpkt *p = (fk_inpkt *)calloc(1, sizeof(fk_inpkt));
    uint8_t *data = (uint8_t *)malloc((size_t)len + ext_len + 1u);
    if (p == NULL || data == NULL) {
        free(p);
        free(data);
        unlock(w);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (len) {
        memcpy(data, payload, len);
    }
    if (ext_len) {
        memcpy(data + len, ext, ext_len);
    }
    p->magic = FK_PKT_MAGIC;
    p->ch = c;
    p->tx = tx;
    p->completion_requested = completion_requested != 0;
    p->has_ext = has_ext != 0;
    p->len = len;
    p->ext_len = ext_len;
    p->ring_size = rs;
    p->data = data;
    p->outcome = FK_OUTCOME_PENDING;
    p->state = IN_PEERQ;
    p->all_next = c->all_in;
    c->all_in = p;
    if (c->pq_tail) {
        c->pq_tail->next = p;
    } else {
        c->pq_head = p;
    }
    c->pq_tail = p;
    c->pq_count++;
    pump_in(c);
    unlock(w);
    deliver(c);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_await_outcome(kc_vmbchannel h, uint64_t tx, int64_t timeout_ms, int *kind, void *buf,
                                uint32_t cap, uint32_t *out_len)
{
    fk_channel *c = chan(h);
    *kind = FK_OUTCOME_PENDING;
    *out_len = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *w = c->w;
    struct timespec dl = deadline_ms(timeout_ms);
    lock(w);
    for (;;) {
        fk_inpkt *prev = NULL;
        for (fk_inpkt *p = c->fin_head; p != NULL; prev = p, p = p->next) {
            if (p->tx == tx) {
                *kind = p->outcome;
                uint32_t n = p->clen < cap ? p->clen : cap;
                if (n > 0) {
                    memcpy(buf, p->cpayload, n);
                }
                *out_len = p->clen;
                kc_status st = p->clen > cap ? KMCLB_STATUS_BUFFER_TOO_SMALL : KMCLB_STATUS_SUCCESS;
                if (st == KMCLB_STATUS_SUCCESS) {
                    if (prev) {
                        prev->next = p->next;
                    } else {
                        c->fin_head = p->next;
                    }
                    if (c->fin_tail == p) {
                        c->fin_tail = prev;
                    }
                    c->fin_count--;
                    free_inpkt(c, p);
                }
                unlock(w);
                return st;
            }
        }
        int known = 0;
        for (fk_inpkt *p = c->all_in; p != NULL; p = p->all_next) {
            if (p->tx == tx) {
                known = 1;
                break;
            }
        }
        if (!known) {
            unlock(w);
            return KMCLB_STATUS_NOT_FOUND;
        }
        if (expired(&dl)) {
            break;
        }
        wait_until(w, &dl);
    }
    unlock(w);
    return KMCLB_STATUS_SUCCESS; /* PENDING */
}

static uint32_t rx_record(const fk_rx *r, uint8_t *dst, uint32_t room)
{
    uint64_t rs = KMCLB_RECORD_SIZE((uint64_t)r->len + r->ext_len);
    if (rs > room) {
        return 0;
    }
    kmclb_event e;
    memset(&e, 0, sizeof(e));
    e.kind = KMCLB_EV_PACKET;
    e.flags = (uint16_t)(r->completion_requested ? KMCLB_PF_COMPLETION_REQUESTED : 0);
    e.payload_length = r->len;
    e.id = r->tx;
    e.status = r->ring_type;
    e.aux = r->ext_len;
    memset(dst, 0, (size_t)rs);
    memcpy(dst, &e, sizeof(e));
    memcpy(dst + sizeof(e), r->data, (size_t)r->len + r->ext_len);
    return (uint32_t)rs;
}

/* A peer action on the channel (as the Java fake's peerTouch): a slow peer (RingFull fault)
 * catches up and the peer reads if it is reading (B112). Called without the lock. */
static void peer_touch(fk_channel *c)
{
    fk_calls calls = {0};
    lock(c->w);
    for (fk_outpkt *p = c->sq_head; p != NULL; p = p->next) {
        p->held_by_fault = 0;
    }
    pump_out(c, &calls);
    unlock(c->w);
    run_calls(c->w, &calls);
}

kc_status fk_peer_received(kc_vmbchannel h, void *buf, uint32_t cap, uint32_t *out_bytes, uint32_t *out_count)
{
    fk_channel *c = chan(h);
    *out_bytes = 0;
    *out_count = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_touch(c);
    lock(c->w);
    kc_status st = KMCLB_STATUS_SUCCESS;
    for (fk_rx *r = c->rx_head; r != NULL; r = r->next) {
        if (r->completed) {
            continue;
        }
        uint32_t n = rx_record(r, (uint8_t *)buf + *out_bytes, cap - *out_bytes);
        if (n == 0) {
            st = KMCLB_STATUS_BUFFER_OVERFLOW;
            break;
        }
        *out_bytes += n;
        (*out_count)++;
    }
    unlock(c->w);
    return st;
}

kc_status fk_peer_await_received(kc_vmbchannel h, int64_t timeout_ms, void *buf, uint32_t cap, uint32_t *out_bytes)
{
    fk_channel *c = chan(h);
    *out_bytes = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_touch(c);
    fk_world *w = c->w;
    struct timespec dl = deadline_ms(timeout_ms);
    lock(w);
    for (;;) {
        for (fk_rx *r = c->rx_head; r != NULL; r = r->next) {
            if (!r->consumed) {
                uint32_t n = rx_record(r, (uint8_t *)buf, cap);
                if (n == 0) {
                    unlock(w);
                    *out_bytes = (uint32_t)KMCLB_RECORD_SIZE((uint64_t)r->len + r->ext_len);
                    return KMCLB_STATUS_BUFFER_TOO_SMALL;
                }
                r->consumed = 1;
                *out_bytes = n;
                unlock(w);
                return KMCLB_STATUS_SUCCESS;
            }
        }
        if (expired(&dl)) {
            break;
        }
        wait_until(w, &dl);
    }
    unlock(w);
    return KMCLB_STATUS_TIMEOUT;
}

kc_status fk_peer_complete(kc_vmbchannel h, uint64_t tx, const void *payload, uint32_t len)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_delay(c);
    fk_world *w = c->w;
    fk_calls calls = {0};
    lock(w);
    kc_status st = KMCLB_STATUS_NOT_FOUND;
    for (fk_rx *r = c->rx_head; r != NULL; r = r->next) {
        if (r->tx == tx && !r->completed && r->owner != NULL) {
            r->completed = 1;
            fk_outpkt *p = r->owner;
            r->owner = NULL;
            finish_out(c, p, KMCLB_STATUS_SUCCESS, payload, len, &calls); /* B109 */
            st = KMCLB_STATUS_SUCCESS;
            break;
        }
    }
    for (fk_outpkt *p = c->sq_head; p != NULL; p = p->next) {
        p->held_by_fault = 0;
    }
    pump_out(c, &calls);
    unlock(w);
    run_calls(w, &calls);
    return st;
}

kc_status fk_peer_set_reading(kc_vmbchannel h, int reading)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_calls calls = {0};
    lock(c->w);
    c->reading = reading != 0;
    for (fk_outpkt *p = c->sq_head; p != NULL; p = p->next) {
        p->held_by_fault = 0;
    }
    pump_out(c, &calls);
    unlock(c->w);
    run_calls(c->w, &calls);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_ring_status(kc_vmbchannel h, uint32_t out[5])
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    lock(c->w);
    out[0] = c->in_size;
    out[1] = c->in_used;
    out[2] = c->out_size;
    out[3] = c->out_used;
    out[4] = c->pq_count;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_queue_stopped(kc_vmbchannel h, int *stopped)
{
    fk_channel *c = chan(h);
    *stopped = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    lock(c->w);
    *stopped = c->queue_stopped;
    unlock(c->w);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_inject(fk_world *w, kc_vmbchannel h, int kind, int64_t arg)
{
    fk_channel *c = chan(h);
    if (kind == FK_FAULT_PNP_FAILURE) {
        lock(w);
        w->pnp_fault_armed = 1;
        w->pnp_fault = (kc_status)arg;
        unlock(w);
        return KMCLB_STATUS_SUCCESS;
    }
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (arg < 0 || arg > 0x7FFFFFFF) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (kind == FK_FAULT_OFFER_BURST) {
        kc_guid type;
        lock(w);
        type = c->has_target ? c->target_type : c->device->type;
        unlock(w);
        for (int64_t i = 0; i < arg; i++) {
            kc_guid inst;
            lock(w);
            rand_guid(w, &inst);
            unlock(w);
            kc_status st = fk_peer_offer(w, &type, &inst, 0, 0, "burst offer", NULL, NULL);
            if (!KC_SUCCESS(st)) {
                return st;
            }
        }
        return KMCLB_STATUS_SUCCESS;
    }
    lock(w);
    kc_status st = KMCLB_STATUS_SUCCESS;
    switch (kind) {
    case FK_FAULT_DELAY:
        c->delay_ms = (uint32_t)arg;
        break;
    case FK_FAULT_RING_FULL:
        c->ring_full_fault += (uint32_t)arg;
        break;
    case FK_FAULT_MALFORMED_PACKET:
        c->malformed++;
        break;
    case FK_FAULT_OVERSIZED_PACKET:
        c->oversized++;
        break;
    case FK_FAULT_ALLOCATION_FAILURE:
        c->alloc_fail += (uint32_t)arg;
        break;
    default:
        st = KMCLB_STATUS_INVALID_PARAMETER;
    }
    unlock(w);
    return st;
}

kc_status fk_peer_map_gpadl(kc_vmbchannel h, uint32_t handle, int read_only, uint64_t *out_mapping)
{
    fk_channel *c = chan(h);
    *out_mapping = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *w = c->w;
    lock(w);
    fk_gpadl *g = find_gpadl(c, handle, 1);
    kc_status st = KMCLB_STATUS_SUCCESS;
    if (g == NULL) {
        st = KMCLB_STATUS_NOT_FOUND;
    } else if (c->conn != CONN_OPEN) {
        st = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else if (g->read_only && !read_only) {
        st = KMCLB_STATUS_ACCESS_DENIED;
    } else if (g->mapped) {
        st = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else {
        g->mapped = 1;
        g->mapping_id = ++w->next_mapping;
        *out_mapping = g->mapping_id;
    }
    unlock(w);
    return st;
}

/* lock held */
static fk_gpadl *find_mapping(fk_world *w, uint64_t id)
{
    for (fk_channel *c = w->channels; c != NULL; c = c->next) {
        for (fk_gpadl *g = c->gpadls; g != NULL; g = g->next) {
            if (g->ours && g->mapped && g->mapping_id == id) {
                return g;
            }
        }
    }
    return NULL;
}

static kc_status gpadl_copy(fk_gpadl *g, uint32_t offset, void *buf, uint32_t len, int write)
{
    if (g == NULL) {
        return KMCLB_STATUS_NOT_FOUND;
    }
    if ((uint64_t)offset + len > g->size) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (len > 0) {
        if (write) {
            memcpy(g->buf + offset, buf, len);
        } else {
            memcpy(buf, g->buf + offset, len);
        }
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_mapping_read(fk_world *w, uint64_t mapping, uint32_t offset, void *buf, uint32_t len)
{
    lock(w);
    kc_status st = gpadl_copy(find_mapping(w, mapping), offset, buf, len, 0);
    unlock(w);
    return st;
}

kc_status fk_mapping_write(fk_world *w, uint64_t mapping, uint32_t offset, const void *buf, uint32_t len)
{
    lock(w);
    kc_status st = gpadl_copy(find_mapping(w, mapping), offset, (void *)(uintptr_t)buf, len, 1);
    unlock(w);
    return st;
}

kc_status fk_mapping_close(fk_world *w, uint64_t mapping)
{
    lock(w);
    fk_gpadl *g = find_mapping(w, mapping);
    if (g != NULL) {
        g->mapped = 0;
        wake(w);
    }
    unlock(w);
    return g ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_NOT_FOUND;
}

kc_status fk_peer_create_gpadl(kc_vmbchannel h, uint32_t size, int read_only, uint32_t *out_handle)
{
    fk_channel *c = chan(h);
    *out_handle = 0;
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (size == 0 || size > KMCLB_MAX_GPADL_SIZE) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *w = c->w;
    lock(w);
    if (!c->server || c->conn != CONN_OPEN) {
        unlock(w);
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    fk_gpadl *g = (fk_gpadl *)calloc(1, sizeof(fk_gpadl));
    uint8_t *buf = (uint8_t *)calloc(1, size);
    if (g == NULL || buf == NULL) {
        free(g);
        free(buf);
        unlock(w);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    g->handle = ++w->next_gpadl;
    g->ours = 0;
    g->read_only = read_only != 0;
    g->buf = buf;
    g->size = size;
    g->next = c->gpadls;
    c->gpadls = g;
    *out_handle = g->handle;
    unlock(w);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_read_gpadl(kc_vmbchannel h, uint32_t handle, uint32_t offset, void *buf, uint32_t len)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    lock(c->w);
    kc_status st = gpadl_copy(find_gpadl(c, handle, 0), offset, buf, len, 0);
    unlock(c->w);
    return st;
}

kc_status fk_peer_write_gpadl(kc_vmbchannel h, uint32_t handle, uint32_t offset, const void *buf, uint32_t len)
{
    fk_channel *c = chan(h);
    if (c == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    lock(c->w);
    kc_status st = gpadl_copy(find_gpadl(c, handle, 0), offset, (void *)(uintptr_t)buf, len, 1);
    unlock(c->w);
    return st;
}
