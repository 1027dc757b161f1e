/* test_host.c - the driver tests' host settings and request helpers over driver/posixhost. */
#define _POSIX_C_SOURCE 200809L
#include "test_host.h"
#include <stdlib.h>
#include <time.h>

int th_failures;
int th_checks;

th_machine *th_create(void)
{
    return th_create_with_handles(4096);
}

th_machine *th_create_with_handles(uint32_t max_handles)
{
    th_machine *m = calloc(1, sizeof(*m));
    const posix_host_options options = {
        .max_handles = max_handles, .driver_version = "test", .seed = 7, .poison_output = 1};
    if (m == NULL || posix_host_create(&options, &m->host) < 0) {
        abort();
    }
    m->core = posix_host_core(m->host);
    m->world = posix_host_world(m->host);
    return m;
}

void th_destroy(th_machine *m)
{
    posix_host_destroy(m->host);
    free(m);
}

kc_status th_ioctl(kc_session *s, th_machine *m, uint32_t code, const void *in, uint32_t in_len, void *out,
                   uint32_t out_len, uint32_t *info, int64_t wait_ms)
{
    posix_host_output output;
    kc_status st = posix_host_ioctl(m->host, s, code, in, in_len, out, out_len, wait_ms, &output);
    if (output.reported > out_len) {
        fprintf(stderr, "info %u > out_len %u\n", output.reported, out_len);
        abort();
    }
    if (info != NULL) {
        *info = output.reported;
    }
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
    return posix_host_endpoint_of_offer(m->host, offer);
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
    const uint32_t header = (uint32_t)sizeof(kmclb_receive_out);
    uint8_t *out = malloc(header + cap);
    uint32_t info = 0;
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_RECEIVE, &in, sizeof(in), out, header + cap, &info, wait_ms);
    memset(hdr, 0, sizeof(*hdr));
    if (st >= 0 && info >= header) {
        memcpy(hdr, out, header);
        if (hdr->bytes + header != info) {
            fprintf(stderr, "receive: bytes %u info %u\n", hdr->bytes, info);
            abort();
        }
        memcpy(buf, out + header, hdr->bytes);
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
            const uint8_t *p = buf + at + sizeof(e);
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
    /* kmclb_complete_in, one kmclb_complete_entry, then the payload */
    uint8_t in[sizeof(kmclb_complete_in) + sizeof(kmclb_complete_entry) + 256];
    const size_t entry_at = sizeof(kmclb_complete_in);
    const size_t payload_at = entry_at + sizeof(kmclb_complete_entry);
    if (len > sizeof(in) - payload_at) {
        abort();
    }
    kmclb_complete_in h;
    memset(&h, 0, sizeof(h));
    h.hdr.version = KMCLB_PROTOCOL_VERSION;
    h.count = 1;
    h.payload_bytes = len;
    kmclb_complete_entry e = {pkt, 0, len};
    memcpy(in, &h, sizeof(h));
    memcpy(in + entry_at, &e, sizeof(e));
    if (len) {
        memcpy(in + payload_at, payload, len);
    }
    /* kmclb_complete_out, then one status per entry */
    uint8_t out[sizeof(kmclb_complete_out) + sizeof(int32_t)];
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_COMPLETE, in, (uint32_t)(payload_at + len), out, sizeof(out), NULL, -1);
    if (st < 0) {
        return st;
    }
    kmclb_complete_out o;
    memcpy(&o, out, sizeof(o));
    return o.status;
}

kc_vmbchannel th_kch(th_machine *m, uint64_t ch)
{
    kc_vmbchannel k = NULL;
    kc_peer_resolve_channel(m->core, ch, &k);
    return k;
}

kmclb_in_header th_header(void)
{
    kmclb_in_header h = {KMCLB_PROTOCOL_VERSION, 0};
    return h;
}

uint64_t th_open_channel(kc_session *s, th_machine *m, uint64_t endpoint, int server)
{
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, endpoint, server, &ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    return ch;
}

uint64_t th_deliver(kc_session *s, th_machine *m, uint64_t ch, const char *msg, int completion, uint64_t *tx,
                    kmclb_event *out_ev)
{
    kmclb_event e;
    CHECK_ST(fk_peer_send(th_kch(m, ch), msg, (uint32_t)strlen(msg), completion, NULL, 0, 0, tx), 0);
    uint64_t pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, out_ev != NULL ? out_ev : &e, NULL, 0);
    CHECK(pkt != 0);
    return pkt;
}

kc_session *th_open_session(th_machine *m)
{
    kc_session *s = NULL;
    CHECK_ST(kc_session_open(m->core, &s), 0);
    return s;
}

void th_close_session(kc_session *s, th_machine *m)
{
    kc_session_close(s);
    CHECK(kc_core_live_handles(m->core) == 0);
}

void th_expect_outcome(kc_vmbchannel k, uint64_t tx, int64_t wait_ms, int kind, const void *payload, uint32_t len)
{
    int got = -1;
    uint8_t buf[256];
    uint32_t got_len = 0;
    CHECK_ST(fk_peer_await_outcome(k, tx, wait_ms, &got, buf, sizeof(buf), &got_len), 0);
    CHECK(got == kind);
    if (kind == FK_OUTCOME_COMPLETED) {
        CHECK(got_len == len && (len == 0 || memcmp(buf, payload, len) == 0));
    }
}

kc_status th_packet_op(kc_session *s, th_machine *m, uint32_t code, uint64_t pkt)
{
    kmclb_packet_in in = {th_header(), pkt};
    return th_ioctl(s, m, code, &in, sizeof(in), NULL, 0, NULL, -1);
}

kc_status th_requeue(kc_session *s, th_machine *m, uint64_t ch, const uint64_t *ids, uint32_t count)
{
    size_t bytes = sizeof(kmclb_requeue_in) + (size_t)count * sizeof(uint64_t);
    uint8_t *in = malloc(bytes);
    if (in == NULL) {
        abort();
    }
    kmclb_requeue_in rq = {th_header(), ch, count, 0};
    memcpy(in, &rq, sizeof(rq));
    memcpy(in + sizeof(rq), ids, (size_t)count * sizeof(uint64_t));
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_REQUEUE, in, (uint32_t)bytes, NULL, 0, NULL, -1);
    free(in);
    return st;
}

void th_expect_packet_refused(kc_session *s, th_machine *m, uint64_t ch, uint64_t pkt, kc_status status)
{
    CHECK_ST(th_complete(s, m, pkt, "no", 2), status);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_FAIL, pkt), status);
    CHECK_ST(th_packet_op(s, m, IOCTL_KMCLB_DEFER, pkt), status);
    CHECK_ST(th_requeue(s, m, ch, &pkt, 1), status);
}

void th_query(kc_session *s, th_machine *m, uint64_t ch, uint64_t q[KMCLB_QUERY_SLOTS])
{
    kmclb_channel_in in = {th_header(), ch};
    uint32_t info = 0;
    const uint32_t bytes = KMCLB_QUERY_SLOTS * sizeof(uint64_t);
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_QUERY, &in, sizeof(in), q, bytes, &info, -1), 0);
    CHECK(info == bytes);
}

kc_status th_send(kc_session *s, th_machine *m, uint64_t ch, uint64_t tag, uint32_t flags, const void *payload,
                  uint32_t len)
{
    uint8_t buf[sizeof(kmclb_send_in) + 256];
    if (len > sizeof(buf) - sizeof(kmclb_send_in)) {
        abort();
    }
    kmclb_send_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.tag = tag;
    in.flags = flags;
    in.payload_length = len;
    memcpy(buf, &in, sizeof(in));
    memcpy(buf + sizeof(in), payload, len);
    return th_ioctl(s, m, IOCTL_KMCLB_SEND, buf, (uint32_t)sizeof(in) + len, NULL, 0, NULL, -1);
}

kc_status th_gpadl_create(kc_session *s, th_machine *m, uint64_t ch, uint32_t size, uint32_t *handle)
{
    kmclb_gpadl_create_in in = {th_header(), ch, size, 0};
    kmclb_u32_out o;
    memset(&o, 0, sizeof(o));
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_GPADL_CREATE, &in, sizeof(in), &o, sizeof(o), NULL, -1);
    *handle = o.value;
    return st;
}

kc_status th_gpadl_op(kc_session *s, th_machine *m, uint32_t code, uint64_t ch, uint32_t handle, uint32_t flags)
{
    kmclb_gpadl_in in = {th_header(), ch, handle, flags};
    return th_ioctl(s, m, code, &in, sizeof(in), NULL, 0, NULL, -1);
}

static void *parked_receive_thread(void *p)
{
    th_parked_receive *r = p;
    r->st = th_receive(r->s, r->m, r->ch, r->buf, sizeof(r->buf), r->wait_ms, &r->h);
    return NULL;
}

void th_park_receive(th_parked_receive *r, kc_session *s, th_machine *m, uint64_t ch)
{
    th_park_receive_bounded(r, s, m, ch, -1);
}

void th_park_receive_bounded(th_parked_receive *r, kc_session *s, th_machine *m, uint64_t ch, int64_t wait_ms)
{
    memset(r, 0, sizeof(*r));
    r->s = s;
    r->m = m;
    r->ch = ch;
    r->wait_ms = wait_ms;
    if (pthread_create(&r->thread, NULL, parked_receive_thread, r) != 0) {
        abort();
    }
    for (int i = 0; i < 10000 && posix_host_parked_requests(m->host) == 0; i++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    CHECK(posix_host_parked_requests(m->host) == 1);
}

void th_join_receive(th_parked_receive *r)
{
    pthread_join(r->thread, NULL);
}
