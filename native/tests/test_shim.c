/* The flat shim API over the loopback transport, as the JNA backend uses it. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "test_host.h"
#include "kmclshim.h"

static uint8_t type1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static uint8_t inst1[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

typedef struct {
    int64_t s, ch;
    int32_t st;
} blocked_arg;

static void *blocked_receive(void *p)
{
    blocked_arg *a = p;
    uint8_t buf[256];
    int32_t bytes, recs, needed;
    a->st = kmclshim_receive(a->s, a->ch, buf, sizeof(buf), -1, &bytes, &recs, &needed);
    return NULL;
}

static void *blocked_pause(void *p)
{
    blocked_arg *a = p;
    a->st = kmclshim_pause(a->s, a->ch);
    return NULL;
}

/* the events of `kind` among the records in buf[0, bytes): copies the first `max` to found[],
 * returns how many it copied */
static int find_events(const uint8_t *buf, int32_t bytes, uint16_t kind, kmclb_event *found, int max)
{
    int n = 0;
    for (int32_t at = 0; at + (int32_t)sizeof(kmclb_event) <= bytes && n < max;) {
        kmclb_event e;
        memcpy(&e, buf + at, sizeof(e));
        at += (int32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
        if (e.kind == kind) {
            found[n++] = e;
        }
    }
    return n;
}

/* receive until an event of `kind` shows up; returns its id */
static int64_t await_kind(int64_t s, int64_t ch, uint16_t kind, kmclb_event *out)
{
    uint8_t buf[4096];
    for (int tries = 0; tries < 20; tries++) {
        int32_t bytes, recs, needed;
        kmclb_event e;
        if (kmclshim_receive(s, ch, buf, sizeof(buf), 200, &bytes, &recs, &needed) == 0 &&
            find_events(buf, bytes, kind, &e, 1) == 1) {
            if (out) {
                *out = e;
            }
            return e.id != 0 ? (int64_t)e.id : 1;
        }
    }
    return 0;
}

/* the packet ids among the records in buf[0, bytes) (their payloads checked against `expected`,
 * lengths[i] bytes each, back to back) */
static int packet_ids(const uint8_t *buf, int32_t bytes, int64_t *ids, int max, const char *expected,
                      const int32_t *lengths)
{
    int n = 0;
    const char *payload = expected;
    for (int32_t at = 0; at + (int32_t)sizeof(kmclb_event) <= bytes && n < max;) {
        kmclb_event e;
        memcpy(&e, buf + at, sizeof(e));
        if (e.kind == KMCLB_EV_PACKET) {
            CHECK(e.payload_length == (uint32_t)lengths[n] && memcmp(buf + at + sizeof(e), payload, e.payload_length) == 0);
            payload += lengths[n];
            ids[n++] = (int64_t)e.id;
        }
        at += (int32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
    }
    return n;
}

/* The peer's batch calls and the primitive-only receive and complete, each one crossing: a batch
 * the peer sends arrives in order; we complete it in one call; the peer takes all we sent in one
 * call and completes them in one call, stopping at a transaction it does not hold. */
static void test_batch_calls_move_whole_batches_in_one_crossing(void)
{
    int64_t s = 0, offer = 0, ep = 0, ch = 0;
    CHECK_ST(kmclshim_open(&s), 0);
    CHECK_ST(kmclshim_peer_offer(s, type1, inst1, 0, 0, "batch", &offer, &ep), 0);
    CHECK_ST(kmclshim_allocate_channel(s, ep, 0, &ch), 0);
    CHECK_ST(kmclshim_enable(s, ch), 0);
    CHECK(await_kind(s, ch, KMCLB_EV_STATE, NULL) != 0);
    const int32_t lengths[3] = {1, 2, 3};
    int64_t txs[4] = {0, 0, 0, 0};
    int32_t sent = -1;
    CHECK_ST(kmclshim_peer_send_batch(s, ch, "abbccc", lengths, 3, 0, txs, &sent), 0);
    CHECK(sent == 3 && txs[0] != 0 && txs[1] == txs[0] + 1 && txs[2] == txs[1] + 1);
    static uint8_t records[4096];
    int32_t result[3] = {0, 0, 0};
    int64_t ids[3] = {0, 0, 0};
    static const char sent_bytes[] = "abbccc";
    const int32_t starts[3] = {0, 1, 3};
    int got = 0;
    for (int tries = 0; tries < 20 && got < 3; tries++) {
        int32_t st = kmclshim_receive_direct(s, ch, (int64_t)(intptr_t)records, (int32_t)sizeof(records), 200,
                                             (int64_t)(intptr_t)result);
        if (st == 0) {
            got += packet_ids(records, result[0], ids + got, 3 - got, &sent_bytes[starts[got]], lengths + got);
        }
    }
    CHECK(got == 3);
    int32_t statuses[3] = {-1, -1, -1};
    CHECK_ST(kmclshim_complete_batch_direct(s, (int64_t)(intptr_t)ids, 3, 0, 0, 0, (int64_t)(intptr_t)statuses), 0);
    CHECK(statuses[0] == 0 && statuses[1] == 0 && statuses[2] == 0);
    for (int i = 0; i < 3; i++) {
        int32_t kind = -1, len = -1;
        CHECK_ST(kmclshim_peer_await_outcome(s, ch, txs[i], 1000, &kind, NULL, 0, &len), 0);
        CHECK(kind == 0);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_ST(kmclshim_send(s, ch, 100 + i, "out", 3, NULL, 0, 0, 1), 0);
    }
    int32_t bytes = 0, count = 0;
    CHECK_ST(kmclshim_peer_take_received(s, ch, 10, 1000, records, (int32_t)sizeof(records), &bytes, &count), 0);
    CHECK(count == 3);
    kmclb_event e;
    for (int32_t i = 0, at = 0; i < count; i++) {
        memcpy(&e, records + at, sizeof(e));
        txs[i] = (int64_t)e.id;
        at += (int32_t)KMCLB_RECORD_SIZE(e.payload_length + e.aux);
    }
    CHECK_ST(kmclshim_peer_take_received(s, ch, 10, 0, records, (int32_t)sizeof(records), &bytes, &count),
             KMCLB_STATUS_TIMEOUT); /* each is taken once */
    txs[3] = txs[1]; /* completed already by then: not held any more */
    int64_t order[4] = {txs[0], txs[1], txs[3], txs[2]};
    int32_t completed = -1;
    CHECK_ST(kmclshim_peer_complete_batch(s, ch, order, 4, "ok", 2, &completed), KMCLB_STATUS_NOT_FOUND);
    CHECK(completed == 2);
    CHECK_ST(kmclshim_peer_complete_batch(s, ch, txs + 2, 1, "ok", 2, &completed), 0);
    CHECK(completed == 1);
    int completions = 0;
    for (int tries = 0; tries < 20 && completions < 3; tries++) {
        kmclb_event found[3];
        int32_t b = 0, r = 0, n = 0;
        if (kmclshim_receive(s, ch, records, (int32_t)sizeof(records), 200, &b, &r, &n) == 0) {
            completions += find_events(records, b, KMCLB_EV_SEND_COMPLETE, found, 3);
        }
    }
    CHECK(completions == 3);
    CHECK_ST(kmclshim_disable(s, ch), 0);
    CHECK_ST(kmclshim_cleanup(s, ch), 0);
    CHECK_ST(kmclshim_close(s), 0);
}

int main(void)
{
    int32_t transport = 0;
    CHECK_ST(kmclshim_transport(&transport), 0);
    CHECK(transport == KMCLSHIM_TRANSPORT_LOOPBACK);
    int64_t s = 0, s2 = 0;
    CHECK_ST(kmclshim_open(&s), 0);
    CHECK_ST(kmclshim_open(&s2), 0);
    int32_t proto, kv;
    char dv[32];
    CHECK_ST(kmclshim_query_version(s, &proto, &kv, dv), 0);
    CHECK(proto == 1 && kv == 1 && strncmp(dv, "loopback", 8) == 0);

    int64_t offer, ep;
    CHECK_ST(kmclshim_peer_offer(s, type1, inst1, 2, 0, "heartbeat", &offer, &ep), 0);
    int64_t ids[8];
    uint8_t guids[8 * 32];
    char names[8 * 64];
    int32_t count, total;
    /* the four standing host offers of the Java fake come first */
    CHECK_ST(kmclshim_list_endpoints(s2, ids, guids, names, 8, &count, &total), 0);
    CHECK(count == 5 && total == 5 && ids[4] == ep && memcmp(guids + 4 * 32 + 16, inst1, 16) == 0);
    CHECK(strcmp(names, "heartbeat") == 0 && strcmp(names + 64, "key-value data exchange") == 0);
    CHECK(strcmp(names + 128, "shutdown") == 0 && strcmp(names + 192, "time synchronization") == 0);
    CHECK(strcmp(names + 4 * 64, "heartbeat") == 0);
    static const uint8_t hb_type[16] = {0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
                                        0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d};
    CHECK(memcmp(guids, hb_type, 16) == 0);

    int64_t ch;
    CHECK_ST(kmclshim_allocate_channel(s, ep, 0, &ch), 0);
    /* configure: friendly name, ring pages; a bad max packet size fails in slot 14 */
    int32_t v[KMCLSHIM_CFG_VALUES] = {0};
    v[KMCLSHIM_CFG_RING_PAGES_IN] = 4;
    v[KMCLSHIM_CFG_RING_PAGES_OUT] = 4;
    v[KMCLSHIM_CFG_MAX_PACKET_SIZE] = 0;
    uint16_t name[] = {'c', 'h'};
    int32_t failed = 0;
    CHECK_ST(kmclshim_configure(s, ch, KMCLB_CFG_FRIENDLY_NAME | KMCLB_CFG_RING_PAGES | KMCLB_CFG_MAX_PACKET_SIZE, v,
                                NULL, name, 4, &failed),
             KMCLB_STATUS_INVALID_PARAMETER_2);
    CHECK(failed == 14);
    v[KMCLSHIM_CFG_MAX_PACKET_SIZE] = 4096;
    CHECK_ST(kmclshim_configure(s, ch, KMCLB_CFG_RING_PAGES | KMCLB_CFG_MAX_PACKET_SIZE, v, NULL, NULL, 0, &failed), 0);
    CHECK_ST(kmclshim_configure(s, ch, KMCLB_CFG_SERVER_FLAGS, v, NULL, NULL, 0, &failed), KMCLB_STATUS_INVALID_DEVICE_REQUEST);
    CHECK(failed == 256 + 8);
    CHECK_ST(kmclshim_enable(s2, ch), KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(kmclshim_enable(s, ch), 0);
    CHECK(await_kind(s, ch, KMCLB_EV_STATE, NULL) != 0);
    int32_t open = 0;
    CHECK_ST(kmclshim_peer_is_open(s, ch, &open), 0);
    CHECK(open == 1);
    int32_t rs[5];
    CHECK_ST(kmclshim_peer_ring_status(s, ch, rs), 0);
    CHECK(rs[0] == 4 * 4096 && rs[2] == 4 * 4096);

    /* peer sends 10, we receive them in batches and complete them in one batch call */
    int64_t tx[10];
    for (int i = 0; i < 10; i++) {
        char msg[8];
        snprintf(msg, sizeof(msg), "m%d", i);
        CHECK_ST(kmclshim_peer_send(s, ch, msg, 2, 1, NULL, 0, 0, &tx[i]), 0);
    }
    int64_t pk[10];
    int got = 0;
    uint8_t buf[8192];
    while (got < 10) {
        int32_t bytes, recs, needed;
        int32_t st = kmclshim_receive(s, ch, buf, sizeof(buf), 500, &bytes, &recs, &needed);
        CHECK(st == 0);
        if (st != 0) {
            break;
        }
        kmclb_event packets[10];
        int n = find_events(buf, bytes, KMCLB_EV_PACKET, packets, 10 - got);
        for (int k = 0; k < n; k++) {
            pk[got++] = (int64_t)packets[k].id;
        }
    }
    char payloads[] = "r0r1r2r3r4r5r6r7r8r9";
    int32_t offs[10], lens[10], sts[10];
    for (int i = 0; i < 10; i++) {
        offs[i] = 2 * i;
        lens[i] = 2;
    }
    CHECK_ST(kmclshim_complete_batch(s, pk, 10, payloads, offs, lens, sts), 0);
    for (int i = 0; i < 10; i++) {
        int32_t kind, olen;
        char ob[8];
        CHECK_ST(kmclshim_peer_await_outcome(s, ch, tx[i], 1000, &kind, ob, sizeof(ob), &olen), 0);
        CHECK(kind == 0 && olen == 2 && ob[0] == 'r' && ob[1] == '0' + i);
    }
    CHECK_ST(kmclshim_complete(s, pk[0], NULL, 0), KMCLB_STATUS_PACKET_RETIRED);

    /* receive: small buffer -> BUFFER_TOO_SMALL with the needed size; timeout -> STATUS_TIMEOUT */
    int64_t t1;
    char big[300] = {0};
    CHECK_ST(kmclshim_peer_send(s, ch, big, 300, 0, NULL, 0, 0, &t1), 0);
    int32_t bytes, recs, needed;
    int64_t bigpkt = 0;
    for (int tries = 0; tries < 10 && bigpkt == 0; tries++) {
        int32_t st = kmclshim_receive(s, ch, buf, 64, 100, &bytes, &recs, &needed);
        if (st == KMCLB_STATUS_BUFFER_TOO_SMALL) {
            CHECK(needed == (int32_t)KMCLB_RECORD_SIZE(300) && recs == 0);
            CHECK_ST(kmclshim_receive(s, ch, buf, needed, 100, &bytes, &recs, &needed), 0);
            kmclb_event e;
            memcpy(&e, buf, sizeof(e));
            CHECK(e.kind == KMCLB_EV_PACKET && e.payload_length == 300);
            bigpkt = (int64_t)e.id;
        }
    }
    CHECK(bigpkt != 0);
    CHECK_ST(kmclshim_complete(s, bigpkt, NULL, 0), 0);
    int32_t st;
    do {
        st = kmclshim_receive(s, ch, buf, sizeof(buf), 30, &bytes, &recs, &needed);
    } while (st == 0);
    CHECK_ST(st, KMCLB_STATUS_TIMEOUT);

    /* send + peer completion -> SEND_COMPLETE with the tag */
    CHECK_ST(kmclshim_send(s, ch, 4242, "req", 3, "extdata", 7, 1, 1), 0);
    int32_t rb;
    CHECK_ST(kmclshim_peer_await_received(s, ch, 1000, buf, sizeof(buf), &rb), 0);
    kmclb_event pe;
    memcpy(&pe, buf, sizeof(pe));
    CHECK(pe.payload_length == 3 && pe.aux == 7 && memcmp(buf + sizeof(pe), "reqextdata", 10) == 0);
    CHECK_ST(kmclshim_peer_complete(s, ch, (int64_t)pe.id, "fine", 4), 0);
    kmclb_event e;
    CHECK(await_kind(s, ch, KMCLB_EV_SEND_COMPLETE, &e) == 4242 && e.payload_length == 4);

    /* query */
    int64_t q[KMCLB_QUERY_SLOTS];
    CHECK_ST(kmclshim_query_channel(s, ch, q), 0);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_ACTIVE && q[KMCLB_Q_PACKETS_IN] == 11 && q[KMCLB_Q_COMPLETIONS_SENT] == 11);
    CHECK(q[KMCLB_Q_MMIO_SIZE] == 2 << 20);

    /* GPADL through the shim */
    int32_t gh;
    CHECK_ST(kmclshim_create_gpadl(s, ch, 4096, 0, &gh), 0);
    CHECK_ST(kmclshim_gpadl_access(s, ch, gh, 0, 10, "abc", 3, 1), 0);
    int64_t mp;
    CHECK_ST(kmclshim_peer_map_gpadl(s, ch, gh, 1, &mp), 0);
    char rd[3];
    CHECK_ST(kmclshim_peer_mapping_read(s, mp, 10, rd, 3), 0);
    CHECK(memcmp(rd, "abc", 3) == 0);
    CHECK_ST(kmclshim_peer_mapping_close(s, mp), 0);
    CHECK_ST(kmclshim_delete_gpadl(s, ch, gh), 0);

    /* fault: allocation failure makes the send fail */
    CHECK_ST(kmclshim_peer_inject(s, ch, FK_FAULT_ALLOCATION_FAILURE, 1), 0);
    CHECK_ST(kmclshim_send(s, ch, 1, "x", 1, NULL, 0, 0, 0), KMCLB_STATUS_INSUFFICIENT_RESOURCES);

    /* leave packets held and the channel open: close must clean up */
    CHECK_ST(kmclshim_peer_send(s, ch, "held", 4, 1, NULL, 0, 0, &t1), 0);
    CHECK(await_kind(s, ch, KMCLB_EV_PACKET, NULL) != 0);
    int64_t live = 0, viol = 0;
    CHECK_ST(kmclshim_loopback_stats(s, &live, &viol), 0);
    CHECK(live >= 2 && viol == 0);
    CHECK_ST(kmclshim_close(s), 0);
    CHECK_ST(kmclshim_loopback_stats(s2, &live, &viol), 0);
    CHECK(live == 0 && viol == 0);
    CHECK_ST(kmclshim_enable(s2, ch), KMCLB_STATUS_STALE_ID);
    CHECK_ST(kmclshim_close(s2), 0);
    CHECK_ST(kmclshim_close(s2), KMCLB_STATUS_INVALID_HANDLE);
    /* a fresh machine afterwards */
    CHECK_ST(kmclshim_open(&s), 0);
    CHECK_ST(kmclshim_list_endpoints(s, ids, guids, names, 8, &count, &total), 0);
    CHECK(total == 4); /* only the standing offers */
    CHECK_ST(kmclshim_close(s), 0);

    /* a seeded machine: the seed reaches the fake world; a second session joins it only with the same
     * seed (or none); once the last session closed, the next machine takes a new seed */
    int64_t seeded = 0, joined = 0, other = 0, seed = 0;
    CHECK_ST(kmclshim_open_seeded(42, &seeded), 0);
    CHECK_ST(kmclshim_peer_seed(seeded, &seed), 0);
    CHECK(seed == 42);
    CHECK_ST(kmclshim_open_seeded(43, &other), KMCLB_STATUS_INVALID_DEVICE_STATE);
    CHECK(other == 0);
    CHECK_ST(kmclshim_open_seeded(42, &joined), 0);
    CHECK_ST(kmclshim_close(joined), 0);
    CHECK_ST(kmclshim_open(&joined), 0);
    CHECK_ST(kmclshim_close(joined), 0);
    CHECK_ST(kmclshim_close(seeded), 0);
    CHECK_ST(kmclshim_open_seeded(43, &other), 0);
    CHECK_ST(kmclshim_peer_seed(other, &seed), 0);
    CHECK(seed == 43);
    CHECK_ST(kmclshim_close(other), 0);
    CHECK_ST(kmclshim_open_seeded(1, NULL), KMCLB_STATUS_INVALID_PARAMETER);

    /* close while one thread waits in receive (forever) and another is blocked in Pause because a
     * packet is held: close ends both and frees everything */
    CHECK_ST(kmclshim_open(&s), 0);
    CHECK_ST(kmclshim_peer_offer(s, type1, inst1, 0, 0, "x", &offer, &ep), 0);
    int64_t c1, c2;
    CHECK_ST(kmclshim_allocate_channel(s, ep, 0, &c1), 0);
    CHECK_ST(kmclshim_enable(s, c1), 0);
    CHECK_ST(kmclshim_allocate_channel(s, ep, 1, &c2), 0);
    CHECK_ST(kmclshim_enable(s, c2), 0);
    CHECK_ST(kmclshim_peer_send(s, c1, "held", 4, 1, NULL, 0, 0, &t1), 0);
    CHECK(await_kind(s, c1, KMCLB_EV_PACKET, NULL) != 0);
    blocked_arg ra = {s, c2, 1}, pa = {s, c1, 1};
    pthread_t rt, pt;
    pthread_create(&rt, NULL, blocked_receive, &ra);
    pthread_create(&pt, NULL, blocked_pause, &pa);
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(pa.st == 1); /* still blocked: the packet is held */
    CHECK_ST(kmclshim_close(s), 0);
    pthread_join(rt, NULL);
    pthread_join(pt, NULL);
    CHECK(ra.st == KMCLB_STATUS_CANCELLED || ra.st == KMCLB_STATUS_INVALID_HANDLE);
    CHECK(pa.st == 0);
    CHECK_ST(kmclshim_receive(s, c2, buf, 64, 0, &bytes, &recs, &needed), KMCLB_STATUS_INVALID_HANDLE);
    test_batch_calls_move_whole_batches_in_one_crossing();
    TEST_MAIN_END();
}
