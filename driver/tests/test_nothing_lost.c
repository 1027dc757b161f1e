/* Work user mode never saw, end to end over the C fake: sends KMCL still owns when a channel is
 * cleaned up, incoming packets user mode never received, state records nobody received, and the
 * counters after fail(). Nothing may be lost, freed while KMCL owns it, or look processed. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;

/* every record RECEIVE returns now (polling), appended to buf; returns the bytes */
static uint32_t drain(kc_session *s, uint64_t ch, uint8_t *buf, uint32_t cap)
{
    uint32_t used = 0;
    for (;;) {
        kmclb_receive_out h;
        kc_status st = th_receive(s, m, ch, buf + used, cap - used, 0, &h);
        if (st != 0 || h.records == 0) {
            return used;
        }
        used += h.bytes;
    }
}

/* the records of buf one by one: returns 0 at the end */
static int next_record(const uint8_t *buf, uint32_t len, uint32_t *at, kmclb_event *e)
{
    if (*at + sizeof(kmclb_event) > len) {
        return 0;
    }
    memcpy(e, buf + *at, sizeof(*e));
    uint32_t body = e->payload_length + (e->kind == KMCLB_EV_PACKET ? e->aux : 0);
    *at += (uint32_t)KMCLB_RECORD_SIZE(body);
    return 1;
}

/* ---------------------------------------------------------------- item 2: sends KMCL still owns */

/* sends on the disabled channel ch wait queued at KMCL; CLEANUP must have KMCL end them (Disable
 * cancels every queued send, Q8) instead of freeing packets KMCL still owns */
static void expect_cleanup_ends_queued_sends(kc_session *s, uint64_t ch)
{
    uint64_t violations = fk_violations(m->world);
    CHECK_ST(th_send(s, m, ch, 1, KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION, "queued", 6), 0);
    CHECK_ST(th_send(s, m, ch, 2, 0, "queued", 6), 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PENDING_OUTGOING] == 2 && q[KMCLB_Q_QUEUED_OUTGOING] == 2);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    CHECK(fk_violations(m->world) == violations);
}

/* B42: KMCL accepts a send before the channel is open and queues it, also on a channel that is
 * never enabled */
static void test_send_before_enable_is_cancelled_not_freed_at_cleanup_b42(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    expect_cleanup_ends_queued_sends(s, ch);
    th_close_session(s, m);
}

/* B99: after Closed a send is accepted and queued */
static void test_send_after_disable_is_cancelled_not_freed_at_cleanup_b99(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    expect_cleanup_ends_queued_sends(s, ch);
    th_close_session(s, m);
}

/* the same at file cleanup (the session goes with the channel never enabled) */
static void test_send_before_enable_is_cancelled_at_session_close_b42(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t violations = fk_violations(m->world);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    CHECK_ST(th_send(s, m, ch, 4, KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION, "early", 5), 0);
    th_close_session(s, m);
    CHECK(fk_violations(m->world) == violations);
}

/* B42: a send made before Enable still goes out when the channel opens */
static void test_send_before_enable_goes_out_at_open_b42(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    CHECK_ST(th_send(s, m, ch, 5, 0, "queued", 6), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    uint8_t rec[128];
    uint32_t n = 0;
    CHECK_ST(fk_peer_await_received(th_kch(m, ch), 1000, rec, sizeof(rec), &n), 0);
    CHECK(n >= sizeof(kmclb_event) + 6 && memcmp(rec + sizeof(kmclb_event), "queued", 6) == 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_SEND_COMPLETE, 0, 1000, &e, NULL, 0) == 5 && e.status == 0);
    th_close_session(s, m);
}

/* ---------------------------------------------------------------- item 5: packets never received */

/* KMCL's Disable waits for every packet it delivered (B94). Packets the core holds for user mode
 * that user mode never received end with VmbChannelPacketFail: no completion goes back (Q6), so
 * the sender cannot take them as processed (B74; the Java fake drops them unanswered). */
static void test_packets_never_received_are_failed_at_disable_b94(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx[3];
    for (int i = 0; i < 3; i++) {
        CHECK_ST(fk_peer_send(k, "unseen", 6, i != 1, NULL, 0, 0, &tx[i]), 0);
    }
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    for (int i = 0; i < 3; i++) {
        th_expect_outcome(k, tx[i], 1000, FK_OUTCOME_FAILED, NULL, 0);
    }
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 0 && q[KMCLB_Q_PACKETS_FAILED] == 0 && q[KMCLB_Q_PENDING_INCOMING] == 0);
    th_close_session(s, m);
}

/* packets a fail() kept from user code (handed back with REQUEUE) are not processed either */
static void test_packets_handed_back_after_fail_are_failed_at_disable_b74(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx[3], p[3];
    for (int i = 0; i < 3; i++) {
        CHECK_ST(fk_peer_send(k, "x", 1, 1, NULL, 0, 0, &tx[i]), 0);
    }
    kmclb_event e;
    for (int i = 0; i < 3; i++) {
        p[i] = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
        CHECK(p[i] != 0);
    }
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, p[0]), 0);
    CHECK_ST(th_requeue(s, m, ch, &p[1], 2), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    for (int i = 0; i < 3; i++) {
        th_expect_outcome(k, tx[i], 1000, FK_OUTCOME_FAILED, NULL, 0);
    }
    th_close_session(s, m);
}

/* A packet the core cannot keep (here: no free id) is failed, never completed as if processed. */
static void test_packet_the_core_cannot_keep_is_failed_not_completed(void)
{
    const posix_host_options options = {.max_handles = 2, .driver_version = "test", .seed = 7, .poison_output = 1};
    th_machine small;
    if (posix_host_create(&options, &small.host) < 0) {
        abort();
    }
    small.core = posix_host_core(small.host);
    small.world = posix_host_world(small.host);
    th_machine *saved = m;
    m = &small;
    uint64_t ep = th_offer(m, 9, NULL);
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t kept, dropped;
    CHECK_ST(fk_peer_send(k, "kept", 4, 1, NULL, 0, 0, &kept), 0);    /* takes the last id */
    CHECK_ST(fk_peer_send(k, "dropped", 7, 1, NULL, 0, 0, &dropped), 0); /* finds none */
    th_expect_outcome(k, dropped, 1000, FK_OUTCOME_FAILED, NULL, 0);
    th_expect_outcome(k, kept, 10, FK_OUTCOME_PENDING, NULL, 0);
    th_close_session(s, m);
    posix_host_destroy(small.host);
    m = saved;
}

/* ---------------------------------------------------------------- item 4: state records nobody received */

/* A guest that opens and closes our server channel 80 times while nobody receives: more state
 * callbacks than KMCLB_MAX_STATE_EVENTS. None is dropped: the records past the bound merge into one
 * STATE_OVERFLOW record that counts them and names the newest, so the user's last view of the
 * state is the channel's real state. Batch-end records are not held back by the bound. */
static void test_state_records_nobody_received_are_merged_never_lost_b96(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 1);
    kc_vmbchannel k = th_kch(m, ch);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_START, ch), 0);
    const uint32_t cycles = 80;
    for (uint32_t i = 0; i < cycles; i++) {
        CHECK_ST(fk_peer_open(k), 0);  /* Opened, Started, PostStarted */
        CHECK_ST(fk_peer_close(k), 0); /* Suspend, Closed */
    }
    CHECK_ST(fk_peer_open(k), 0);
    uint64_t tx;
    CHECK_ST(fk_peer_send(k, "after", 5, 0, NULL, 0, 0, &tx), 0);
    const uint32_t callbacks = cycles * 5 + 3;

    static uint8_t buf[1 << 16];
    uint32_t len = drain(s, ch, buf, sizeof(buf));
    uint32_t at = 0, seen = 0, overflows = 0, merged = 0, batch_ends = 0, packets = 0;
    uint16_t last = 0;
    kmclb_event e;
    while (next_record(buf, len, &at, &e)) {
        if (e.kind == KMCLB_EV_STATE) {
            seen++;
            last = e.flags;
        } else if (e.kind == KMCLB_EV_STATE_OVERFLOW) {
            overflows++;
            merged += e.aux;
            last = e.flags;
            CHECK(e.aux > 0 && (e.id & (1ull << KMCLB_ST_CLOSED)) != 0);
        } else if (e.kind == KMCLB_EV_PROCESSING_COMPLETE) {
            batch_ends++;
        } else if (e.kind == KMCLB_EV_PACKET) {
            packets++;
            CHECK_ST(th_complete(s, m, e.id, NULL, 0), 0);
        }
    }
    CHECK(seen + merged == callbacks);
    CHECK(seen <= KMCLB_MAX_STATE_EVENTS && overflows == 1);
    CHECK(last == KMCLB_ST_POST_STARTED);
    CHECK(packets == 1 && batch_ends == 1);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_ACTIVE);

    /* once received, state records queue one by one again */
    CHECK_ST(fk_peer_close(k), 0);
    len = drain(s, ch, buf, sizeof(buf));
    at = 0;
    uint32_t states = 0;
    while (next_record(buf, len, &at, &e)) {
        CHECK(e.kind == KMCLB_EV_STATE);
        states++;
    }
    CHECK(states == 2);
    th_close_session(s, m);
}

/* ---------------------------------------------------------------- item 10: counters after fail */

/* As the Java fake counts: PACKETS_IN = COMPLETIONS_SENT + PACKETS_FAILED + PENDING_INCOMING, where
 * pending means received by user mode and not ended. Packets handed back after a fail() count as
 * never delivered, and packets KMCL delivered that user mode has not received are not pending. */
static void test_counters_after_fail_count_handed_back_packets_as_undelivered(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx;
    for (int i = 0; i < 4; i++) {
        CHECK_ST(fk_peer_send(k, "four", 4, 0, NULL, 0, 0, &tx), 0);
    }
    static uint8_t buf[4096];
    uint32_t len = drain(s, ch, buf, sizeof(buf));
    uint64_t p[4];
    uint32_t n = 0, at = 0;
    kmclb_event e;
    while (next_record(buf, len, &at, &e)) {
        if (e.kind == KMCLB_EV_PACKET && n < 4) {
            p[n++] = e.id;
        }
    }
    CHECK(n == 4);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 4 && q[KMCLB_Q_PENDING_INCOMING] == 4 && q[KMCLB_Q_QUEUE_HIGH_WATER] == 4);
    CHECK_ST(th_complete(s, m, p[0], NULL, 0), 0);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, p[1]), 0);
    CHECK_ST(th_requeue(s, m, ch, &p[2], 2), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_ST(fk_peer_send(k, "more", 4, 0, NULL, 0, 0, &tx), 0); /* stay in the ring: queue stopped */
    }
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 2 && q[KMCLB_Q_COMPLETIONS_SENT] == 1 && q[KMCLB_Q_PACKETS_FAILED] == 1);
    CHECK(q[KMCLB_Q_PENDING_INCOMING] == 0);
    CHECK(q[KMCLB_Q_PACKETS_IN] == q[KMCLB_Q_COMPLETIONS_SENT] + q[KMCLB_Q_PACKETS_FAILED] + q[KMCLB_Q_PENDING_INCOMING]);
    CHECK(q[KMCLB_Q_QUEUE_HIGH_WATER] == 4);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    th_close_session(s, m);
}

/* a deferred packet is not pending until its redelivery is received */
static void test_deferred_packet_is_pending_again_only_when_received_b70(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    uint64_t tx;
    uint64_t pkt = th_deliver(s, m, ch, "later", 0, &tx, NULL);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_DEFER, pkt), 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PENDING_INCOMING] == 0 && q[KMCLB_Q_PACKETS_IN] == 1);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0) == pkt);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PENDING_INCOMING] == 1 && q[KMCLB_Q_PACKETS_IN] == 1);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);
    th_close_session(s, m);
}

int main(void)
{
    m = th_create();
    uint64_t client_ep = th_offer(m, 1, NULL);
    uint64_t server_ep = th_offer(m, 2, NULL);
    CHECK(client_ep != 0 && server_ep != 0);
    test_send_before_enable_is_cancelled_not_freed_at_cleanup_b42(client_ep);
    test_send_after_disable_is_cancelled_not_freed_at_cleanup_b99(client_ep);
    test_send_before_enable_is_cancelled_at_session_close_b42(client_ep);
    test_send_before_enable_goes_out_at_open_b42(client_ep);
    test_packets_never_received_are_failed_at_disable_b94(client_ep);
    test_packets_handed_back_after_fail_are_failed_at_disable_b74(client_ep);
    test_packet_the_core_cannot_keep_is_failed_not_completed();
    test_state_records_nobody_received_are_merged_never_lost_b96(server_ep);
    test_counters_after_fail_count_handed_back_packets_as_undelivered(client_ep);
    test_deferred_packet_is_pending_again_only_when_received_b70(client_ep);
    CHECK(fk_violations(m->world) == 0);
    th_destroy(m);
    TEST_MAIN_END();
}
