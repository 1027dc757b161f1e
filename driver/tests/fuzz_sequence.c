/* libFuzzer target: sequences of IOCTLs from two sessions, interleaved with the peer's actions,
 * over the C fake of KMCL. Where fuzz_ioctl fuzzes one request's bytes, this fuzzes the order of
 * well-formed requests: the state machines of channels, packets, sends and GPADLs, and ids used
 * by the wrong session, after cleanup or after the peer went away.
 *
 * Input: a list of operations, each an operation byte (bit 7: session 0 or 1; the rest selects
 * the operation) followed by the bytes its arguments take (see the run_* functions; missing bytes
 * read as 0). Ids are picked from what the sequence has seen so far (channels created, packets
 * received, GPADL handles), or a bogus id one past the end. Each input offers a fresh device,
 * opens two sessions, runs its operations and closes both sessions, then checks:
 *   - every id is released and no receive is left parked,
 *   - the fake counted no KMCL contract violation (fk_violations),
 *   - every request reported at most its output length, and no output with an error status,
 * and the sanitizers check the rest. Calls that would wait forever for user mode in a real driver
 * (Pause/Disable with a packet held, GPADL delete while the peer maps it, a synchronous request
 * without timeout) are made non-blocking by the harness: held packets are completed first, a
 * Pause that would wait is skipped, peer mappings are closed first, the timeout is forced to 0.
 * To read a finding, run the target on it with FUZZ_SEQUENCE_TRACE=1: every operation, request and
 * peer call is printed with its result. */
#include <stdlib.h>
#include "test_host.h"

#define MAX_INPUT 4096u
#define MAX_IDS 2048u /* more than an input can make (an operation takes 2 bytes at least): the harness must
                         see every packet user mode may hold */
#define RECEIVE_CAPACITY 16384u

static th_machine *m;
static int tracing; /* FUZZ_SEQUENCE_TRACE set */

static const char *const operation_names[] = {
    "CREATE", "CONFIGURE", "ENABLE", "DISABLE", "PAUSE", "START", "CLEANUP", "QUERY", "SET_VALUE",
    "RECEIVE", "COMPLETE", "FAIL", "DEFER", "REQUEUE", "SEND", "SEND_SYNC", "GPADL_CREATE", "GPADL_OP",
    "GPADL_ACCESS", "PEER_SEND", "PEER_COMPLETE", "PEER_STATE", "PEER_GPADL", "INJECT", "RESCIND"};

#define TRACE(...)                        \
    do {                                  \
        if (tracing) {                    \
            fprintf(stderr, __VA_ARGS__); \
        }                                 \
    } while (0)

typedef struct id_table {
    uint64_t ids[MAX_IDS];
    uint32_t count;
} id_table;

typedef struct sequence {
    const uint8_t *data;
    size_t size, at;
    kc_session *sessions[2];
    uint64_t offer, endpoint;
    int offered;
    id_table channels; /* of both sessions, also after cleanup (stale ids are worth trying) */
    id_table packets;  /* every packet id a receive returned */
    id_table gpadls;   /* handles: ours (GPADL_CREATE) and the peer's (to map on a server) */
    id_table mappings; /* the peer's mappings of our GPADLs */
} sequence;

enum operation {
    OP_CREATE,
    OP_CONFIGURE,
    OP_ENABLE,
    OP_DISABLE,
    OP_PAUSE,
    OP_START,
    OP_CLEANUP,
    OP_QUERY,
    OP_SET_VALUE,
    OP_RECEIVE,
    OP_COMPLETE,
    OP_FAIL,
    OP_DEFER,
    OP_REQUEUE,
    OP_SEND,
    OP_SEND_SYNC,
    OP_GPADL_CREATE,
    OP_GPADL_OP,
    OP_GPADL_ACCESS,
    OP_PEER_SEND,
    OP_PEER_COMPLETE,
    OP_PEER_STATE,
    OP_PEER_GPADL,
    OP_INJECT,
    OP_RESCIND,
    OP_COUNT
};
_Static_assert(sizeof(operation_names) / sizeof(operation_names[0]) == OP_COUNT, "a name per operation");

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    m = th_create();
    tracing = getenv("FUZZ_SEQUENCE_TRACE") != NULL;
    return 0;
}

/* ------------------------------------------------------------------ input and ids */
static uint8_t next_byte(sequence *q)
{
    return q->at < q->size ? q->data[q->at++] : 0;
}

static uint32_t next_u16(sequence *q)
{
    uint32_t low = next_byte(q);
    return low | ((uint32_t)next_byte(q) << 8);
}

static void remember(id_table *t, uint64_t id)
{
    if (id == 0 || t->count == MAX_IDS) {
        return;
    }
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->ids[i] == id) {
            return; /* a redelivery keeps its id */
        }
    }
    t->ids[t->count++] = id;
}

/* an id the sequence has seen (one of the first 255), or (one past the end) one it has not */
static uint64_t pick(sequence *q, const id_table *t)
{
    uint8_t b = next_byte(q);
    uint32_t i = b % (t->count + 1u);
    return i < t->count ? t->ids[i] : 0x0000000100000000ull * b + 0x01000000u + b;
}

static kc_session *session(sequence *q, uint8_t op)
{
    return q->sessions[op >> 7];
}

/* KMCL's channel behind an id, for the peer (NULL when the id names none) */
static kc_vmbchannel peer_channel(sequence *q)
{
    kc_vmbchannel k = NULL;
    kc_peer_resolve_channel(m->core, pick(q, &q->channels), &k);
    return k;
}

/* One request with the invariants every request keeps (th_ioctl aborts on info > out_len). */
static kc_status run_ioctl(kc_session *s, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len)
{
    uint32_t info = 0;
    uint64_t channel = 0;
    if (in_len >= sizeof(kmclb_channel_in)) {
        memcpy(&channel, (const uint8_t *)in + offsetof(kmclb_channel_in, channel), sizeof(channel));
    }
    kc_status st = th_ioctl(s, m, code, in, in_len, out, out_len, &info, 0);
    TRACE("  ioctl 0x%03X (id field 0x%llx) -> 0x%08X, %u bytes\n", (unsigned)((code >> 2) & 0xFFFu),
          (unsigned long long)channel, (unsigned)st, info);
    if (st < 0 && st != KMCLB_STATUS_BUFFER_OVERFLOW && info != 0) {
        abort(); /* output reported with an error status */
    }
    return st;
}

/* ------------------------------------------------------------------ harness steps */
/* ends every packet user mode may hold, so Pause and Disable never wait for user mode */
static void complete_held_packets(sequence *q)
{
    for (uint32_t i = 0; i < q->packets.count; i++) {
        th_complete(q->sessions[0], m, q->packets.ids[i], NULL, 0);
        th_complete(q->sessions[1], m, q->packets.ids[i], NULL, 0);
    }
}

static void close_peer_mappings(sequence *q)
{
    for (uint32_t i = 0; i < q->mappings.count; i++) {
        fk_mapping_close(m->world, q->mappings.ids[i]);
    }
    q->mappings.count = 0;
}

/* records of a receive: packet ids are remembered for later operations */
static void remember_packets(sequence *q, const uint8_t *records, uint32_t bytes)
{
    for (uint32_t at = 0; at + sizeof(kmclb_event) <= bytes;) {
        kmclb_event e;
        memcpy(&e, records + at, sizeof(e));
        if (e.kind == KMCLB_EV_PACKET) {
            remember(&q->packets, e.id);
        }
        TRACE("    record kind %u flags 0x%x id 0x%llx\n", e.kind, e.flags, (unsigned long long)e.id);
        uint64_t body = (uint64_t)e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0);
        at += (uint32_t)KMCLB_RECORD_SIZE(body > bytes ? bytes : body);
    }
}

/* polls one receive; returns its in-band status */
static kc_status poll_receive(sequence *q, kc_session *s, uint64_t ch, uint32_t capacity, int may_park)
{
    static uint8_t out[sizeof(kmclb_receive_out) + RECEIVE_CAPACITY];
    kmclb_receive_in in = {th_header(), ch, may_park ? 1u : 0u, 0};
    uint32_t out_len = (uint32_t)sizeof(kmclb_receive_out) + capacity % (RECEIVE_CAPACITY + 1u);
    kc_status st = run_ioctl(s, IOCTL_KMCLB_RECEIVE, &in, sizeof(in), out, out_len);
    if (st != KMCLB_STATUS_SUCCESS) {
        return st;
    }
    kmclb_receive_out h;
    memcpy(&h, out, sizeof(h));
    if (h.bytes > out_len - sizeof(h)) {
        abort(); /* more record bytes than the output holds */
    }
    remember_packets(q, out + sizeof(h), h.bytes);
    return h.status;
}

/* Pause waits for every packet KMCL delivered (B87): receive and complete what is queued, and report
 * whether the channel may still have packets pending (a stopped queue keeps them from user mode). */
static int pause_would_wait(sequence *q, kc_session *s, uint64_t ch)
{
    /* complete first: a completion frees quota and KMCL delivers what waited for it, so the last
     * step before asking is a receive that found nothing (PENDING_INCOMING does not count packets
     * queued in the core that user mode has not received) */
    complete_held_packets(q);
    for (int i = 0; i < 64 && poll_receive(q, s, ch, RECEIVE_CAPACITY, 0) == KMCLB_STATUS_SUCCESS; i++) {
        complete_held_packets(q);
    }
    uint64_t slots[KMCLB_QUERY_SLOTS];
    kmclb_channel_in in = {th_header(), ch};
    if (run_ioctl(s, IOCTL_KMCLB_CHANNEL_QUERY, &in, sizeof(in), slots, sizeof(slots)) != KMCLB_STATUS_SUCCESS) {
        return 0; /* not this session's channel: Pause fails without waiting */
    }
    /* PENDING_INCOMING counts what user mode received; while fail() has stopped the queue the core
     * may also keep packets KMCL delivered that user mode cannot receive, and Pause waits for them */
    return slots[KMCLB_Q_PENDING_INCOMING] != 0 || (slots[KMCLB_Q_FLAGS] & KMCLB_QF_QUEUE_STOPPED) != 0;
}

/* ------------------------------------------------------------------ operations */
static void read_config(sequence *q, kmclb_channel_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->present = next_u16(q) & ~(uint32_t)KMCLB_CFG_FRIENDLY_NAME;
    cfg->client_context_size = next_byte(q);
    cfg->channel_flags = next_byte(q) & 3u;
    cfg->max_external_data_size = next_byte(q) * 256u;
    cfg->max_external_chain_length = next_byte(q) % 8u;
    cfg->max_packet_size = next_byte(q) * 64u;
    cfg->processing_complete = next_byte(q) & 1u;
    cfg->state_cb_version = next_byte(q) % 3u;
    cfg->state_cb_size = next_byte(q);
    cfg->incoming_at_passive = next_byte(q) & 1u;
    cfg->transaction_quota = next_byte(q);
    cfg->ring_pages_incoming = next_byte(q) % 32u;
    cfg->ring_pages_outgoing = next_byte(q) % 32u;
    cfg->server_flags = next_byte(q);
    cfg->mmio_megabytes = next_byte(q);
    cfg->target_vtl = next_byte(q) % 3u;
}

static void run_create(sequence *q, kc_session *s)
{
    kmclb_create_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    uint8_t b = next_byte(q);
    in.endpoint = (b & 2u) ? q->endpoint + 1000u : q->endpoint;
    in.is_server = b & 1u;
    if (b & 4u) {
        read_config(q, &in.config);
    }
    kmclb_create_out out;
    if (run_ioctl(s, IOCTL_KMCLB_CHANNEL_CREATE, &in, sizeof(in), &out, sizeof(out)) == 0 && out.status == 0) {
        remember(&q->channels, out.channel);
    }
}

static void run_configure(sequence *q, kc_session *s)
{
    kmclb_configure_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = pick(q, &q->channels);
    read_config(q, &in.config);
    kmclb_configure_out out;
    run_ioctl(s, IOCTL_KMCLB_CHANNEL_CONFIGURE, &in, sizeof(in), &out, sizeof(out));
}

static void run_channel_op(sequence *q, kc_session *s, uint32_t code)
{
    kmclb_channel_in in = {th_header(), pick(q, &q->channels)};
    if (code == IOCTL_KMCLB_CHANNEL_DISABLE) {
        complete_held_packets(q);
    } else if (code == IOCTL_KMCLB_CHANNEL_PAUSE && pause_would_wait(q, s, in.channel)) {
        return;
    }
    uint64_t slots[KMCLB_QUERY_SLOTS];
    uint32_t out_len = code == IOCTL_KMCLB_CHANNEL_QUERY ? (uint32_t)sizeof(slots) : 0;
    run_ioctl(s, code, &in, sizeof(in), out_len ? slots : NULL, out_len);
}

static void run_set_value(sequence *q, kc_session *s)
{
    uint8_t which = next_byte(q) % 3u;
    uint64_t ch = pick(q, &q->channels);
    uint32_t value = next_u16(q);
    if (which == 0) {
        kmclb_set_context_in in = {th_header(), ch, value};
        run_ioctl(s, IOCTL_KMCLB_SET_CONTEXT, &in, sizeof(in), NULL, 0);
        return;
    }
    kmclb_set_u32_in in = {th_header(), ch, value, 0};
    kmclb_u32_out out;
    if (which == 1) {
        run_ioctl(s, IOCTL_KMCLB_SET_QUOTA, &in, sizeof(in), NULL, 0);
    } else {
        run_ioctl(s, IOCTL_KMCLB_SET_LATENCY, &in, sizeof(in), &out, sizeof(out));
    }
}

static void run_receive(sequence *q, kc_session *s)
{
    uint64_t ch = pick(q, &q->channels);
    uint8_t b = next_byte(q);
    poll_receive(q, s, ch, (uint32_t)(b >> 1) * 64u, b & 1u); /* a parked receive is cancelled at once */
}

static void run_complete(sequence *q, kc_session *s)
{
    uint32_t count = 1u + next_byte(q) % 3u;
    uint32_t payload = next_byte(q) % 32u;
    uint8_t in[sizeof(kmclb_complete_in) + 3 * sizeof(kmclb_complete_entry) + 32];
    kmclb_complete_in h = {th_header(), count, payload};
    memcpy(in, &h, sizeof(h));
    for (uint32_t i = 0; i < count; i++) {
        kmclb_complete_entry e = {pick(q, &q->packets), 0, payload >> i};
        memcpy(in + sizeof(h) + i * sizeof(e), &e, sizeof(e));
    }
    uint32_t in_len = (uint32_t)(sizeof(h) + count * sizeof(kmclb_complete_entry) + payload);
    memset(in + in_len - payload, 'c', payload);
    uint8_t out[sizeof(kmclb_complete_out) + 3 * sizeof(int32_t)];
    run_ioctl(s, IOCTL_KMCLB_COMPLETE, in, in_len, out, (uint32_t)(sizeof(kmclb_complete_out) + count * 4u));
}

static void run_packet_op(sequence *q, kc_session *s, uint32_t code)
{
    kmclb_packet_in in = {th_header(), pick(q, &q->packets)};
    run_ioctl(s, code, &in, sizeof(in), NULL, 0);
}

static void run_requeue(sequence *q, kc_session *s)
{
    uint64_t ch = pick(q, &q->channels);
    uint32_t count = 1u + next_byte(q) % 3u;
    uint8_t in[sizeof(kmclb_requeue_in) + 3 * sizeof(uint64_t)];
    kmclb_requeue_in h = {th_header(), ch, count, 0};
    memcpy(in, &h, sizeof(h));
    for (uint32_t i = 0; i < count; i++) {
        uint64_t id = pick(q, &q->packets);
        memcpy(in + sizeof(h) + i * sizeof(id), &id, sizeof(id));
    }
    run_ioctl(s, IOCTL_KMCLB_REQUEUE, in, (uint32_t)(sizeof(h) + count * sizeof(uint64_t)), NULL, 0);
}

static void run_send(sequence *q, kc_session *s, int synchronous)
{
    uint64_t ch = pick(q, &q->channels);
    uint32_t flags = next_byte(q) & 7u;
    uint32_t form = next_byte(q) % (synchronous ? 2u : 3u);
    uint32_t len = next_byte(q);
    uint32_t ext_len = form != KMCLB_EXTERNAL_NONE ? next_byte(q) : 0u;
    uint8_t in[sizeof(kmclb_send_sync_in) + 2 * 255];
    uint32_t fixed;
    if (synchronous) {
        uint32_t capacity = next_byte(q) % 64u;
        kmclb_send_sync_in h = {th_header(), ch, flags, form, len, ext_len, capacity, 1, 0}; /* never waits */
        memcpy(in, &h, sizeof(h));
        fixed = (uint32_t)sizeof(h);
    } else {
        uint64_t tag = next_byte(q);
        kmclb_send_in h = {th_header(), ch, tag, flags, form, len, ext_len};
        memcpy(in, &h, sizeof(h));
        fixed = (uint32_t)sizeof(h);
    }
    memset(in + fixed, 's', len + ext_len);
    uint8_t out[sizeof(kmclb_send_sync_out) + 64];
    if (synchronous) {
        uint32_t out_len = (uint32_t)sizeof(kmclb_send_sync_out) + 64u;
        run_ioctl(s, IOCTL_KMCLB_SEND_SYNC, in, fixed + len + ext_len, out, out_len);
    } else {
        run_ioctl(s, IOCTL_KMCLB_SEND, in, fixed + len + ext_len, NULL, 0);
    }
}

static void run_gpadl_create(sequence *q, kc_session *s)
{
    uint64_t ch = pick(q, &q->channels);
    uint32_t size = 1u + next_byte(q) * 64u;
    kmclb_gpadl_create_in in = {th_header(), ch, size, next_byte(q) & 1u};
    kmclb_u32_out out;
    memset(&out, 0, sizeof(out));
    if (run_ioctl(s, IOCTL_KMCLB_GPADL_CREATE, &in, sizeof(in), &out, sizeof(out)) == KMCLB_STATUS_SUCCESS) {
        remember(&q->gpadls, out.value);
    }
}

static void run_gpadl_op(sequence *q, kc_session *s)
{
    static const uint32_t codes[] = {IOCTL_KMCLB_GPADL_DELETE, IOCTL_KMCLB_GPADL_MAP, IOCTL_KMCLB_GPADL_UNMAP};
    uint32_t code = codes[next_byte(q) % 3u];
    uint64_t ch = pick(q, &q->channels);
    uint32_t handle = (uint32_t)pick(q, &q->gpadls);
    kmclb_gpadl_in in = {th_header(), ch, handle, next_byte(q) & 1u};
    if (code == IOCTL_KMCLB_GPADL_DELETE) {
        close_peer_mappings(q); /* B142: delete waits until the peer unmaps */
    }
    run_ioctl(s, code, &in, sizeof(in), NULL, 0);
}

static void run_gpadl_access(sequence *q, kc_session *s)
{
    uint8_t b = next_byte(q);
    int write = b & 1u;
    uint64_t ch = pick(q, &q->channels);
    uint32_t handle = (uint32_t)pick(q, &q->gpadls);
    uint64_t offset = next_byte(q) * 16u;
    kmclb_gpadl_access_in h = {th_header(), ch, handle, (b >> 1) & 1u, offset, next_byte(q), 0};
    uint8_t buf[sizeof(h) + 255];
    memcpy(buf, &h, sizeof(h));
    if (write) {
        memset(buf + sizeof(h), 'w', h.length);
        run_ioctl(s, IOCTL_KMCLB_GPADL_WRITE, buf, (uint32_t)sizeof(h) + h.length, NULL, 0);
    } else {
        uint8_t out[255];
        run_ioctl(s, IOCTL_KMCLB_GPADL_READ, &h, sizeof(h), out, h.length);
    }
}

static void run_peer_send(sequence *q)
{
    kc_vmbchannel k = peer_channel(q);
    uint8_t b = next_byte(q);
    uint32_t len = next_byte(q);
    uint32_t ext_len = (b & 2u) ? next_byte(q) : 0u;
    uint8_t payload[255], ext[255];
    memset(payload, 'p', sizeof(payload));
    memset(ext, 'x', sizeof(ext));
    uint64_t tx;
    if (k != NULL) {
        kc_status st = fk_peer_send(k, payload, len, b & 1u, ext, ext_len, (b >> 1) & 1u, &tx);
        TRACE("  peer send %u + %u bytes -> 0x%08X, transaction %llu\n", len, ext_len, (unsigned)st,
              (unsigned long long)tx);
    }
}

/* the peer completes some of the transactions it received that asked for a completion */
static void run_peer_complete(sequence *q)
{
    kc_vmbchannel k = peer_channel(q);
    uint32_t wanted = next_byte(q) % 4u;
    uint32_t len = next_byte(q) % 16u;
    static uint8_t records[1 << 14];
    uint32_t bytes = 0, count = 0;
    if (k == NULL) {
        return;
    }
    fk_peer_received(k, records, sizeof(records), &bytes, &count);
    for (uint32_t at = 0; at + sizeof(kmclb_event) <= bytes && wanted > 0;) {
        kmclb_event e;
        memcpy(&e, records + at, sizeof(e));
        at += (uint32_t)KMCLB_RECORD_SIZE((uint64_t)e.payload_length + e.aux);
        if (e.flags != 0) {
            kc_status st = fk_peer_complete(k, e.id, "completion-bytes", len);
            TRACE("  peer complete %llu -> 0x%08X\n", (unsigned long long)e.id, (unsigned)st);
            wanted--;
        }
    }
}

static void run_peer_state(sequence *q)
{
    kc_vmbchannel k = peer_channel(q);
    uint8_t b = next_byte(q);
    if (k == NULL) {
        return;
    }
    kc_status st;
    switch (b % 3u) {
    case 0:
        st = fk_peer_open(k);
        break;
    case 1:
        st = fk_peer_close(k);
        break;
    default:
        st = fk_peer_set_reading(k, (b >> 2) & 1u);
        break;
    }
    TRACE("  peer state change %u -> 0x%08X\n", b % 3u, (unsigned)st);
}

static void run_peer_gpadl(sequence *q)
{
    kc_vmbchannel k = peer_channel(q);
    uint8_t b = next_byte(q);
    uint32_t handle = (uint32_t)pick(q, &q->gpadls);
    uint32_t arg = next_byte(q);
    if (k == NULL) {
        return;
    }
    uint8_t buf[255];
    memset(buf, 'g', sizeof(buf));
    uint32_t created;
    uint64_t mapping;
    switch (b % 4u) {
    case 0:
        if (fk_peer_create_gpadl(k, 1u + arg * 64u, (b >> 2) & 1u, &created) == KMCLB_STATUS_SUCCESS) {
            remember(&q->gpadls, created);
        }
        break;
    case 1:
        if (fk_peer_map_gpadl(k, handle, (b >> 2) & 1u, &mapping) == KMCLB_STATUS_SUCCESS) {
            remember(&q->mappings, mapping);
        }
        break;
    case 2:
        fk_peer_write_gpadl(k, handle, arg, buf, arg % 64u);
        break;
    default:
        fk_peer_read_gpadl(k, handle, arg, buf, arg % 64u);
        break;
    }
}

/* faults that end with the channel (a PnP failure or delay would outlive the input) */
static void run_inject(sequence *q)
{
    kc_vmbchannel k = peer_channel(q);
    uint8_t b = next_byte(q);
    int64_t arg = next_byte(q);
    static const int kinds[] = {FK_FAULT_RING_FULL, FK_FAULT_MALFORMED_PACKET, FK_FAULT_OVERSIZED_PACKET,
                                FK_FAULT_ALLOCATION_FAILURE};
    int kind = kinds[b % 4u];
    if (k != NULL) {
        kc_status st = fk_peer_inject(m->world, k, kind, kind == FK_FAULT_OVERSIZED_PACKET ? arg * 256 : arg % 4);
        TRACE("  inject fault %d -> 0x%08X\n", kind, (unsigned)st);
    }
}

static void run_operation(sequence *q, uint8_t op)
{
    kc_session *s = session(q, op);
    TRACE("%s in session %u\n", operation_names[(op & 0x7Fu) % OP_COUNT], op >> 7);
    switch ((op & 0x7Fu) % OP_COUNT) {
    case OP_CREATE: run_create(q, s); break;
    case OP_CONFIGURE: run_configure(q, s); break;
    case OP_ENABLE: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_ENABLE); break;
    case OP_DISABLE: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_DISABLE); break;
    case OP_PAUSE: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_PAUSE); break;
    case OP_START: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_START); break;
    case OP_CLEANUP: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_CLEANUP); break;
    case OP_QUERY: run_channel_op(q, s, IOCTL_KMCLB_CHANNEL_QUERY); break;
    case OP_SET_VALUE: run_set_value(q, s); break;
    case OP_RECEIVE: run_receive(q, s); break;
    case OP_COMPLETE: run_complete(q, s); break;
    case OP_FAIL: run_packet_op(q, s, IOCTL_KMCLB_FAIL); break;
    case OP_DEFER: run_packet_op(q, s, IOCTL_KMCLB_DEFER); break;
    case OP_REQUEUE: run_requeue(q, s); break;
    case OP_SEND: run_send(q, s, 0); break;
    case OP_SEND_SYNC: run_send(q, s, 1); break;
    case OP_GPADL_CREATE: run_gpadl_create(q, s); break;
    case OP_GPADL_OP: run_gpadl_op(q, s); break;
    case OP_GPADL_ACCESS: run_gpadl_access(q, s); break;
    case OP_PEER_SEND: run_peer_send(q); break;
    case OP_PEER_COMPLETE: run_peer_complete(q); break;
    case OP_PEER_STATE: run_peer_state(q); break;
    case OP_PEER_GPADL: run_peer_gpadl(q); break;
    case OP_INJECT: run_inject(q); break;
    default: /* OP_RESCIND */
        if (q->offered) {
            fk_peer_rescind(m->world, q->offer);
            q->offered = 0;
        }
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT) {
        return 0;
    }
    static sequence q;
    memset(&q, 0, sizeof(q));
    q.data = data;
    q.size = size;
    static uint8_t tag;
    q.endpoint = th_offer(m, ++tag, &q.offer);
    q.offered = 1;
    for (int i = 0; i < 2; i++) {
        if (kc_session_open(m->core, &q.sessions[i]) != 0) {
            abort();
        }
    }
    while (q.at < q.size) {
        run_operation(&q, next_byte(&q));
    }
    close_peer_mappings(&q);
    kc_session_close(q.sessions[0]);
    kc_session_close(q.sessions[1]);
    if (q.offered) {
        fk_peer_rescind(m->world, q.offer);
    }
    if (kc_core_live_handles(m->core) != 0 || posix_host_parked_requests(m->host) != 0) {
        abort(); /* file cleanup must release every id and end every parked receive */
    }
    if (fk_violations(m->world) != 0) {
        abort(); /* the core must never break KMCL's contract */
    }
    return 0;
}
