/* Driver core end to end over the C fake: every IOCTL with valid input. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;

static kc_status send_tag(kc_session *s, uint64_t ch, uint64_t tag, const char *msg, uint32_t flags)
{
    return th_send(s, m, ch, tag, flags, msg, (uint32_t)strlen(msg));
}

static void test_version_and_endpoints(void)
{
    kc_session *s = th_open_session(m);
    kmclb_in_header h = {99, 0}; /* any version for QUERY_VERSION */
    kmclb_version_out v;
    uint32_t info;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_QUERY_VERSION, &h, sizeof(h), &v, sizeof(v), &info, -1), 0);
    CHECK(info == sizeof(v) && v.protocol_version == KMCLB_PROTOCOL_VERSION && v.kmcl_interface_version == 1);
    CHECK(strcmp(v.driver_version, "test") == 0);
    uint8_t buf[sizeof(kmclb_endpoints_out) + sizeof(kmclb_endpoint)]; /* room for one endpoint */
    kmclb_in_header h1 = th_header();
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_LIST_ENDPOINTS, &h1, sizeof(h1), buf, sizeof(buf), &info, -1), 0);
    kmclb_endpoints_out eo;
    memcpy(&eo, buf, sizeof(eo));
    CHECK(eo.count == 1 && eo.total >= 2 && info == sizeof(buf));
    th_close_session(s, m);
}

static void test_client_roundtrip(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_DISABLED);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    /* client: Opened -> Started -> PostStarted without Start (B43) */
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) == KMCLB_ST_OPENED);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_STARTED);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_POST_STARTED);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_ACTIVE);
    CHECK((q[KMCLB_Q_FLAGS] & (KMCLB_QF_OPEN | KMCLB_QF_EVER_ENABLED)) == (KMCLB_QF_OPEN | KMCLB_QF_EVER_ENABLED));

    /* peer -> us: packet with completion requested; we complete with a payload */
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx;
    CHECK_ST(fk_peer_send(k, "hello", 5, 1, NULL, 0, 0, &tx), 0);
    uint8_t pl[64];
    uint64_t pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, pl, sizeof(pl));
    CHECK(pkt != 0 && e.payload_length == 5 && memcmp(pl, "hello", 5) == 0);
    CHECK((e.status == KMCLB_IRQL_DISPATCH || e.status == KMCLB_IRQL_PASSIVE) && (e.flags & KMCLB_PF_COMPLETION_REQUESTED));
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PROCESSING_COMPLETE, 0, 1000, &e, NULL, 0) != 0 && e.aux == 1);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 1 && q[KMCLB_Q_BYTES_IN] == 5 && q[KMCLB_Q_PENDING_INCOMING] == 1);
    CHECK_ST(th_complete(s, m, pkt, "ok!", 3), 0);
    th_expect_outcome(k, tx, 1000, FK_OUTCOME_COMPLETED, "ok!", 3);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);

    /* external data arrives after the payload with flag 0x1 */
    CHECK_ST(fk_peer_send(k, "ab", 2, 0, "EXTERNAL", 8, 1, &tx), 0);
    pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, pl, sizeof(pl));
    CHECK(pkt != 0 && e.flags == KMCLB_PF_EXTERNAL_DATA && e.aux == 8 && memcmp(pl, "abEXTERNAL", 10) == 0);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);

    /* us -> peer: send with a tag; the transaction end comes back as SEND_COMPLETE */
    CHECK_ST(send_tag(s, ch, 77, "ping", 1), 0);
    uint8_t rec[256];
    uint32_t n;
    CHECK_ST(fk_peer_await_received(k, 1000, rec, sizeof(rec), &n), 0);
    kmclb_event pe;
    memcpy(&pe, rec, sizeof(pe));
    /* the peer's record: status = ring packet type (6, in-band data) */
    CHECK(pe.payload_length == 4 && memcmp(rec + sizeof(pe), "ping", 4) == 0 && pe.status == 6);
    CHECK_ST(fk_peer_complete(k, pe.id, "pong", 4), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_SEND_COMPLETE, 0, 1000, &e, pl, sizeof(pl)) == 77);
    CHECK(e.status == 0 && e.payload_length == 4 && memcmp(pl, "pong", 4) == 0);
    /* without WAIT_FOR_COMPLETION the send completes once it is in the ring (B108) */
    CHECK_ST(send_tag(s, ch, 78, "fire", 0), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_SEND_COMPLETE, 0, 1000, &e, NULL, 0) == 78);

    /* set context / quota / latency */
    kmclb_set_context_in sc = {th_header(), ch, 0x1234567890ull};
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SET_CONTEXT, &sc, sizeof(sc), NULL, 0, NULL, -1), 0);
    kmclb_set_u32_in sl = {th_header(), ch, 50, 0};
    kmclb_u32_out lo;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SET_LATENCY, &sl, sizeof(sl), &lo, sizeof(lo), NULL, -1), 0);
    sl.value = 60;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SET_LATENCY, &sl, sizeof(sl), &lo, sizeof(lo), NULL, -1), 0);
    CHECK(lo.value == 50); /* B54 */
    kmclb_set_u32_in sq = {th_header(), ch, 8, 0};
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SET_QUOTA, &sq, sizeof(sq), NULL, 0, NULL, -1), 0);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_CONTEXT] == 0x1234567890ull && q[KMCLB_Q_INTERRUPT_LATENCY] == 60);
    CHECK(q[KMCLB_Q_COMPLETIONS_SENT] == 2 && q[KMCLB_Q_COMPLETIONS_RECEIVED] == 2 && q[KMCLB_Q_PACKETS_OUT] == 2);
    CHECK(q[KMCLB_Q_OUTGOING_RING_FREE] == FK_DEFAULT_RING_PAGES * FK_PAGE_SIZE);
    CHECK(q[KMCLB_Q_SIZEOF_PACKET] > 0 && (q[KMCLB_Q_INSTANCE_MSB] | q[KMCLB_Q_INSTANCE_LSB]) != 0);

    /* synchronous request: a helper thread plays the peer */
    /* (covered in test_fake; here: zero timeout + ring full -> BUFFER_OVERFLOW through the IOCTL) */
    CHECK_ST(fk_peer_set_reading(k, 0), 0);
    for (int i = 0; i < 400; i++) {
        send_tag(s, ch, 1000 + (uint64_t)i, "0123456789012345678901234567890123456789012345678901234567890123456789"
                                            "0123456789012345678901234567890123456789012345678901234567890123456789"
                                            "0123456789012345678901234567890123456789012345678901234567890123456789",
                 0);
    }
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_QUEUED_OUTGOING] > 0 && q[KMCLB_Q_RING_FULL_EVENTS] > 0);
    CHECK((q[KMCLB_Q_FLAGS] & KMCLB_QF_OUTGOING_STALLED) != 0);
    CHECK(q[KMCLB_Q_OUTGOING_RING_FREE] < 256);
    uint8_t sbuf[sizeof(kmclb_send_sync_in) + 8];
    kmclb_send_sync_in ss;
    memset(&ss, 0, sizeof(ss));
    ss.hdr = th_header();
    ss.channel = ch;
    ss.payload_length = 8;
    ss.completion_capacity = 8;
    ss.has_timeout = 1;
    ss.timeout_100ns = 0;
    memcpy(sbuf, &ss, sizeof(ss));
    memcpy(sbuf + sizeof(ss), "syncsync", 8);
    uint8_t sout[16];
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND_SYNC, sbuf, sizeof(sbuf), sout, sizeof(sout), NULL, -1),
             KMCLB_STATUS_BUFFER_OVERFLOW);
    CHECK_ST(fk_peer_set_reading(k, 1), 0);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_QUEUED_OUTGOING] == 0);

    /* GPADL: create, host maps and writes, we read; delete */
    uint32_t gh;
    CHECK_ST(th_gpadl_create(s, m, ch, 8192, &gh), 0);
    uint64_t mp;
    CHECK_ST(fk_peer_map_gpadl(k, gh, 0, &mp), 0);
    CHECK_ST(fk_mapping_write(m->world, mp, 100, "shared", 6), 0);
    kmclb_gpadl_access_in ga;
    memset(&ga, 0, sizeof(ga));
    ga.hdr = th_header();
    ga.channel = ch;
    ga.handle = gh;
    ga.offset = 100;
    ga.length = 6;
    uint8_t rb[6];
    uint32_t info;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_READ, &ga, sizeof(ga), rb, 6, &info, -1), 0);
    CHECK(info == 6 && memcmp(rb, "shared", 6) == 0);
    ga.offset = 8190;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_READ, &ga, sizeof(ga), rb, 6, &info, -1), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(fk_mapping_close(m->world, mp), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_DELETE, ch, gh, 0), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_DELETE, ch, gh, 0), KMCLB_STATUS_INVALID_PARAMETER);

    /* pause / start / disable / cleanup */
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_PAUSE, ch), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_SUSPEND, 1000, &e, NULL, 0) == KMCLB_ST_SUSPEND);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_OPEN && (q[KMCLB_Q_FLAGS] & KMCLB_QF_PAUSED));
    CHECK_ST(fk_peer_send(k, "while paused", 12, 0, NULL, 0, 0, &tx), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 50, &e, NULL, 0) == 0); /* B90: stays in the ring */
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_START, ch), 0);
    pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
    CHECK(pkt != 0 && e.payload_length == 12);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), KMCLB_STATUS_CONTRACT_VIOLATION);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_CLOSED, 1000, &e, NULL, 0) == KMCLB_ST_CLOSED);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_DISABLED);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), KMCLB_STATUS_STALE_ID);
    th_close_session(s, m);
}

static void test_server_and_parking(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 1);
    kc_vmbchannel k = th_kch(m, ch);
    /* a receive parks (inverted call) until the guest opens the offer */
    th_parked_receive a;
    th_park_receive(&a, s, m, ch);
    CHECK_ST(fk_peer_open(k), 0);
    th_join_receive(&a);
    CHECK(a.st == 0 && a.h.records >= 1);
    kmclb_event e;
    memcpy(&e, a.buf, sizeof(e));
    CHECK(e.kind == KMCLB_EV_STATE && e.flags == KMCLB_ST_OPENED);
    /* server: no Started until Start (B44) */
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_STARTED, 30, &e, NULL, 0) == 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_START, ch), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_POST_STARTED);
    /* receive timeout: parked, cancelled by the host after 20 ms */
    kmclb_receive_out h;
    uint8_t buf[64];
    CHECK_ST(th_receive(s, m, ch, buf, sizeof(buf), 20, &h), KMCLB_STATUS_CANCELLED);
    CHECK_ST(th_receive(s, m, ch, buf, sizeof(buf), 0, &h), KMCLB_STATUS_TIMEOUT);
    /* fail stops the queue for good */
    uint64_t tx1, tx2;
    CHECK_ST(fk_peer_send(k, "bad", 3, 1, NULL, 0, 0, &tx1), 0);
    uint64_t pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, pkt), 0);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);
    CHECK_ST(fk_peer_send(k, "next", 4, 1, NULL, 0, 0, &tx2), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 30, &e, NULL, 0) == 0);
    int stopped;
    CHECK_ST(fk_peer_queue_stopped(k, &stopped), 0);
    CHECK(stopped == 1);
    th_expect_outcome(k, tx1, 10, FK_OUTCOME_FAILED, NULL, 0);
    th_expect_outcome(k, tx2, 10, FK_OUTCOME_PENDING, NULL, 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK((q[KMCLB_Q_FLAGS] & KMCLB_QF_QUEUE_STOPPED) && q[KMCLB_Q_PACKETS_FAILED] == 1);
    CHECK(q[KMCLB_Q_INCOMING_RING_USED] > 0);
    /* guest GPADL mapped by our server */
    uint32_t gh;
    CHECK_ST(fk_peer_create_gpadl(k, 4096, 1, &gh), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, ch, gh, 0), KMCLB_STATUS_ACCESS_DENIED);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, ch, gh, 1), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, ch, gh, 1), KMCLB_STATUS_INVALID_DEVICE_STATE);
    uint8_t wb[sizeof(kmclb_gpadl_access_in) + 4];
    kmclb_gpadl_access_in ga;
    memset(&ga, 0, sizeof(ga));
    ga.hdr = th_header();
    ga.channel = ch;
    ga.handle = gh;
    ga.mapped = 1;
    ga.offset = 8;
    ga.length = 4;
    memcpy(wb, &ga, sizeof(ga));
    memcpy(wb + sizeof(ga), "host", 4);
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_WRITE, wb, sizeof(wb), NULL, 0, NULL, -1), 0);
    CHECK_ST(fk_peer_read_gpadl(k, gh, 8, buf, 4), 0);
    CHECK(memcmp(buf, "host", 4) == 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_UNMAP, ch, gh, 0), 0);
    /* guest closes: Suspend + Closed, server state Closed (B96); reopen gives Opened again */
    CHECK_ST(fk_peer_close(k), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_CLOSED, 1000, &e, NULL, 0) == KMCLB_ST_CLOSED);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_CLOSED);
    CHECK_ST(fk_peer_open(k), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) == KMCLB_ST_OPENED);
    /* session close with the channel still open: everything torn down */
    th_close_session(s, m);
}

static void test_cleanup_ends_parked_receive(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 1);
    th_parked_receive a;
    th_park_receive(&a, s, m, ch);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    th_join_receive(&a);
    CHECK(a.st == KMCLB_STATUS_CANCELLED && a.h.records == 0); /* Backend.cleanup: parked receive ends */
    kmclb_receive_out h;
    uint8_t buf[32];
    CHECK_ST(th_receive(s, m, ch, buf, sizeof(buf), 0, &h), KMCLB_STATUS_STALE_ID);
    th_close_session(s, m);
}

static void test_requeue(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t tx;
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    kmclb_event e;
    uint64_t q[KMCLB_QUERY_SLOTS];
    static const char *msgs[3] = {"one", "two", "three"};
    uint64_t p[3];
    for (int i = 0; i < 3; i++) {
        CHECK_ST(fk_peer_send(k, msgs[i], (uint32_t)strlen(msgs[i]), 0, NULL, 0, 0, &tx), 0);
    }
    for (int i = 0; i < 3; i++) {
        p[i] = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
        CHECK(p[i] != 0);
    }
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 3 && q[KMCLB_Q_BYTES_IN] == 11);
    /* all go back to the head, in order, with the same ids, counted as never delivered */
    CHECK_ST(th_requeue(s, m, ch, p, 3), 0);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 0 && q[KMCLB_Q_BYTES_IN] == 0);
    for (int i = 0; i < 3; i++) {
        uint8_t pl[16];
        CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, pl, sizeof(pl)) == p[i]);
        CHECK(e.payload_length == strlen(msgs[i]) && memcmp(pl, msgs[i], e.payload_length) == 0);
        CHECK((e.flags & KMCLB_PF_REDELIVERY) == 0);
    }
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 3 && q[KMCLB_Q_BYTES_IN] == 11);
    for (int i = 0; i < 3; i++) {
        CHECK_ST(th_complete(s, m, p[i], NULL, 0), 0);
    }
    th_close_session(s, m);
}

/* B70: DEFER hands the packet back and the core delivers the same packet again, at PASSIVE, under
 * the same id (as the Java fake); it is counted once and ended once. */
static void test_deferred_packet_is_redelivered_under_the_same_id_b70(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t tx;
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    kmclb_event e;
    uint8_t pl[16];
    uint64_t pkt = th_deliver(s, m, ch, "defer", 1, &tx, &e);
    CHECK((e.flags & KMCLB_PF_REDELIVERY) == 0);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_DEFER, pkt), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, pl, sizeof(pl)) == pkt);
    CHECK((e.flags & KMCLB_PF_REDELIVERY) != 0 && e.status == KMCLB_IRQL_PASSIVE);
    CHECK((e.flags & KMCLB_PF_COMPLETION_REQUESTED) != 0);
    CHECK(e.payload_length == 5 && memcmp(pl, "defer", 5) == 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PACKETS_IN] == 1 && q[KMCLB_Q_BYTES_IN] == 5 && q[KMCLB_Q_PENDING_INCOMING] == 1);
    CHECK_ST(th_complete(s, m, pkt, "done", 4), 0);
    th_expect_outcome(k, tx, 1000, FK_OUTCOME_COMPLETED, "done", 4);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_PENDING_INCOMING] == 0 && q[KMCLB_Q_COMPLETIONS_SENT] == 1);
    th_close_session(s, m);
}

/* B71: the deferred delivery has ended: until the redelivery is received, its id is refused as
 * retired by every packet operation and nothing reaches KMCL; Disable retires it if it is never
 * received again. */
static void test_deferred_delivery_cannot_be_ended_b71(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t tx;
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    kmclb_event e;
    uint64_t pkt = th_deliver(s, m, ch, "x", 1, &tx, NULL);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_DEFER, pkt), 0);
    th_expect_packet_refused(s, m, ch, pkt, KMCLB_STATUS_PACKET_RETIRED);
    th_expect_outcome(k, tx, 10, FK_OUTCOME_PENDING, NULL, 0);
    /* the redelivery owes the completion */
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0) == pkt);
    CHECK_ST(th_complete(s, m, pkt, "yes", 3), 0);
    th_expect_outcome(k, tx, 1000, FK_OUTCOME_COMPLETED, "yes", 3);

    /* deferred and never received again: Disable ends it, unprocessed (failed), and its id stays
     * retired */
    pkt = th_deliver(s, m, ch, "y", 1, &tx, NULL);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_DEFER, pkt), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    th_expect_outcome(k, tx, 1000, FK_OUTCOME_FAILED, NULL, 0);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);
    th_close_session(s, m);
}

/* after fail, requeued packets wait (the queue is stopped) and Disable ends them instead of hanging */
static void test_requeue_after_fail(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t tx;
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    kmclb_event e;
    CHECK_ST(fk_peer_send(k, "a", 1, 0, NULL, 0, 0, &tx), 0);
    CHECK_ST(fk_peer_send(k, "b", 1, 0, NULL, 0, 0, &tx), 0);
    uint64_t p1 = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
    uint64_t p2 = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0);
    CHECK(p1 != 0 && p2 != 0);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, p1), 0);
    CHECK_ST(th_requeue(s, m, ch, &p2, 1), 0);
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 50, &e, NULL, 0) == 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    CHECK_ST(th_complete(s, m, p2, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);
    th_close_session(s, m);
}

/* B64: a requested completion travels through our outgoing ring as a type-0xB packet */
static void test_completion_through_ring(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t tx;
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    CHECK_ST(fk_peer_set_reading(k, 0), 0);
    uint64_t pkt = th_deliver(s, m, ch, "req", 1, &tx, NULL);
    CHECK_ST(th_complete(s, m, pkt, "answer", 6), 0);
    uint32_t rs[5];
    CHECK_ST(fk_peer_ring_status(k, rs), 0);
    CHECK(rs[3] >= fk_ring_size(6, 0, 0));
    th_expect_outcome(k, tx, 20, FK_OUTCOME_PENDING, NULL, 0);
    CHECK_ST(fk_peer_set_reading(k, 1), 0);
    th_expect_outcome(k, tx, 1000, FK_OUTCOME_COMPLETED, "answer", 6);
    CHECK_ST(fk_peer_ring_status(k, rs), 0);
    CHECK(rs[3] == 0);
    th_close_session(s, m);
}

int main(void)
{
    m = th_create();
    uint64_t ep1 = th_offer(m, 1, NULL);
    uint64_t ep2 = th_offer(m, 2, NULL);
    CHECK(ep1 != 0 && ep2 != 0);
    test_version_and_endpoints();
    test_client_roundtrip(ep1);
    test_server_and_parking(ep2);
    test_cleanup_ends_parked_receive(ep2);
    test_requeue(ep1);
    test_deferred_packet_is_redelivered_under_the_same_id_b70(ep1);
    test_deferred_delivery_cannot_be_ended_b71(ep1);
    test_completion_through_ring(ep1);
    test_requeue_after_fail(ep1);
    CHECK(fk_violations(m->world) == 0);
    th_destroy(m);
    TEST_MAIN_END();
}
