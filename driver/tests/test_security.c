/* Named security tests: every IOCTL input is hostile, ids are checked, file cleanup leaks nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;
static uint64_t ep;

static void test_forged_id(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    uint64_t tx;
    uint64_t pkt = th_deliver(s, m, ch, "pkt", 1, &tx, NULL);
    uint64_t forged[] = {0, ~0ull, ch & 0xFFFFFFFFull, ch + (1ull << 32), (ch & ~0xFFFFFFull) | 0xFFFFFF,
                         (ch & ~0xFF000000ull) | (9ull << 24), pkt /* a packet id used as channel id */};
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, forged[i]), KMCLB_STATUS_INVALID_HANDLE);
        CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, forged[i]), KMCLB_STATUS_INVALID_HANDLE);
    }
    CHECK_ST(th_complete(s, m, ch, NULL, 0), KMCLB_STATUS_INVALID_HANDLE); /* channel id used as packet id */
    CHECK_ST(th_complete(s, m, pkt + (1ull << 32), NULL, 0), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, 0), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);
    kc_session_close(s);
}

static void test_stale_id_after_close(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), KMCLB_STATUS_STALE_ID);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), KMCLB_STATUS_STALE_ID);
    /* B14: configure on a stale or forged id fails like KMCL's Init* (STATUS_INVALID_PARAMETER_1, in-band) */
    uint64_t bad_ids[] = {ch, 0, ~0ull};
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        kmclb_configure_in cf;
        memset(&cf, 0, sizeof(cf));
        cf.hdr = th_header();
        cf.channel = bad_ids[i];
        cf.config.present = KMCLB_CFG_FLAGS | KMCLB_CFG_MAX_PACKET_SIZE;
        kmclb_configure_out co;
        uint32_t info = 0;
        CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CONFIGURE, &cf, sizeof(cf), &co, sizeof(co), &info, -1), 0);
        CHECK(info == sizeof(co) && co.status == KMCLB_STATUS_INVALID_PARAMETER_1 &&
              co.failed_function == KMCLB_FUNC_CLIENT(11));
    }
    kmclb_channel_in q = {th_header(), ch};
    uint64_t out[KMCLB_QUERY_SLOTS];
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_QUERY, &q, sizeof(q), out, sizeof(out), NULL, -1), KMCLB_STATUS_STALE_ID);
    /* packets held when a channel goes away are retired */
    uint64_t ch2 = th_open_channel(s, m, ep, 0), tx;
    uint64_t pkt = th_deliver(s, m, ch2, "pkt", 1, &tx, NULL);
    kc_session_close(s);
    kc_session *s2;
    kc_session_open(m->core, &s2);
    kc_status st = th_complete(s2, m, pkt, NULL, 0);
    CHECK(st == KMCLB_STATUS_STALE_ID || st == KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(th_channel_op(s2, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch2), KMCLB_STATUS_STALE_ID);
    kc_session_close(s2);
}

static void test_id_from_another_session(void)
{
    kc_session *a, *b;
    kc_session_open(m->core, &a);
    kc_session_open(m->core, &b);
    uint64_t ch = th_open_channel(a, m, ep, 0), tx;
    uint64_t pkt = th_deliver(a, m, ch, "pkt", 1, &tx, NULL);
    CHECK_ST(th_channel_op(b, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(th_channel_op(b, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), KMCLB_STATUS_FOREIGN_ID);
    th_expect_packet_refused(b, m, ch, pkt, KMCLB_STATUS_FOREIGN_ID);
    kmclb_receive_out h;
    uint8_t buf[64];
    CHECK_ST(th_receive(b, m, ch, buf, sizeof(buf), 0, &h), KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(th_complete(a, m, pkt, NULL, 0), 0);
    kc_session_close(b);
    kc_session_close(a);
}

static void test_double_complete_and_complete_after_fail(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch = th_open_channel(s, m, ep, 0), tx;
    uint64_t p1 = th_deliver(s, m, ch, "pkt", 1, &tx, NULL);
    CHECK_ST(th_complete(s, m, p1, "a", 1), 0);
    th_expect_packet_refused(s, m, ch, p1, KMCLB_STATUS_PACKET_RETIRED);
    uint64_t p2 = th_deliver(s, m, ch, "pkt", 1, &tx, NULL);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, p2), 0);
    th_expect_packet_refused(s, m, ch, p2, KMCLB_STATUS_PACKET_RETIRED);
    /* a batch reports each packet's status */
    kmclb_complete_in ci = {th_header(), 2, 0};
    kmclb_complete_entry ents[2] = {{p1, 0, 0}, {p2, 0, 0}};
    uint8_t in[sizeof(ci) + sizeof(ents)];
    memcpy(in, &ci, sizeof(ci));
    memcpy(in + sizeof(ci), ents, sizeof(ents));
    kmclb_complete_out co;
    int32_t sts[2];
    uint8_t out[sizeof(co) + sizeof(sts)];
    uint32_t info;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, in, sizeof(in), out, sizeof(out), &info, -1), 0);
    memcpy(&co, out, sizeof(co));
    memcpy(sts, out + sizeof(co), sizeof(sts));
    CHECK(info == sizeof(out) && co.count == 2 && co.status == KMCLB_STATUS_PACKET_RETIRED);
    CHECK(sts[0] == KMCLB_STATUS_PACKET_RETIRED && sts[1] == KMCLB_STATUS_PACKET_RETIRED);
    CHECK(fk_violations(m->world) == 0); /* the core never let a double completion reach KMCL */
    kc_session_close(s);
}

/* COMPLETE of a batch whose entries all need a status of their own: each entry gets the status it
 * would get alone, in order - a packet named twice is completed by its first entry and refused as
 * retired by the second, a packet completed earlier and one whose device went away (its channel
 * torn down) are retired, a forged id is refused, an entry whose payload lies outside the batch is
 * invalid; the peer sees exactly one completion per packet, with the first entry's payload. */
static void test_batch_completes_a_packet_named_twice_once(void)
{
    uint64_t removed_ep = th_offer(m, 10, NULL);
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0), gone = th_open_channel(s, m, removed_ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx_twice, tx_other, tx_earlier, tx_gone;
    uint64_t twice = th_deliver(s, m, ch, "a", 1, &tx_twice, NULL);
    uint64_t other = th_deliver(s, m, ch, "b", 1, &tx_other, NULL);
    uint64_t earlier = th_deliver(s, m, ch, "c", 1, &tx_earlier, NULL);
    uint64_t of_gone = th_deliver(s, m, gone, "d", 1, &tx_gone, NULL);
    CHECK_ST(th_complete(s, m, earlier, NULL, 0), 0);
    CHECK_ST(kc_endpoint_teardown(m->core, removed_ep), 0); /* retires of_gone (failed at KMCL) */
    uint64_t sent_before[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, sent_before);

    const char payload[] = "onetwo";
    kmclb_complete_entry ents[] = {
        {twice, 0, 3}, {twice, 3, 3}, {earlier, 0, 0}, {of_gone, 0, 0},
        {twice + (1ull << 32), 0, 0}, {other, 4, 3} /* past the payload */, {other, 3, 3},
    };
    enum { N = sizeof(ents) / sizeof(ents[0]) };
    kmclb_complete_in ci = {th_header(), N, 6};
    uint8_t in[sizeof(ci) + sizeof(ents) + 6];
    memcpy(in, &ci, sizeof(ci));
    memcpy(in + sizeof(ci), ents, sizeof(ents));
    memcpy(in + sizeof(ci) + sizeof(ents), payload, 6);
    kmclb_complete_out co;
    int32_t sts[N];
    uint8_t out[sizeof(co) + sizeof(sts)];
    uint32_t info = 0;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, in, sizeof(in), out, sizeof(out), &info, -1), 0);
    memcpy(&co, out, sizeof(co));
    memcpy(sts, out + sizeof(co), sizeof(sts));
    CHECK(info == sizeof(out) && co.count == N && co.status == KMCLB_STATUS_PACKET_RETIRED);
    const int32_t want[N] = {0, KMCLB_STATUS_PACKET_RETIRED, KMCLB_STATUS_PACKET_RETIRED, KMCLB_STATUS_PACKET_RETIRED,
                             KMCLB_STATUS_INVALID_HANDLE, KMCLB_STATUS_INVALID_PARAMETER, 0};
    for (int i = 0; i < N; i++) {
        CHECK_ST(sts[i], want[i]);
    }
    th_expect_outcome(k, tx_twice, 1000, FK_OUTCOME_COMPLETED, "one", 3);
    th_expect_outcome(k, tx_other, 1000, FK_OUTCOME_COMPLETED, "two", 3);
    uint64_t sent_after[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, sent_after);
    CHECK(sent_after[KMCLB_Q_COMPLETIONS_SENT] == sent_before[KMCLB_Q_COMPLETIONS_SENT] + 2);
    th_expect_packet_refused(s, m, ch, twice, KMCLB_STATUS_PACKET_RETIRED);
    CHECK(fk_violations(m->world) == 0); /* no packet reached KMCL twice */
    th_close_session(s, m);
}

typedef struct {
    uint32_t code;
    uint8_t in[256];
    uint32_t in_len;
    uint32_t out_len; /* minimum output */
} valid_req;

static uint32_t put(uint8_t *dst, const void *src, uint32_t n)
{
    memcpy(dst, src, n);
    return n;
}

static int build_valid(valid_req *v, uint64_t ch, uint64_t pkt)
{
    int n = 0;
    kmclb_in_header h = th_header();
    memset(v, 0, sizeof(valid_req) * 32);
    v[n].code = IOCTL_KMCLB_QUERY_VERSION;
    v[n].in_len = put(v[n].in, &h, sizeof(h));
    v[n++].out_len = sizeof(kmclb_version_out);
    v[n].code = IOCTL_KMCLB_LIST_ENDPOINTS;
    v[n].in_len = put(v[n].in, &h, sizeof(h));
    v[n++].out_len = sizeof(kmclb_endpoints_out);
    kmclb_create_in ci;
    memset(&ci, 0, sizeof(ci));
    ci.hdr = h;
    ci.endpoint = ep;
    ci.config.present = KMCLB_CFG_FRIENDLY_NAME;
    ci.config.friendly_name_bytes = 4;
    v[n].code = IOCTL_KMCLB_CHANNEL_CREATE;
    v[n].in_len = put(v[n].in, &ci, sizeof(ci));
    v[n].in_len += put(v[n].in + v[n].in_len, "n\0m\0", 4);
    v[n++].out_len = sizeof(kmclb_create_out);
    kmclb_configure_in cf;
    memset(&cf, 0, sizeof(cf));
    cf.hdr = h;
    cf.channel = ch;
    v[n].code = IOCTL_KMCLB_CHANNEL_CONFIGURE;
    v[n].in_len = put(v[n].in, &cf, sizeof(cf));
    v[n++].out_len = sizeof(kmclb_configure_out);
    kmclb_channel_in chi = {h, ch};
    uint32_t chcodes[] = {IOCTL_KMCLB_CHANNEL_QUERY, IOCTL_KMCLB_CHANNEL_START};
    for (int i = 0; i < 2; i++) {
        v[n].code = chcodes[i];
        v[n].in_len = put(v[n].in, &chi, sizeof(chi));
        v[n++].out_len = i == 0 ? KMCLB_QUERY_SLOTS * sizeof(uint64_t) : 0;
    }
    kmclb_set_context_in sc = {h, ch, 5};
    v[n].code = IOCTL_KMCLB_SET_CONTEXT;
    v[n].in_len = put(v[n].in, &sc, sizeof(sc));
    n++;
    kmclb_set_u32_in su = {h, ch, 5, 0};
    v[n].code = IOCTL_KMCLB_SET_QUOTA;
    v[n].in_len = put(v[n].in, &su, sizeof(su));
    n++;
    v[n].code = IOCTL_KMCLB_SET_LATENCY;
    v[n].in_len = put(v[n].in, &su, sizeof(su));
    v[n++].out_len = sizeof(kmclb_u32_out);
    kmclb_receive_in ri = {h, ch, 0, 0};
    v[n].code = IOCTL_KMCLB_RECEIVE;
    v[n].in_len = put(v[n].in, &ri, sizeof(ri));
    v[n++].out_len = sizeof(kmclb_receive_out);
    kmclb_complete_in cpi = {h, 1, 2};
    kmclb_complete_entry ce = {pkt, 0, 2};
    v[n].code = IOCTL_KMCLB_COMPLETE;
    v[n].in_len = put(v[n].in, &cpi, sizeof(cpi));
    v[n].in_len += put(v[n].in + v[n].in_len, &ce, sizeof(ce));
    v[n].in_len += put(v[n].in + v[n].in_len, "ok", 2);
    v[n++].out_len = sizeof(kmclb_complete_out) + sizeof(int32_t); /* one status per entry */
    kmclb_packet_in pi = {h, pkt};
    v[n].code = IOCTL_KMCLB_DEFER;
    v[n].in_len = put(v[n].in, &pi, sizeof(pi));
    n++;
    kmclb_send_in si;
    memset(&si, 0, sizeof(si));
    si.hdr = h;
    si.channel = ch;
    si.payload_length = 3;
    si.external_form = KMCLB_EXTERNAL_MDL;
    si.external_length = 2;
    si.flags = 1;
    v[n].code = IOCTL_KMCLB_SEND;
    v[n].in_len = put(v[n].in, &si, sizeof(si));
    v[n].in_len += put(v[n].in + v[n].in_len, "abcde", 5);
    n++;
    kmclb_send_sync_in ssi;
    memset(&ssi, 0, sizeof(ssi));
    ssi.hdr = h;
    ssi.channel = ch;
    ssi.payload_length = 2;
    ssi.completion_capacity = 8;
    ssi.has_timeout = 1;
    ssi.timeout_100ns = -10000;
    v[n].code = IOCTL_KMCLB_SEND_SYNC;
    v[n].in_len = put(v[n].in, &ssi, sizeof(ssi));
    v[n].in_len += put(v[n].in + v[n].in_len, "hi", 2);
    v[n++].out_len = sizeof(kmclb_send_sync_out) + 8; /* completion_capacity */
    kmclb_gpadl_create_in gc = {h, ch, 4096, 0};
    v[n].code = IOCTL_KMCLB_GPADL_CREATE;
    v[n].in_len = put(v[n].in, &gc, sizeof(gc));
    v[n++].out_len = sizeof(kmclb_u32_out);
    kmclb_gpadl_in gi = {h, ch, 1, 0};
    uint32_t gcodes[] = {IOCTL_KMCLB_GPADL_DELETE, IOCTL_KMCLB_GPADL_MAP, IOCTL_KMCLB_GPADL_UNMAP};
    for (int i = 0; i < 3; i++) {
        v[n].code = gcodes[i];
        v[n].in_len = put(v[n].in, &gi, sizeof(gi));
    n++;
    }
    kmclb_gpadl_access_in ga;
    memset(&ga, 0, sizeof(ga));
    ga.hdr = h;
    ga.channel = ch;
    ga.handle = 1;
    ga.length = 4;
    v[n].code = IOCTL_KMCLB_GPADL_READ;
    v[n].in_len = put(v[n].in, &ga, sizeof(ga));
    v[n++].out_len = 4;
    v[n].code = IOCTL_KMCLB_GPADL_WRITE;
    v[n].in_len = put(v[n].in, &ga, sizeof(ga));
    v[n].in_len += put(v[n].in + v[n].in_len, "data", 4);
    n++;
    kmclb_requeue_in rq = {h, ch, 1, 0};
    v[n].code = IOCTL_KMCLB_REQUEUE;
    v[n].in_len = put(v[n].in, &rq, sizeof(rq));
    v[n].in_len += put(v[n].in + v[n].in_len, &pkt, sizeof(pkt));
    n++;
    /* FAIL, ENABLE, DISABLE, PAUSE, CLEANUP share layouts with DEFER / START (checked below via those) */
    return n;
}

static kc_status requeue_ids(kc_session *s, uint64_t ch, const uint64_t *ids, uint32_t count, uint32_t claimed,
                             uint32_t reserved)
{
    static uint8_t in[sizeof(kmclb_requeue_in) + 8 * sizeof(uint64_t)];
    kmclb_requeue_in rq = {th_header(), ch, claimed, reserved};
    memcpy(in, &rq, sizeof(rq));
    memcpy(in + sizeof(rq), ids, (size_t)count * sizeof(uint64_t));
    return th_ioctl(s, m, IOCTL_KMCLB_REQUEUE, in, (uint32_t)(sizeof(rq) + (size_t)count * sizeof(uint64_t)), NULL, 0,
                    NULL, -1);
}

static void test_requeue_hostile_ids(void)
{
    kc_session *a, *b;
    kc_session_open(m->core, &a);
    kc_session_open(m->core, &b);
    /* one client channel per offer: three offers */
    uint64_t ep2 = th_offer(m, 2, NULL), ep3 = th_offer(m, 3, NULL);
    uint64_t ch = th_open_channel(a, m, ep, 0), tx;
    uint64_t ch2 = th_open_channel(a, m, ep2, 0);
    uint64_t chb = th_open_channel(b, m, ep3, 0);
    uint64_t p = th_deliver(a, m, ch, "pkt", 1, &tx, NULL);
    uint64_t p2 = th_deliver(a, m, ch2, "pkt", 1, &tx, NULL);
    uint64_t pb = th_deliver(b, m, chb, "pkt", 1, &tx, NULL);
    uint64_t one[1];
    /* counts and reserved fields */
    CHECK_ST(requeue_ids(a, ch, &p, 0, 0, 0), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(requeue_ids(a, ch, &p, 1, 1, 7), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(requeue_ids(a, ch, &p, 1, KMCLB_MAX_REQUEUE_BATCH + 1, 0), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(requeue_ids(a, ch, &p, 1, 2, 0), KMCLB_STATUS_INFO_LENGTH_MISMATCH);
    CHECK_ST(requeue_ids(a, ch, &p, 1, 0xFFFFFFFFu, 0), KMCLB_STATUS_INVALID_PARAMETER);
    /* forged channel, another session's channel and packet, a packet of another channel */
    CHECK_ST(requeue_ids(a, 0, &p, 1, 1, 0), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(requeue_ids(a, chb, &p, 1, 1, 0), KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(requeue_ids(a, ch, &pb, 1, 1, 0), KMCLB_STATUS_FOREIGN_ID);
    CHECK_ST(requeue_ids(a, ch, &p2, 1, 1, 0), KMCLB_STATUS_INVALID_HANDLE);
    one[0] = ch; /* a channel id as packet id */
    CHECK_ST(requeue_ids(a, ch, one, 1, 1, 0), KMCLB_STATUS_INVALID_HANDLE);
    one[0] = 0;
    CHECK_ST(requeue_ids(a, ch, one, 1, 1, 0), KMCLB_STATUS_INVALID_HANDLE);
    /* a duplicate: the first is requeued, the second is no longer delivered */
    uint64_t dup[2] = {p, p};
    CHECK_ST(requeue_ids(a, ch, dup, 2, 2, 0), KMCLB_STATUS_CONTRACT_VIOLATION);
    CHECK_ST(th_complete(a, m, p, NULL, 0), KMCLB_STATUS_CONTRACT_VIOLATION);
    CHECK_ST(th_packet_op(a, m, IOCTL_KMCLB_FAIL, p), KMCLB_STATUS_CONTRACT_VIOLATION);
    /* it comes back with the same id, then ends normally; ended packets cannot be requeued */
    kmclb_event e;
    CHECK(th_wait_event(a, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, NULL, 0) == p);
    CHECK_ST(th_complete(a, m, p, NULL, 0), 0);
    CHECK_ST(requeue_ids(a, ch, &p, 1, 1, 0), KMCLB_STATUS_PACKET_RETIRED);
    CHECK_ST(th_complete(a, m, p2, NULL, 0), 0);
    CHECK_ST(th_complete(b, m, pb, NULL, 0), 0);
    kc_session_close(b);
    kc_session_close(a);
}

static void test_truncated_and_oversized_input_every_ioctl(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch = th_open_channel(s, m, ep, 0), tx;
    uint64_t pkt = th_deliver(s, m, ch, "pkt", 1, &tx, NULL);
    static valid_req v[32];
    int n = build_valid(v, ch, pkt);
    uint32_t same_layout[][2] = {{IOCTL_KMCLB_FAIL, IOCTL_KMCLB_DEFER},
                                 {IOCTL_KMCLB_CHANNEL_ENABLE, IOCTL_KMCLB_CHANNEL_START},
                                 {IOCTL_KMCLB_CHANNEL_DISABLE, IOCTL_KMCLB_CHANNEL_START},
                                 {IOCTL_KMCLB_CHANNEL_PAUSE, IOCTL_KMCLB_CHANNEL_START},
                                 {IOCTL_KMCLB_CHANNEL_CLEANUP, IOCTL_KMCLB_CHANNEL_START}};
    uint8_t out[512];
    int covered = 0;
    for (int i = 0; i < n + 5; i++) {
        valid_req *r = &v[i < n ? i : 0];
        uint32_t code = r->code;
        if (i >= n) {
            uint32_t like = same_layout[i - n][1];
            for (int k = 0; k < n; k++) {
                if (v[k].code == like) {
                    r = &v[k];
                }
            }
            code = same_layout[i - n][0];
        }
        covered++;
        uint32_t info;
        /* every truncation fails and produces no output */
        for (uint32_t len = 0; len < r->in_len; len++) {
            memset(out, 0xEE, sizeof(out));
            kc_status st = th_ioctl(s, m, code, r->in, len, out, r->out_len ? r->out_len : 8, &info, 0);
            th_checks++;
            if (st >= 0 || info != 0) {
                th_failures++;
                fprintf(stderr, "code %08X truncated to %u: status %08X info %u\n", code, len, (unsigned)st, info);
            }
        }
        /* oversized: trailing bytes are rejected */
        for (uint32_t extra = 1; extra <= 16; extra *= 2) {
            uint8_t big[300];
            memcpy(big, r->in, r->in_len);
            memset(big + r->in_len, 0, extra);
            kc_status st = th_ioctl(s, m, code, big, r->in_len + extra, out, r->out_len ? r->out_len : 8, &info, 0);
            th_checks++;
            if (st != KMCLB_STATUS_INFO_LENGTH_MISMATCH || info != 0) {
                th_failures++;
                fprintf(stderr, "code %08X oversized by %u: status %08X info %u\n", code, extra, (unsigned)st, info);
            }
        }
        /* output one byte too small */
        if (r->out_len > 0 && code != IOCTL_KMCLB_COMPLETE) {
            kc_status st = th_ioctl(s, m, code, r->in, r->in_len, out, r->out_len - 1, &info, 0);
            th_checks++;
            if (st != KMCLB_STATUS_BUFFER_TOO_SMALL || info != 0) {
                th_failures++;
                fprintf(stderr, "code %08X short output: status %08X\n", code, (unsigned)st);
            }
        }
        /* wrong protocol version */
        if (code != IOCTL_KMCLB_QUERY_VERSION) {
            uint8_t bad[300];
            memcpy(bad, r->in, r->in_len);
            kmclb_in_header wrong = {KMCLB_PROTOCOL_VERSION + 1, 0};
            memcpy(bad, &wrong, sizeof(wrong));
            CHECK_ST(th_ioctl(s, m, code, bad, r->in_len, out, sizeof(out), &info, 0), KMCLB_STATUS_REVISION_MISMATCH);
            wrong.version = KMCLB_PROTOCOL_VERSION;
            wrong.reserved = 1;
            memcpy(bad, &wrong, sizeof(wrong));
            CHECK_ST(th_ioctl(s, m, code, bad, r->in_len, out, sizeof(out), &info, 0), KMCLB_STATUS_INVALID_PARAMETER);
        }
    }
    CHECK(covered == KMCLB_FN_LAST - KMCLB_FN_FIRST + 1);
    /* unknown or malformed control codes */
    uint32_t bad_codes[] = {KMCLB_CODE(0x7FF, KMCLB_R), KMCLB_CODE(KMCLB_FN_LAST + 1, KMCLB_RW),
                            IOCTL_KMCLB_SEND & ~(uint32_t)(KMCLB_RW << 14),          /* missing access bits */
                            IOCTL_KMCLB_SEND | 3u,                                  /* METHOD_NEITHER */
                            (IOCTL_KMCLB_SEND & 0xFFFFu) | (0x22u << 16),           /* other device type */
                            IOCTL_KMCLB_QUERY_VERSION | (KMCLB_RW << 14), 0};
    kmclb_in_header h = th_header();
    for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        CHECK_ST(th_ioctl(s, m, bad_codes[i], &h, sizeof(h), out, sizeof(out), NULL, 0),
                 KMCLB_STATUS_INVALID_DEVICE_REQUEST);
    }
    /* garbage in the output buffer never leaks out: every returned byte was written by the core */
    kmclb_channel_in q = {th_header(), ch};
    uint8_t qo[300];
    uint32_t info;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_QUERY, &q, sizeof(q), qo, sizeof(qo), &info, 0), 0);
    CHECK(info == KMCLB_QUERY_SLOTS * sizeof(uint64_t));
    kc_session_close(s);
}

static void test_length_overflow(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch = th_open_channel(s, m, ep, 0), tx;
    uint64_t pkt = th_deliver(s, m, ch, "pkt", 1, &tx, NULL);
    uint8_t buf[128];
    /* send: payload + external wrap around 32 bits */
    kmclb_send_in si;
    memset(&si, 0, sizeof(si));
    si.hdr = th_header();
    si.channel = ch;
    si.external_form = KMCLB_EXTERNAL_MDL;
    si.payload_length = 0xFFFFFFF0u;
    si.external_length = 0x30u;
    memcpy(buf, &si, sizeof(si));
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_SEND, buf, sizeof(si) + 0x20, NULL, 0, NULL, 0);
    CHECK(st == KMCLB_STATUS_INVALID_PARAMETER || st == KMCLB_STATUS_INFO_LENGTH_MISMATCH);
    si.payload_length = KMCLB_MAX_PAYLOAD;
    si.external_length = 8;
    memcpy(buf, &si, sizeof(si));
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND, buf, sizeof(si) + 8, NULL, 0, NULL, 0), KMCLB_STATUS_INFO_LENGTH_MISMATCH);
    /* complete: count * sizeof(kmclb_complete_entry) + payload chosen to wrap a 32-bit sum */
    kmclb_complete_in ci = {th_header(), 0x10000001u, 0};
    memcpy(buf, &ci, sizeof(ci));
    const uint32_t two_statuses = sizeof(kmclb_complete_out) + 2 * sizeof(int32_t); /* output room */
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, buf, sizeof(ci), buf, two_statuses, NULL, 0),
             KMCLB_STATUS_INVALID_PARAMETER);
    ci.count = 1;
    ci.payload_bytes = 0xFFFFFFF0u;
    memcpy(buf, &ci, sizeof(ci));
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, buf, sizeof(ci) + sizeof(kmclb_complete_entry), buf, two_statuses,
                      NULL, 0),
             KMCLB_STATUS_INVALID_PARAMETER);
    /* complete entry: offset + length wraps */
    kmclb_complete_in c1 = {th_header(), 1, 4};
    kmclb_complete_entry e = {pkt, 0xFFFFFFFEu, 6};
    memcpy(buf, &c1, sizeof(c1));
    memcpy(buf + sizeof(c1), &e, sizeof(e));
    memcpy(buf + sizeof(c1) + sizeof(e), "abcd", 4);
    kmclb_complete_out co;
    uint8_t out[sizeof(co) + sizeof(int32_t)];
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, buf, sizeof(c1) + sizeof(e) + 4, out, sizeof(out), NULL, 0), 0);
    memcpy(&co, out, sizeof(co));
    CHECK(co.status == KMCLB_STATUS_INVALID_PARAMETER);
    /* GPADL access: offset + length wraps 64 bits */
    uint32_t gh;
    CHECK_ST(th_gpadl_create(s, m, ch, 4096, &gh), 0);
    kmclb_gpadl_access_in ga;
    memset(&ga, 0, sizeof(ga));
    ga.hdr = th_header();
    ga.channel = ch;
    ga.handle = gh;
    ga.offset = 0xFFFFFFFFFFFFFFF0ull;
    ga.length = 0x20;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_READ, &ga, sizeof(ga), buf, 0x20, NULL, 0), KMCLB_STATUS_INVALID_PARAMETER);
    ga.offset = 4095;
    ga.length = 2;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_READ, &ga, sizeof(ga), buf, 2, NULL, 0), KMCLB_STATUS_INVALID_PARAMETER);
    ga.length = 0xFFFFFFFFu;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_GPADL_READ, &ga, sizeof(ga), buf, 16, NULL, 0), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(th_gpadl_create(s, m, ch, 0xFFFFFFFFu, &gh), KMCLB_STATUS_INVALID_PARAMETER);
    /* configure: friendly name length far beyond the input */
    kmclb_configure_in cf;
    memset(&cf, 0, sizeof(cf));
    cf.hdr = th_header();
    cf.channel = ch;
    cf.config.present = KMCLB_CFG_FRIENDLY_NAME;
    cf.config.friendly_name_bytes = 0xFFFFFFFEu;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CONFIGURE, &cf, sizeof(cf), out, sizeof(kmclb_configure_out), NULL, 0),
             KMCLB_STATUS_INVALID_PARAMETER);
    cf.config.friendly_name_bytes = 6;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CONFIGURE, &cf, sizeof(cf), out, sizeof(kmclb_configure_out), NULL, 0),
             KMCLB_STATUS_INFO_LENGTH_MISMATCH);
    /* sync request: completion capacity beyond the output */
    kmclb_send_sync_in ss;
    memset(&ss, 0, sizeof(ss));
    ss.hdr = th_header();
    ss.channel = ch;
    ss.completion_capacity = 0xFFFFFFF8u;
    ss.has_timeout = 1;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND_SYNC, &ss, sizeof(ss), buf, 16, NULL, 0), KMCLB_STATUS_INVALID_PARAMETER);
    ss.completion_capacity = 64;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND_SYNC, &ss, sizeof(ss), buf, 16, NULL, 0), KMCLB_STATUS_BUFFER_TOO_SMALL);
    /* input larger than the protocol maximum is refused before anything is read */
    kc_request r;
    memset(&r, 0, sizeof(r));
    r.in = buf;
    r.in_len = KMCLB_MAX_INPUT + 1;
    CHECK_ST(kc_dispatch(s, IOCTL_KMCLB_SEND, &r), KMCLB_STATUS_INVALID_PARAMETER);
    r.in = NULL;
    r.in_len = 8;
    CHECK_ST(kc_dispatch(s, IOCTL_KMCLB_SEND, &r), KMCLB_STATUS_INVALID_PARAMETER);
    kc_session_close(s);
}

static void test_session_closed_while_holding_packets_and_parked_receives(void)
{
    kc_session *s;
    kc_session_open(m->core, &s);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t tx[5];
    for (int i = 0; i < 5; i++) {
        CHECK(th_deliver(s, m, ch, "pkt", 1, &tx[i], NULL) != 0); /* held by user mode, never completed */
    }
    uint64_t sendtx;
    CHECK_ST(fk_peer_send(k, "queued", 6, 1, NULL, 0, 0, &sendtx), 0); /* queued in the core, not received */
    /* a server channel with a parked receive and a mapped GPADL */
    uint64_t sv = th_open_channel(s, m, ep, 1);
    kc_vmbchannel ks = th_kch(m, sv);
    CHECK_ST(fk_peer_open(ks), 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, sv, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) != 0);
    uint32_t gh;
    CHECK_ST(fk_peer_create_gpadl(ks, 8192, 0, &gh), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, sv, gh, 0), 0);
    /* a client-side GPADL mapped by the host */
    uint32_t ours;
    CHECK_ST(th_gpadl_create(s, m, ch, 4096, &ours), 0);
    uint64_t mapping;
    CHECK_ST(fk_peer_map_gpadl(k, ours, 0, &mapping), 0);
    /* a pending send of ours */
    CHECK_ST(th_send(s, m, ch, 9, 1, "wait", 4), 0);
    th_parked_receive a;
    th_park_receive(&a, s, m, sv);
    CHECK(kc_core_live_handles(m->core) >= 7);
    kc_session_close(s); /* the file handle closes */
    th_join_receive(&a);
    CHECK(a.st == KMCLB_STATUS_CANCELLED && a.h.records == 0);
    CHECK(kc_core_live_handles(m->core) == 0);
    CHECK(fk_violations(m->world) == 0);
    /* The held packets were retired (completed) before the disable: the fake's Disable waits for
     * every delivered packet to be completed (B94), so returning at all proves it. */
    (void)tx;
}

static void test_device_removal_tears_down_channels(void)
{
    uint64_t ep2 = th_offer(m, 9, NULL);
    kc_session *a, *b;
    kc_session_open(m->core, &a);
    kc_session_open(m->core, &b);
    uint64_t cb, tx;
    uint64_t ca = th_open_channel(a, m, ep2, 0);
    uint64_t pkt = th_deliver(a, m, ca, "p", 1, &tx, NULL);
    CHECK_ST(th_create_channel(b, m, ep2, 1, &cb), 0);
    CHECK_ST(kc_endpoint_teardown(m->core, ep2), 0);
    CHECK_ST(th_channel_op(a, m, IOCTL_KMCLB_CHANNEL_ENABLE, ca), KMCLB_STATUS_STALE_ID);
    CHECK_ST(th_channel_op(b, m, IOCTL_KMCLB_CHANNEL_ENABLE, cb), KMCLB_STATUS_STALE_ID);
    CHECK_ST(th_complete(a, m, pkt, NULL, 0), KMCLB_STATUS_PACKET_RETIRED);
    CHECK_ST(th_create_channel(a, m, ep2, 0, &ca), KMCLB_STATUS_NO_SUCH_DEVICE);
    kc_session_close(a);
    kc_session_close(b);
    CHECK(kc_core_live_handles(m->core) == 0);
}

int main(void)
{
    m = th_create();
    ep = th_offer(m, 1, NULL);
    test_forged_id();
    test_stale_id_after_close();
    /* the stale test's session close disabled a client: offers stay */
    test_id_from_another_session();
    test_double_complete_and_complete_after_fail();
    test_batch_completes_a_packet_named_twice_once();
    test_requeue_hostile_ids();
    test_truncated_and_oversized_input_every_ioctl();
    test_length_overflow();
    test_session_closed_while_holding_packets_and_parked_receives();
    test_device_removal_tears_down_channels();
    CHECK(kc_core_session_count(m->core) == 0);
    th_destroy(m);
    TEST_MAIN_END();
}
