/* libFuzzer target: the IOCTL decoder and everything behind it, over the C fake of KMCL.
 *
 * Input: byte 0 selects the control code (>= 0xF0: the next 4 bytes are a raw code), bytes 1-2
 * the output length (mod 4096), the rest is the IOCTL input. Eight-byte markers in the input are
 * replaced by live ids so the fuzzer reaches past the id checks: "!CHANNEL" (active client
 * channel), "!SERVERC" (enabled server channel), "!PACKET!" (a packet held by user mode),
 * "!ENDPNT!" (the endpoint). Each input runs in a fresh session that is closed afterwards, so
 * file cleanup is fuzzed too. Calls that would block forever in a real driver waiting for the
 * user (Pause/Disable with a held packet, a synchronous request without a timeout) are made
 * non-blocking by the harness: the held packet is completed first / has_timeout is forced. */
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;
static uint64_t ep;

static const uint32_t codes[] = {
    IOCTL_KMCLB_QUERY_VERSION, IOCTL_KMCLB_LIST_ENDPOINTS, IOCTL_KMCLB_CHANNEL_CREATE,
    IOCTL_KMCLB_CHANNEL_CONFIGURE, IOCTL_KMCLB_CHANNEL_ENABLE, IOCTL_KMCLB_CHANNEL_DISABLE,
    IOCTL_KMCLB_CHANNEL_PAUSE, IOCTL_KMCLB_CHANNEL_START, IOCTL_KMCLB_CHANNEL_CLEANUP,
    IOCTL_KMCLB_CHANNEL_QUERY, IOCTL_KMCLB_SET_CONTEXT, IOCTL_KMCLB_SET_QUOTA, IOCTL_KMCLB_SET_LATENCY,
    IOCTL_KMCLB_RECEIVE, IOCTL_KMCLB_COMPLETE, IOCTL_KMCLB_FAIL, IOCTL_KMCLB_DEFER, IOCTL_KMCLB_SEND,
    IOCTL_KMCLB_SEND_SYNC, IOCTL_KMCLB_GPADL_CREATE, IOCTL_KMCLB_GPADL_DELETE, IOCTL_KMCLB_GPADL_MAP,
    IOCTL_KMCLB_GPADL_UNMAP, IOCTL_KMCLB_GPADL_READ, IOCTL_KMCLB_GPADL_WRITE,
    IOCTL_KMCLB_REQUEUE,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    m = th_create();
    ep = th_offer(m, 1, NULL);
    return 0;
}

static void patch(uint8_t *in, size_t len, const char *marker, uint64_t value)
{
    for (size_t i = 0; i + 8 <= len; i++) {
        if (memcmp(in + i, marker, 8) == 0) {
            memcpy(in + i, &value, 8);
            i += 7;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 65536) {
        return 0;
    }
    uint32_t code;
    size_t at = 3;
    if (data[0] >= 0xF0) {
        if (size < 7) {
            return 0;
        }
        memcpy(&code, data + 3, 4);
        at = 7;
    } else {
        code = codes[data[0] % (sizeof(codes) / sizeof(codes[0]))];
    }
    uint32_t out_len = (uint32_t)(data[1] | (data[2] << 8)) % 4096u;
    size_t in_len = size - at;
    uint8_t *in = malloc(in_len ? in_len : 1);
    memcpy(in, data + at, in_len);

    kc_session *s;
    if (kc_session_open(m->core, &s) != 0) {
        abort();
    }
    uint64_t client = 0, server = 0, pkt = 0, tx;
    th_create_channel(s, m, ep, 0, &client);
    th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, client);
    th_create_channel(s, m, ep, 1, &server);
    th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, server);
    if (fk_peer_send(th_kch(m, client), "seed", 4, 1, NULL, 0, 0, &tx) == 0) {
        kmclb_event e;
        pkt = th_wait_event(s, m, client, KMCLB_EV_PACKET, 0, 0, &e, NULL, 0);
    }
    patch(in, in_len, "!CHANNEL", client);
    patch(in, in_len, "!SERVERC", server);
    patch(in, in_len, "!PACKET!", pkt);
    patch(in, in_len, "!ENDPNT!", ep);
    if (code == IOCTL_KMCLB_CHANNEL_PAUSE || code == IOCTL_KMCLB_CHANNEL_DISABLE) {
        th_complete(s, m, pkt, NULL, 0);
    }
    if (code == IOCTL_KMCLB_SEND_SYNC && in_len >= sizeof(kmclb_send_sync_in)) {
        uint32_t one = 1;
        int64_t zero = 0;
        memcpy(in + offsetof(kmclb_send_sync_in, has_timeout), &one, 4);
        memcpy(in + offsetof(kmclb_send_sync_in, timeout_100ns), &zero, 8);
    }
    uint8_t *out = malloc(out_len ? out_len : 1);
    uint32_t info = 0;
    kc_status st = th_ioctl(s, m, code, in, (uint32_t)in_len, out, out_len, &info, 0);
    /* invariants: exact byte counts, no output on errors */
    if (info > out_len) {
        abort();
    }
    if (st < 0 && st != KMCLB_STATUS_BUFFER_OVERFLOW && info != 0) {
        abort();
    }
    kc_session_close(s);
    if (kc_core_live_handles(m->core) != 0 || fk_violations(m->world) != 0) {
        abort(); /* file cleanup must release every id; the core must never break KMCL's contract */
    }
    free(out);
    free(in);
    return 0;
}
