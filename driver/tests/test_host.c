/* test_host.c - the driver tests' host settings and request helpers over driver/posixhost. */
#define _POSIX_C_SOURCE 200809L
#include "test_host.h"
#include <stdlib.h>

int th_failures;
int th_checks;

th_machine *th_create(void)
{
    th_machine *m = calloc(1, sizeof(*m));
    const posix_host_options options = {.max_handles = 4096, .driver_version = "test", .seed = 7, .poison_output = 1};
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
