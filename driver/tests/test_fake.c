/* The C fake of KMCL, driven directly through its kc_kmcl_ops table with a recording driver. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "test_host.h"
#include "fake_defaults.h"

typedef struct rec {
    char log[2048];
    kc_vmbcompletion pkts[64];
    uint8_t irql[64];
    int npkts;
    uint32_t batches[16];
    int nbatches;
    int defer_next;
    int complete_inline;
    kc_status opened_status;
    int sends_done;
    kc_status send_status;
    char send_payload[64];
} rec;

static const kc_kmcl_ops *o;
static fk_world *w;

static void logf_(rec *r, const char *s)
{
    strncat(r->log, s, sizeof(r->log) - strlen(r->log) - 1);
}

static kc_status ev_opened(void *c)
{
    logf_(c, "O");
    return ((rec *)c)->opened_status;
}
static void ev_closed(void *c)
{
    logf_(c, "C");
}
static void ev_suspend(void *c)
{
    logf_(c, "S");
}
static void ev_started(void *c)
{
    logf_(c, "T");
}
static void ev_post(void *c)
{
    logf_(c, "P");
}
static void ev_packet(void *c, kc_vmbcompletion p, const void *buf, uint32_t len, uint32_t flags)
{
    rec *r = c;
    (void)buf;
    (void)len;
    (void)flags;
    logf_(r, "p");
    if (r->defer_next) {
        r->defer_next = 0;
        o->packet_defer_to_passive(p);
        r->irql[r->npkts] = fk_current_irql();
        return;
    }
    if (r->npkts < 64) {
        r->irql[r->npkts] = fk_current_irql();
        r->pkts[r->npkts++] = p;
    }
    if (r->complete_inline) {
        o->packet_complete(p, NULL, 0);
    }
}
static void ev_batch(void *c, uint32_t n)
{
    rec *r = c;
    logf_(r, "B");
    if (r->nbatches < 16) {
        r->batches[r->nbatches++] = n;
    }
}
static void ev_send_done(void *c, kc_status st, const void *buf, uint32_t len)
{
    rec *r = c;
    r->sends_done++;
    r->send_status = st;
    memset(r->send_payload, 0, sizeof(r->send_payload));
    if (buf && len < sizeof(r->send_payload)) {
        memcpy(r->send_payload, buf, len);
    }
}

static kc_vmbchannel setup(void *device, int server, rec *r)
{
    kc_vmbchannel ch;
    memset(r, 0, sizeof(*r));
    CHECK_ST(o->channel_allocate(device, server, &ch), 0);
    o->set_pointer(ch, r);
    kc_state_callbacks cb = {1, 48, ev_opened, ev_closed, ev_suspend, ev_started, ev_post};
    CHECK_ST(o->init_set_state_change_callbacks(ch, &cb), 0);
    CHECK_ST(o->init_set_process_packet_callbacks(ch, ev_packet, ev_batch), 0);
    return ch;
}

static void teardown(kc_vmbchannel ch)
{
    o->disable(ch);
    o->channel_cleanup(ch);
}

/* The peer keeps the outcomes of the newest PEER_OUTCOMES_KEPT packets of a channel and forgets
 * older ones (bounded memory on a channel that runs for ever); an outcome asked for again is still
 * there, and the newest and the oldest kept are found (the lookup is hashed by transaction). */
static void test_peer_outcomes_are_bounded_and_stay_readable(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    r.complete_inline = 1;
    CHECK_ST(o->enable(ch), 0);
    const uint64_t extra = 100;
    uint64_t first = 0, oldest_kept = 0, last = 0;
    for (uint64_t i = 0; i < FAKE_DEFAULT_PEER_OUTCOMES_KEPT + extra; i++) {
        CHECK_ST(fk_peer_send(ch, "z", 1, 0, NULL, 0, 0, &last), 0);
        if (i == 0) {
            first = last;
        } else if (i == extra) {
            oldest_kept = last;
        }
    }
    int kind = -1;
    uint32_t len = 0;
    CHECK_ST(fk_peer_await_outcome(ch, first, 0, &kind, NULL, 0, &len), 0);
    CHECK(kind == FK_OUTCOME_PENDING); /* forgotten */
    for (int again = 0; again < 2; again++) {
        CHECK_ST(fk_peer_await_outcome(ch, oldest_kept, 0, &kind, NULL, 0, &len), 0);
        CHECK(kind == FK_OUTCOME_COMPLETED);
        CHECK_ST(fk_peer_await_outcome(ch, last, 0, &kind, NULL, 0, &len), 0);
        CHECK(kind == FK_OUTCOME_COMPLETED);
    }
    teardown(ch);
}

static void test_init_statuses(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->init_set_maximum_packet_size(ch, 0), KMCLB_STATUS_INVALID_PARAMETER_2);  /* B16 */
    CHECK_ST(o->init_set_maximum_external_data(ch, 0, 0), KMCLB_STATUS_INVALID_PARAMETER_2); /* B20 */
    CHECK_ST(o->init_set_maximum_external_data(ch, 4096, 0), KMCLB_STATUS_INVALID_PARAMETER_3); /* B19 */
    CHECK_ST(o->init_set_maximum_external_data(ch, 4096, 4), 0);
    CHECK_ST(o->init_set_flags(ch, 2), KMCLB_STATUS_INVALID_PARAMETER_2); /* B25 */
    CHECK_ST(o->init_set_flags(ch, 1), 0);
    kc_state_callbacks bad = {2, 48, NULL, NULL, NULL, NULL, NULL};
    CHECK_ST(o->init_set_state_change_callbacks(ch, &bad), KMCLB_STATUS_INVALID_PARAMETER_2); /* B22 */
    bad.version = 1;
    bad.size = 40;
    CHECK_ST(o->init_set_state_change_callbacks(ch, &bad), KMCLB_STATUS_INVALID_PARAMETER_2);
    CHECK_ST(o->server_init_set_flags(ch, 1), KMCLB_STATUS_INVALID_DEVICE_REQUEST); /* client channel (Q17) */
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, 2, 2), 0);
    CHECK_ST(o->init_set_maximum_packet_size(NULL, 10), KMCLB_STATUS_INVALID_PARAMETER_1); /* B14 */
    CHECK_ST(o->enable(ch), 0);
    CHECK_ST(o->enable(ch), KMCLB_STATUS_INVALID_DEVICE_STATE);
    CHECK_ST(o->init_set_maximum_packet_size(ch, 100), KMCLB_STATUS_INVALID_PARAMETER_1); /* B15/B17 */
    teardown(ch);

    kc_vmbchannel sv = setup(dev, 1, &r);
    CHECK_ST(o->client_init_set_ring_buffer_page_count(sv, 2, 2), KMCLB_STATUS_INVALID_DEVICE_REQUEST); /* B29, Q17 */
    CHECK_ST(o->server_init_set_flags(sv, 0x20), KMCLB_STATUS_INVALID_PARAMETER_2); /* B26 */
    CHECK_ST(o->server_init_set_flags(sv, 0x1F), 0);
    CHECK_ST(o->server_init_set_mmio_megabytes(sv, 0, 0), KMCLB_STATUS_INVALID_PARAMETER); /* B32 */
    CHECK_ST(o->server_init_set_target_vtl(sv, 3), KMCLB_STATUS_INVALID_PARAMETER_2); /* B33 */
    CHECK_ST(o->server_init_set_target_vtl(sv, 0), 0);
    o->channel_cleanup(sv);
    CHECK(fk_violations(w) == 0);
}

static void test_ordering_and_batches(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->enable(ch), 0);
    CHECK(strcmp(r.log, "OTP") == 0); /* B40, B43, B45 */
    uint64_t tx;
    for (int i = 0; i < 3; i++) {
        CHECK_ST(fk_peer_send(ch, "x", 1, 0, NULL, 0, 0, &tx), 0);
    }
    /* each send drains at once: batch of 1 each */
    CHECK(r.npkts == 3 && r.nbatches == 3 && r.batches[0] == 1);
    CHECK(r.irql[0] == 2 || r.irql[0] == 0); /* seeded DISPATCH/PASSIVE mix by default (B59, B61) */
    /* quota 2: third packet waits until one completes (B80, B82) */
    o->set_transaction_quota(ch, 2);
    o->packet_complete(r.pkts[0], NULL, 0);
    o->packet_complete(r.pkts[1], NULL, 0);
    o->packet_complete(r.pkts[2], NULL, 0);
    r.npkts = 0;
    r.nbatches = 0;
    o->pause(ch);
    for (int i = 0; i < 5; i++) {
        CHECK_ST(fk_peer_send(ch, "y", 1, 0, NULL, 0, 0, &tx), 0);
    }
    CHECK(r.npkts == 0); /* B90 */
    o->start(ch);
    CHECK(r.npkts == 2 && r.nbatches == 1 && r.batches[0] == 2); /* quota ends the batch (B69) */
    o->set_transaction_quota(ch, 10);
    CHECK(r.npkts == 2); /* B82: raising the quota alone does not resume */
    o->packet_complete(r.pkts[0], NULL, 0);
    CHECK(r.npkts == 5 && r.nbatches == 2 && r.batches[1] == 3);
    /* double completion is a contract violation, not a crash (Q5) */
    uint64_t v = fk_violations(w);
    o->packet_complete(r.pkts[0], NULL, 0);
    CHECK(fk_violations(w) == v + 1);
    for (int i = 1; i < 5; i++) {
        o->packet_complete(r.pkts[i], NULL, 0);
    }
    /* defer: redelivered at PASSIVE (B70) */
    r.npkts = 0;
    r.defer_next = 1;
    CHECK_ST(fk_peer_send(ch, "z", 1, 0, NULL, 0, 0, &tx), 0);
    CHECK(r.npkts == 1 && r.irql[0] == 0);
    o->packet_complete(r.pkts[0], NULL, 0);
    /* defer outside ProcessPacket is a violation (B72) */
    r.npkts = 0;
    CHECK_ST(fk_peer_send(ch, "q", 1, 0, NULL, 0, 0, &tx), 0);
    v = fk_violations(w);
    o->packet_defer_to_passive(r.pkts[0]);
    CHECK(fk_violations(w) == v + 1);
    /* fail stops the queue, no batch end after a fail (Q22) */
    int nb = r.nbatches;
    o->packet_fail(r.pkts[0]);
    CHECK_ST(fk_peer_send(ch, "after", 5, 0, NULL, 0, 0, &tx), 0);
    CHECK(r.npkts == 1 && r.nbatches == nb);
    uint32_t rs[5];
    CHECK_ST(fk_peer_ring_status(ch, rs), 0);
    CHECK(rs[1] == fk_ring_size(5, 0, 0)); /* B74: stays in the ring */
    teardown(ch);
    /* disable cleared the stop; re-enable re-runs bring-up (B101) */
    memset(r.log, 0, sizeof(r.log));
    kc_vmbchannel c2 = setup(dev, 0, &r);
    r.opened_status = KMCLB_STATUS_UNSUCCESSFUL;
    CHECK_ST(o->enable(c2), 0);
    CHECK(strcmp(r.log, "O") == 0); /* B41: no Started after a failed Opened */
    teardown(c2);
}

static void test_ring_framing(void *dev)
{
    CHECK(fk_ring_size(100, 0, 0) == 128); /* 16 + 104 + 8 */
    CHECK(fk_ring_size(0, 0, 0) == 24);
    CHECK(fk_ring_size(8, 4096, 1) == 16 + 8 + 8 + 8 + 8 + 8);
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, 1, 1), 0); /* 4096-byte data areas */
    CHECK_ST(o->init_set_maximum_packet_size(ch, 8192), 0);
    CHECK_ST(o->enable(ch), 0);
    CHECK_ST(fk_peer_set_reading(ch, 0), 0);
    /* 4096 / 128 = 32 packets would fill it exactly; a ring is never filled completely: 31 fit */
    int queued_at = -1;
    kc_vmbpacket pk[40];
    for (int i = 0; i < 33; i++) {
        pk[i] = o->packet_allocate(ch);
        o->packet_set_pointer(pk[i], &r);
        o->packet_set_completion_routine(pk[i], ev_send_done);
        uint8_t payload[100] = {0};
        CHECK_ST(o->packet_send(pk[i], payload, 100, 0), 0);
        kc_ring_info ri;
        o->query_ring(ch, &ri);
        if (queued_at < 0 && ri.queued_outgoing > 0) {
            queued_at = i;
        }
    }
    CHECK(queued_at == 31);
    CHECK(r.sends_done == 31 && r.send_status == 0); /* done once in the ring (B108) */
    kc_ring_info ri;
    o->query_ring(ch, &ri);
    CHECK(ri.outgoing_free == 4096 - 31 * 128 && ri.ring_full_events == 2 && ri.queued_outgoing == 2);
    /* packet that can never fit */
    kc_vmbpacket big = o->packet_allocate(ch);
    uint8_t huge[4096] = {0};
    CHECK_ST(o->packet_send(big, huge, 4096 - 24 - 8 + 1, 0), KMCLB_STATUS_INVALID_PARAMETER);
    o->packet_free(big);
    /* zero-timeout synchronous request that does not fit: BUFFER_OVERFLOW, not queued (B129) */
    int64_t zero = 0;
    uint32_t cs = 8;
    uint8_t cb[8];
    CHECK_ST(o->send_synchronous_request(ch, "s", 1, NULL, 0, 0, cb, &cs, &zero), KMCLB_STATUS_BUFFER_OVERFLOW);
    cs = 7;
    CHECK_ST(o->send_synchronous_request(ch, "s", 1, NULL, 0, 0, cb, &cs, &zero), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(fk_peer_set_reading(ch, 1), 0);
    CHECK(r.sends_done == 33);
    /* external data needs WAIT_FOR_COMPLETION (B115) */
    CHECK_ST(o->packet_send_with_external_mdl(pk[0], "a", 1, "ext", 3, 0), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(o->packet_send_with_external_mdl(pk[0], "a", 1, "ext", 3, 1), 0);
    uint8_t recb[512];
    uint32_t n;
    for (int i = 0; i < 34; i++) {
        CHECK_ST(fk_peer_await_received(ch, 100, recb, sizeof(recb), &n), 0);
    }
    kmclb_event pe;
    memcpy(&pe, recb, 24);
    CHECK(pe.status == 9 && pe.aux == 3 && (pe.flags & KMCLB_PF_COMPLETION_REQUESTED));
    CHECK_ST(fk_peer_complete(ch, pe.id, "done", 4), 0);
    CHECK(r.sends_done == 34 && strcmp(r.send_payload, "done") == 0); /* B109 */
    for (int i = 0; i < 33; i++) {
        o->packet_free(pk[i]);
    }
    teardown(ch);
}

typedef struct {
    kc_vmbchannel ch;
    kc_vmbcompletion p;
    int delay_ms;
    int what;
    uint64_t mapping;
    int completion_requested; /* what == 3: the flag the peer saw on the request */
} helper;

static void *helper_thread(void *a)
{
    helper *h = a;
    struct timespec ts = {0, h->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    if (h->what == 0) {
        o->packet_complete(h->p, NULL, 0);
    } else if (h->what == 1) {
        fk_mapping_close(w, h->mapping);
    } else if (h->what == 3) {
        uint8_t buf[256];
        uint32_t n;
        if (fk_peer_await_received(h->ch, 1000, buf, sizeof(buf), &n) == 0) {
            kmclb_event e;
            memcpy(&e, buf, 24);
            h->completion_requested = (e.flags & KMCLB_PF_COMPLETION_REQUESTED) != 0;
            if (h->completion_requested) {
                fk_peer_complete(h->ch, e.id, "reply!!!", 8);
            }
        }
    } else {
        uint8_t buf[256];
        uint32_t n;
        if (fk_peer_await_received(h->ch, 1000, buf, sizeof(buf), &n) == 0) {
            kmclb_event e;
            memcpy(&e, buf, 24);
            fk_peer_complete(h->ch, e.id, "answer!!", 8);
        }
    }
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_blocking(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->enable(ch), 0);
    uint64_t tx;
    CHECK_ST(fk_peer_send(ch, "x", 1, 0, NULL, 0, 0, &tx), 0);
    /* Pause blocks until the delivered packet is completed from another thread (B87) */
    helper h = {ch, r.pkts[0], 50, 0, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, helper_thread, &h);
    double t0 = now_ms();
    o->pause(ch);
    double dt = now_ms() - t0;
    pthread_join(t, NULL);
    CHECK(dt >= 40);
    CHECK(strstr(r.log, "S") != NULL);
    o->start(ch);
    /* synchronous request answered by the peer (B127) */
    h.what = 2;
    h.delay_ms = 0;
    pthread_create(&t, NULL, helper_thread, &h);
    uint8_t cb[16];
    uint32_t cs = 16;
    CHECK_ST(o->send_synchronous_request(ch, "question", 8, NULL, 0, 1, cb, &cs, NULL), 0);
    pthread_join(t, NULL);
    CHECK(cs == 8 && memcmp(cb, "answer!!", 8) == 0);
    /* timeout -> CANCELLED (B128) */
    int64_t rel = -200000; /* 20 ms */
    cs = 16;
    CHECK_ST(o->send_synchronous_request(ch, "nobody", 6, NULL, 0, 1, cb, &cs, &rel), KMCLB_STATUS_CANCELLED);
    /* DeleteGpadl blocks while the host has it mapped (B142) */
    static _Alignas(4096) uint8_t gbuf[4096]; /* GPADL buffers own whole pages */
    uint32_t gh;
    CHECK_ST(o->create_gpadl_from_buffer(ch, 0, gbuf, sizeof(gbuf), &gh), 0);
    CHECK_ST(fk_peer_map_gpadl(ch, gh, 0, &h.mapping), 0);
    uint64_t second = 0;
    CHECK_ST(fk_peer_map_gpadl(ch, gh, 0, &second), KMCLB_STATUS_INVALID_DEVICE_STATE); /* one mapping at a time */
    h.what = 1;
    h.delay_ms = 50;
    pthread_create(&t, NULL, helper_thread, &h);
    t0 = now_ms();
    o->delete_gpadl(ch, gh);
    dt = now_ms() - t0;
    pthread_join(t, NULL);
    CHECK(dt >= 40);
    /* host rescind: Suspend + Closed, client Disabled; sync request now DEVICE_REMOVED (B130) */
    memset(r.log, 0, sizeof(r.log));
    CHECK_ST(fk_peer_close(ch), 0);
    CHECK(strcmp(r.log, "SC") == 0);
    cs = 16;
    CHECK_ST(o->send_synchronous_request(ch, "late", 4, NULL, 0, 1, cb, &cs, NULL), KMCLB_STATUS_DEVICE_REMOVED);
    teardown(ch);
}

/* A synchronous request on a client asks the peer for a completion and waits for it whatever
 * WAIT_FOR_COMPLETION says (docs/fake-choices.md, as the Java fake); only the zero-timeout form
 * without the flag goes out without one (B129, B132). */
static void test_sync_request_without_wait_flag_waits_for_the_reply_b127(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->enable(ch), 0);
    int64_t relative = -10000000; /* 1 s */
    const int64_t *timeouts[2] = {NULL, &relative};
    for (int i = 0; i < 2; i++) {
        helper h = {ch, NULL, 0, 3, 0, -1};
        pthread_t t;
        pthread_create(&t, NULL, helper_thread, &h);
        uint8_t cb[16];
        uint32_t cs = 16;
        CHECK_ST(o->send_synchronous_request(ch, "question", 8, NULL, 0, 0, cb, &cs, timeouts[i]), 0);
        pthread_join(t, NULL);
        CHECK(h.completion_requested == 1);
        CHECK(cs == 8 && memcmp(cb, "reply!!!", 8) == 0);
    }
    helper h = {ch, NULL, 0, 3, 0, -1};
    pthread_t t;
    pthread_create(&t, NULL, helper_thread, &h);
    int64_t zero = 0;
    uint8_t cb[16];
    uint32_t cs = 16;
    CHECK_ST(o->send_synchronous_request(ch, "notice", 6, NULL, 0, 0, cb, &cs, &zero), 0);
    pthread_join(t, NULL);
    CHECK(h.completion_requested == 0 && cs == 0);
    teardown(ch);
}

static void test_server_pause_before_enable(void *dev)
{
    rec r;
    kc_vmbchannel sv = setup(dev, 1, &r);
    CHECK_ST(fk_peer_open(sv), KMCLB_STATUS_INVALID_DEVICE_STATE); /* no offer before Enable */
    CHECK_ST(o->enable(sv), 0);
    CHECK_ST(fk_peer_open(sv), 0);
    CHECK(strcmp(r.log, "O") == 0); /* B44 */
    o->start(sv);
    CHECK(strcmp(r.log, "OTP") == 0);
    CHECK_ST(fk_peer_close(sv), 0);
    CHECK(strcmp(r.log, "OTPSC") == 0);
    CHECK_ST(fk_peer_open(sv), 0);
    CHECK(strcmp(r.log, "OTPSCOTP") == 0); /* B51 */
    teardown(sv);
    /* client paused before Enable comes up paused (B88) */
    kc_vmbchannel ch = setup(dev, 0, &r);
    o->pause(ch);
    CHECK_ST(o->enable(ch), 0);
    CHECK(strcmp(r.log, "O") == 0);
    o->start(ch);
    CHECK(strcmp(r.log, "OTP") == 0);
    uint16_t orig = 99;
    CHECK_ST(o->set_interrupt_latency(ch, 5, &orig), 0);
    CHECK(orig == 0);
    teardown(ch);
    CHECK_ST(o->set_interrupt_latency(ch = setup(dev, 0, &r), 5, &orig), KMCLB_STATUS_INVALID_DEVICE_STATE); /* B53 */
    o->channel_cleanup(ch);
    /* cleanup of an enabled channel is a violation (B35) and does nothing */
    ch = setup(dev, 0, &r);
    o->enable(ch);
    uint64_t v = fk_violations(w);
    o->channel_cleanup(ch);
    CHECK(fk_violations(w) == v + 1);
    teardown(ch);
}

static void test_faults(void *dev)
{
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    CHECK_ST(o->enable(ch), 0);
    CHECK_ST(fk_peer_inject(w, ch, FK_FAULT_ALLOCATION_FAILURE, 1), 0);
    CHECK(o->packet_allocate(ch) == NULL); /* B102 */
    kc_vmbpacket p = o->packet_allocate(ch);
    CHECK(p != NULL);
    o->packet_free(p);
    CHECK_ST(fk_peer_inject(w, ch, FK_FAULT_MALFORMED_PACKET, 0), 0);
    uint64_t tx;
    CHECK_ST(fk_peer_send(ch, "bad", 3, 0, NULL, 0, 0, &tx), 0);
    CHECK(r.npkts == 0);
    CHECK_ST(fk_peer_send(ch, "good", 4, 0, NULL, 0, 0, &tx), 0);
    CHECK(r.npkts == 1);
    o->packet_complete(r.pkts[0], NULL, 0);
    teardown(ch);
}

/* ProcessPacket that keeps every packet (for counts above the 64 a rec holds) */
static kc_vmbcompletion held_packets[5000];
static int held_count;
static void ev_hold(void *c, kc_vmbcompletion p, const void *buf, uint32_t len, uint32_t flags)
{
    (void)c;
    (void)buf;
    (void)len;
    (void)flags;
    if (held_count < 5000) {
        held_packets[held_count++] = p;
    }
}

/* the defaults and limits of fake_defaults.h, as the driver sees them */
static void test_defaults(void *dev)
{
    uint64_t violations = fk_violations(w);
    rec r;
    kc_vmbchannel ch = setup(dev, 0, &r);
    /* B122/B124: an outgoing packet object is larger than the maximum packet size + sizeof(PVOID) */
    CHECK(o->sizeof_packet(ch) == FAKE_DEFAULT_PACKET_OBJECT_OVERHEAD + FAKE_DEFAULT_MAXIMUM_PACKET_SIZE + 8);
    CHECK_ST(o->init_set_maximum_packet_size(ch, 4095), 0);
    CHECK(o->sizeof_packet(ch) == FAKE_DEFAULT_PACKET_OBJECT_OVERHEAD + 4096 + 8);
    CHECK_ST(o->init_set_client_context_size(ch, 64), 0);
    CHECK(o->sizeof_packet(ch) == FAKE_DEFAULT_PACKET_OBJECT_OVERHEAD + 4096 + 8); /* context is per incoming packet */
    /* ring pages: 0 is _2/_3, more than the maximum is INSUFFICIENT_RESOURCES (Q17) */
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, 0, 4), KMCLB_STATUS_INVALID_PARAMETER_2);
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, 4, 0), KMCLB_STATUS_INVALID_PARAMETER_3);
    uint32_t too_many = (uint32_t)FAKE_DEFAULT_MAXIMUM_RING_PAGES + 1;
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, too_many, 4), KMCLB_STATUS_INSUFFICIENT_RESOURCES);
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, 4, too_many), KMCLB_STATUS_INSUFFICIENT_RESOURCES);
    CHECK_ST(o->client_init_set_ring_buffer_page_count(ch, (uint32_t)FAKE_DEFAULT_MAXIMUM_RING_PAGES, 4), 0);
    CHECK_ST(o->init_set_maximum_external_data(ch, 4096, 1), 0);
    static _Alignas(4096) uint8_t gbuf[4096]; /* GPADL buffers own whole pages */
    uint32_t gh;
    CHECK_ST(o->create_gpadl_from_buffer(ch, 0, gbuf, sizeof(gbuf), &gh), KMCLB_STATUS_INVALID_DEVICE_STATE); /* not open */
    CHECK_ST(o->enable(ch), 0);
    /* the first SetInterruptLatency returns the default */
    uint16_t orig = 99;
    CHECK_ST(o->set_interrupt_latency(ch, 5, &orig), 0);
    CHECK(orig == FAKE_DEFAULT_INTERRUPT_LATENCY_100NS);
    /* external data above the maximum fails the send; the peer's is dropped by our reader */
    static uint8_t ext[4097];
    kc_vmbpacket pk = o->packet_allocate(ch);
    CHECK_ST(o->packet_send_with_external_mdl(pk, "a", 1, ext, 4097, 1), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(o->packet_send_with_external_pfns(pk, "a", 1, ext, 4097, 1), KMCLB_STATUS_INVALID_PARAMETER);
    o->packet_free(pk);
    uint64_t tx;
    CHECK_ST(fk_peer_send(ch, "b", 1, 0, ext, 4097, 1, &tx), 0);
    CHECK(r.npkts == 0);
    CHECK_ST(fk_peer_send(ch, "c", 1, 0, ext, 4096, 1, &tx), 0);
    CHECK(r.npkts == 1);
    o->packet_complete(r.pkts[0], NULL, 0);
    teardown(ch);

    /* the default quota holds exactly that many packets delivered and not completed */
    kc_vmbchannel q;
    CHECK_ST(o->channel_allocate(dev, 0, &q), 0);
    CHECK_ST(o->init_set_process_packet_callbacks(q, ev_hold, NULL), 0);
    CHECK_ST(o->enable(q), 0);
    held_count = 0;
    int sent = (int)FAKE_DEFAULT_TRANSACTION_QUOTA + 100;
    for (int i = 0; i < sent; i++) {
        CHECK_ST(fk_peer_send(q, "h", 1, 0, NULL, 0, 0, &tx), 0);
    }
    CHECK(held_count == (int)FAKE_DEFAULT_TRANSACTION_QUOTA);
    for (int i = 0; i < (int)FAKE_DEFAULT_TRANSACTION_QUOTA; i++) {
        o->packet_complete(held_packets[i], NULL, 0); /* frees the quota: the rest arrive meanwhile */
    }
    CHECK(held_count == sent);
    for (int i = (int)FAKE_DEFAULT_TRANSACTION_QUOTA; i < held_count; i++) {
        o->packet_complete(held_packets[i], NULL, 0);
    }
    teardown(q);

    /* server: no GPADL of its own; MMIO ranges of two servers are disjoint and include the optional part */
    kc_vmbchannel s1 = setup(dev, 1, &r), s2;
    rec r2;
    s2 = setup(dev, 1, &r2);
    CHECK_ST(o->server_init_set_mmio_megabytes(s1, 2, 1), 0);
    CHECK_ST(o->server_init_set_mmio_megabytes(s2, 2, 0), 0);
    CHECK_ST(o->client_init_set_target_pnp(s1, NULL, NULL, NULL), KMCLB_STATUS_INVALID_DEVICE_REQUEST);
    CHECK_ST(o->enable(s1), 0);
    CHECK_ST(o->enable(s2), 0);
    CHECK_ST(fk_peer_open(s1), 0);
    CHECK_ST(fk_peer_open(s2), 0);
    uint64_t a1, n1, a2, n2;
    o->get_mmio_space(s1, &a1, &n1);
    o->get_mmio_space(s2, &a2, &n2);
    CHECK(n1 == 3u << 20 && n2 == 2u << 20);
    CHECK(a1 >= FAKE_DEFAULT_MMIO_BASE && a2 >= FAKE_DEFAULT_MMIO_BASE && (a1 + n1 <= a2 || a2 + n2 <= a1));
    CHECK_ST(o->create_gpadl_from_buffer(s1, 0, gbuf, sizeof(gbuf), &gh), KMCLB_STATUS_INVALID_DEVICE_REQUEST);
    void *addr;
    void *mapping;
    uint32_t size;
    CHECK_ST(o->map_gpadl(s1, 0, 12345, &addr, &size, &mapping), KMCLB_STATUS_INVALID_PARAMETER); /* unknown handle */
    CHECK_ST(o->map_gpadl(s1, 2, 12345, &addr, &size, &mapping), KMCLB_STATUS_INVALID_PARAMETER); /* unknown flag */
    teardown(s1);
    teardown(s2);
    CHECK(fk_violations(w) == violations);
}

int main(void)
{
    th_machine *m = th_create();
    o = fk_ops();
    w = m->world;
    kc_guid t, i;
    memset(&t, 0x11, 16);
    memset(&i, 0x22, 16);
    void *dev;
    CHECK_ST(fk_peer_offer(w, &t, &i, 0, 0, "fake test", NULL, &dev), 0);
    test_init_statuses(dev);
    test_ordering_and_batches(dev);
    test_ring_framing(dev);
    test_blocking(dev);
    /* the rescind in test_blocking consumed the offer: offer again for the rest */
    CHECK_ST(fk_peer_offer(w, &t, &i, 0, 0, "fake test 2", NULL, &dev), 0);
    test_server_pause_before_enable(dev);
    test_faults(dev);
    test_defaults(dev);
    test_peer_outcomes_are_bounded_and_stay_readable(dev);
    test_sync_request_without_wait_flag_waits_for_the_reply_b127(dev);
    th_destroy(m);
    TEST_MAIN_END();
}
