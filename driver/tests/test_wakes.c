/* test_wakes.c - when incoming packets wake a parked receive: once per KMCL batch, at its end
 * (ProcessingComplete, B67), with the whole batch; once per packet on a channel without batch ends
 * (B27); and never lost when a batch ends without ProcessingComplete (a packet the core had to
 * fail, Q22); and a completion of one of our sends wakes it when it makes the stream deliverable,
 * also while the queue, stopped by a fail, holds packets it withholds. Every receive here is bounded: a lost wake fails a check after WAKE_BOUND_MS instead
 * of hanging. */
#include <stdlib.h>
#include "test_host.h"

#define WAKE_BOUND_MS 3000
#define BATCH 8

/* the records a bounded parked receive returned, by kind in order (at most max); *last the last one */
static uint32_t record_kinds(const th_parked_receive *r, uint16_t *kinds, kmclb_event *last, uint32_t max)
{
    uint32_t n = 0;
    memset(last, 0, sizeof(*last));
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

/* what one parked receive returned */
typedef struct woken_receive {
    th_parked_receive r;
    uint32_t n;                /* records */
    uint16_t kinds[2 * BATCH]; /* the first records' kinds, in order */
    kmclb_event last;          /* the last record */
} woken_receive;

/* A receive parks (bounded), the peer acts, the receive ends. */
static void park_then(woken_receive *w, th_machine *m, kc_session *s, uint64_t ch, void (*peer)(kc_vmbchannel))
{
    th_park_receive_bounded(&w->r, s, m, ch, WAKE_BOUND_MS);
    peer(th_kch(m, ch));
    th_join_receive(&w->r);
    CHECK_ST(w->r.st, 0);
    w->n = record_kinds(&w->r, w->kinds, &w->last, 2 * BATCH);
}

/* the peer sends one packet */
static void peer_sends_one(kc_vmbchannel k)
{
    uint64_t tx = 0;
    CHECK_ST(fk_peer_send(k, "x", 1, 0, NULL, 0, 0, &tx), 0);
}

/* completes every packet the receive returned */
static void complete_all(th_machine *m, kc_session *s, const th_parked_receive *r)
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
    woken_receive w;
    park_then(&w, m, s, ch, peer_sends_batch);
    CHECK(w.n == BATCH + 1);
    for (uint32_t i = 0; i + 1 < w.n; i++) {
        CHECK(w.kinds[i] == KMCLB_EV_PACKET);
    }
    CHECK(w.last.kind == KMCLB_EV_PROCESSING_COMPLETE && w.last.aux == BATCH);
    complete_all(m, s, &w.r);
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
    woken_receive w;
    park_then(&w, m, s, ch, peer_sends_one);
    CHECK(w.n == 1 && w.kinds[0] == KMCLB_EV_PACKET);
    complete_all(m, s, &w.r);
    th_close_session(s, m);
}

/* Q22: after a PacketFail a batch may end without ProcessingComplete (the C fake never calls it
 * then). Here the core itself fails a packet mid-batch (its handle table is full): the packets it
 * queued before that one still reach the parked receive, though no batch end follows. */
static void test_a_batch_cut_short_by_a_packet_the_core_fails_still_wakes_the_receive_q22(void)
{
    th_machine *small = th_create_with_handles(4); /* the channel and a few packets, fewer than a batch */
    uint64_t ep = th_offer(small, 2, NULL);
    kc_session *s = th_open_session(small);
    uint64_t ch = open_active_channel(small, s, ep);
    woken_receive w;
    park_then(&w, small, s, ch, peer_sends_batch);
    CHECK(w.n >= 1 && w.n < BATCH);
    for (uint32_t i = 0; i < w.n; i++) {
        CHECK(w.kinds[i] == KMCLB_EV_PACKET); /* and no batch end: the batch was cut short */
    }
    int stopped = 0;
    CHECK_ST(fk_peer_queue_stopped(th_kch(small, ch), &stopped), 0);
    CHECK(stopped); /* the core did fail a packet (B73) */
    complete_all(small, s, &w.r);
    th_close_session(s, small);
    th_destroy(small);
}

/* the peer takes our one packet and completes it: its completion routine queues a SEND_COMPLETE */
static void peer_completes_our_send(kc_vmbchannel k)
{
    uint8_t rec[256];
    uint32_t bytes = 0;
    CHECK_ST(fk_peer_await_received(k, WAKE_BOUND_MS, rec, sizeof(rec), &bytes), 0);
    kmclb_event e;
    memcpy(&e, rec, sizeof(e));
    CHECK_ST(fk_peer_complete(k, e.id, "ok", 2), 0);
}

/* checks that the receive returned exactly the completion of our send with this tag */
static void expect_only_the_send_completion(const woken_receive *w, uint64_t tag)
{
    CHECK(w->n == 1 && w->kinds[0] == KMCLB_EV_SEND_COMPLETE);
    CHECK(w->last.id == tag && w->last.status == 0 && w->last.payload_length == 2);
}

/* A send's completion on an empty stream wakes the parked receive with it. */
static void test_a_send_completion_wakes_a_parked_receive(th_machine *m, uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(m, s, ep);
    woken_receive w;
    th_park_receive_bounded(&w.r, s, m, ch, WAKE_BOUND_MS);
    CHECK_ST(th_send(s, m, ch, 71, KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION, "out", 3), 0);
    peer_completes_our_send(th_kch(m, ch));
    th_join_receive(&w.r);
    CHECK_ST(w.r.st, 0);
    w.n = record_kinds(&w.r, w.kinds, &w.last, 2 * BATCH);
    expect_only_the_send_completion(&w, 71);
    th_close_session(s, m);
}

/* Sends wake a parked receive only when their completion makes the stream deliverable, not on
 * every completion. After a fail the stream holds the batch's other packets, handed back
 * (REQUEUE) and withheld while the queue is stopped (B73): it is not empty, yet nothing in it is
 * deliverable, so the receive parks, and the completion must wake it. Waking only when the
 * stream was empty would leave the receive parked to its bound. */
static void test_a_send_completion_wakes_a_receive_parked_behind_withheld_packets_b73(th_machine *m, uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(m, s, ep);
    kc_vmbchannel k = th_kch(m, ch);
    peer_sends_batch(k);
    uint64_t ids[BATCH];
    uint32_t n = 0;
    for (int receives = 0; n < BATCH && receives < BATCH; receives++) { /* the batch, held */
        uint8_t buf[1024];
        kmclb_receive_out h;
        CHECK_ST(th_receive(s, m, ch, buf, sizeof(buf), WAKE_BOUND_MS, &h), 0);
        for (uint32_t at = 0; at + sizeof(kmclb_event) <= h.bytes;) {
            kmclb_event e;
            memcpy(&e, buf + at, sizeof(e));
            at += (uint32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
            if (e.kind == KMCLB_EV_PACKET && n < BATCH) {
                ids[n++] = e.id;
            }
        }
    }
    CHECK(n == BATCH);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, ids[0]), 0);
    CHECK_ST(th_requeue(s, m, ch, ids + 1, BATCH - 1), 0);
    uint8_t rest[256];
    kmclb_receive_out h;
    while (th_receive(s, m, ch, rest, sizeof(rest), 0, &h) == 0 && h.records > 0) {
        /* a batch end left behind: only the withheld packets stay */
    }
    CHECK(h.status == KMCLB_STATUS_TIMEOUT);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK((q[KMCLB_Q_FLAGS] & KMCLB_QF_QUEUE_STOPPED) != 0);
    woken_receive w;
    th_park_receive_bounded(&w.r, s, m, ch, WAKE_BOUND_MS); /* parks: the packets are withheld */
    CHECK_ST(th_send(s, m, ch, 72, KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION, "out", 3), 0);
    peer_completes_our_send(k);
    th_join_receive(&w.r);
    CHECK_ST(w.r.st, 0);
    w.n = record_kinds(&w.r, w.kinds, &w.last, 2 * BATCH);
    expect_only_the_send_completion(&w, 72);
    th_close_session(s, m); /* fails the withheld packets */
}

int main(void)
{
    th_machine *m = th_create();
    uint64_t ep = th_offer(m, 1, NULL);
    test_a_parked_receive_wakes_once_per_batch_with_the_whole_batch_b67(m, ep);
    test_without_batch_ends_a_packet_wakes_a_parked_receive_at_once_b27(m, ep);
    test_a_send_completion_wakes_a_parked_receive(m, ep);
    test_a_send_completion_wakes_a_receive_parked_behind_withheld_packets_b73(m, ep);
    test_a_batch_cut_short_by_a_packet_the_core_fails_still_wakes_the_receive_q22();
    th_destroy(m);
    TEST_MAIN_END();
}
