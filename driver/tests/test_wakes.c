/* test_wakes.c - when incoming packets wake a parked receive: once per KMCL batch, at its end
 * (ProcessingComplete, B67), with the whole batch; once per packet on a channel without batch ends
 * (B27); and never lost when a batch ends without ProcessingComplete (a packet the core had to
 * fail, Q22). Every receive here is bounded: a lost wake fails a check after WAKE_BOUND_MS instead
 * of hanging. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include "test_host.h"

#define WAKE_BOUND_MS 3000
#define BATCH 8

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A receive on its own thread that parks and ends when records arrive, or is cancelled after
 * WAKE_BOUND_MS. */
typedef struct bounded_receive {
    th_machine *m;
    kc_session *s;
    uint64_t ch;
    kc_status st;
    kmclb_receive_out h;
    uint8_t buf[4096];
    pthread_t thread;
} bounded_receive;

static void *bounded_receive_thread(void *arg)
{
    bounded_receive *r = (bounded_receive *)arg;
    r->st = th_receive(r->s, r->m, r->ch, r->buf, sizeof(r->buf), WAKE_BOUND_MS, &r->h);
    return NULL;
}

/* starts the receive and returns once the core has parked it (bounded, on observable state) */
static void park(bounded_receive *r, th_machine *m, kc_session *s, uint64_t ch)
{
    memset(r, 0, sizeof(*r));
    r->m = m;
    r->s = s;
    r->ch = ch;
    if (pthread_create(&r->thread, NULL, bounded_receive_thread, r) != 0) {
        abort();
    }
    for (int i = 0; i < 10000 && posix_host_parked_requests(m->host) == 0; i++) {
        sleep_ms(1);
    }
    CHECK(posix_host_parked_requests(m->host) == 1);
}

/* the kinds of the records the receive returned, in order; returns how many */
static uint32_t record_kinds(const bounded_receive *r, uint16_t *kinds, kmclb_event *last, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t at = 0; at + sizeof(kmclb_event) <= r->h.bytes && n < max; n++) {
        kmclb_event e;
        memcpy(&e, r->buf + at, sizeof(e));
        kinds[n] = e.kind;
        *last = e;
        at += (uint32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
    }
    return n;
}

/* the peer's packets land in the ring, one delivery run: BATCH ProcessPacket calls, then one
 * ProcessingComplete */
static void peer_sends_batch(kc_vmbchannel k)
{
    static const char payloads[BATCH] = "abcdefgh";
    uint32_t lengths[BATCH];
    uint64_t txs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        lengths[i] = 1;
    }
    uint32_t sent = 0;
    CHECK_ST(fk_peer_send_batch(k, payloads, lengths, BATCH, 0, txs, &sent), 0);
    CHECK(sent == BATCH);
}

static uint64_t open_active_channel(th_machine *m, kc_session *s, uint64_t ep)
{
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_POST_STARTED);
    return ch;
}

/* completes every packet the receive returned */
static void complete_all(th_machine *m, kc_session *s, const bounded_receive *r)
{
    for (uint32_t at = 0; at + sizeof(kmclb_event) <= r->h.bytes;) {
        kmclb_event e;
        memcpy(&e, r->buf + at, sizeof(e));
        at += (uint32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
        if (e.kind == KMCLB_EV_PACKET) {
            CHECK_ST(th_complete(s, m, e.id, NULL, 0), 0);
        }
    }
}

/* One wake per batch (B67): the receive parked before the peer's batch ends once, with all of its
 * packets and its batch end. Woken per packet it would return the first packet alone. */
static void test_a_parked_receive_wakes_once_per_batch_with_the_whole_batch_b67(th_machine *m, uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(m, s, ep);
    bounded_receive r;
    park(&r, m, s, ch);
    peer_sends_batch(th_kch(m, ch));
    pthread_join(r.thread, NULL);
    CHECK_ST(r.st, 0);
    uint16_t kinds[2 * BATCH];
    kmclb_event last;
    memset(&last, 0, sizeof(last));
    uint32_t n = record_kinds(&r, kinds, &last, 2 * BATCH);
    CHECK(n == BATCH + 1);
    for (uint32_t i = 0; i + 1 < n; i++) {
        CHECK(kinds[i] == KMCLB_EV_PACKET);
    }
    CHECK(last.kind == KMCLB_EV_PROCESSING_COMPLETE && last.aux == BATCH);
    complete_all(m, s, &r);
    th_close_session(s, m);
}

/* B27: a channel registered without ProcessingComplete gets no batch end, so each packet wakes a
 * parked receive at once; waiting for a batch end there would leave it parked to its bound. */
static void test_without_batch_ends_a_packet_wakes_a_parked_receive_at_once_b27(th_machine *m, uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = 0;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    kmclb_configure_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.config.present = KMCLB_CFG_PROCESSING_COMPLETE;
    in.config.processing_complete = 0;
    kmclb_configure_out out;
    memset(&out, 0, sizeof(out));
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CONFIGURE, &in, sizeof(in), &out, sizeof(out), NULL, -1), 0);
    CHECK_ST(out.status, 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_POST_STARTED);
    bounded_receive r;
    park(&r, m, s, ch);
    uint64_t tx = 0;
    CHECK_ST(fk_peer_send(th_kch(m, ch), "x", 1, 0, NULL, 0, 0, &tx), 0);
    pthread_join(r.thread, NULL);
    CHECK_ST(r.st, 0);
    uint16_t kinds[4];
    kmclb_event last;
    memset(&last, 0, sizeof(last));
    CHECK(record_kinds(&r, kinds, &last, 4) == 1 && kinds[0] == KMCLB_EV_PACKET);
    complete_all(m, s, &r);
    th_close_session(s, m);
}

/* Q22: after a PacketFail a batch may end without ProcessingComplete (the C fake never calls it
 * then). Here the core itself fails a packet mid-batch (its handle table is full): the packets it
 * queued before that one still reach the parked receive, though no batch end follows. */
static void test_a_batch_cut_short_by_a_packet_the_core_fails_still_wakes_the_receive_q22(void)
{
    th_machine *small = calloc(1, sizeof(*small));
    /* room for the channel and a few packets, fewer than a batch */
    const posix_host_options options = {.max_handles = 4, .driver_version = "test", .seed = 7, .poison_output = 1};
    if (small == NULL || posix_host_create(&options, &small->host) < 0) {
        abort();
    }
    small->core = posix_host_core(small->host);
    small->world = posix_host_world(small->host);
    uint64_t ep = th_offer(small, 2, NULL);
    kc_session *s = th_open_session(small);
    uint64_t ch = open_active_channel(small, s, ep);
    bounded_receive r;
    park(&r, small, s, ch);
    peer_sends_batch(th_kch(small, ch));
    pthread_join(r.thread, NULL);
    CHECK_ST(r.st, 0);
    uint16_t kinds[2 * BATCH];
    kmclb_event last;
    memset(&last, 0, sizeof(last));
    uint32_t n = record_kinds(&r, kinds, &last, 2 * BATCH);
    CHECK(n >= 1 && n < BATCH);
    for (uint32_t i = 0; i < n; i++) {
        CHECK(kinds[i] == KMCLB_EV_PACKET); /* and no batch end: the batch was cut short */
    }
    int stopped = 0;
    CHECK_ST(fk_peer_queue_stopped(th_kch(small, ch), &stopped), 0);
    CHECK(stopped); /* the core did fail a packet (B73) */
    complete_all(small, s, &r);
    th_close_session(s, small);
    th_destroy(small);
}

int main(void)
{
    th_machine *m = th_create();
    uint64_t ep = th_offer(m, 1, NULL);
    test_a_parked_receive_wakes_once_per_batch_with_the_whole_batch_b67(m, ep);
    test_without_batch_ends_a_packet_wakes_a_parked_receive_at_once_b27(m, ep);
    test_a_batch_cut_short_by_a_packet_the_core_fails_still_wakes_the_receive_q22();
    th_destroy(m);
    TEST_MAIN_END();
}
