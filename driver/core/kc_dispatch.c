/* kc_dispatch.c - IOCTL decoding and validation. Every input is hostile:
 *  - lengths are checked before any read (fixed part first, then the exact total computed in
 *    64-bit arithmetic from the declared variable lengths, each bounded first);
 *  - the fixed part is copied into a local (the buffer may be unaligned and, METHOD_BUFFERED,
 *    is also the output buffer), variable input is consumed before any output is written;
 *  - the output is zeroed in full and req->info is exactly the bytes produced. */
#include <string.h>
#include "kc_internal.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
KMCLB_STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire format is little-endian; host must be too");
#endif

static kc_status check_header(const void *in)
{
    kmclb_in_header h;
    memcpy(&h, in, sizeof(h));
    if (h.version != KMCLB_PROTOCOL_VERSION) {
        return KMCLB_STATUS_REVISION_MISMATCH;
    }
    if (h.reserved != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return KMCLB_STATUS_SUCCESS;
}

/* fixed part present (variable part follows) */
static kc_status prefix_input(const kc_request *r, uint32_t size, void *local)
{
    if (r->in_len < sizeof(kmclb_in_header)) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    kc_status st = check_header(r->in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (r->in_len < size) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    memcpy(local, r->in, size);
    return KMCLB_STATUS_SUCCESS;
}

/* the request's whole input is total bytes (computed by the caller in 64 bits) */
static kc_status exact_length(uint64_t total, uint32_t in_len)
{
    return total == in_len ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_INFO_LENGTH_MISMATCH;
}

/* a field rule: KMCLB_STATUS_INVALID_PARAMETER when it does not hold */
static kc_status require(int holds)
{
    return holds ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_INVALID_PARAMETER;
}

static kc_status need_out(const kc_request *r, uint64_t size)
{
    return (uint64_t)r->out_len < size ? KMCLB_STATUS_BUFFER_TOO_SMALL : KMCLB_STATUS_SUCCESS;
}

static void zero_out(kc_request *r)
{
    if (r->out_len > 0) {
        memset(r->out, 0, r->out_len);
    }
}

/* the whole output: n bytes of o, the rest zeroed (the caller checked the size) */
static void write_out(kc_request *r, const void *o, uint32_t n)
{
    zero_out(r);
    memcpy(r->out, o, n);
    r->info = n;
}

/* a kmclb_u32_out, or only zeroes when st failed */
static kc_status write_u32_out(kc_request *r, kc_status st, uint32_t value)
{
    if (!KC_SUCCESS(st)) {
        zero_out(r);
        return st;
    }
    kmclb_u32_out o;
    memset(&o, 0, sizeof(o));
    o.value = value;
    write_out(r, &o, sizeof(o));
    return st;
}

static kc_status check_config(const kmclb_channel_config *c, uint64_t name_avail)
{
    if ((c->present & ~KMCLB_CFG_ALL) != 0 || c->reserved != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((c->present & KMCLB_CFG_TARGET_PNP_INSTANCE) != 0 && (c->present & KMCLB_CFG_TARGET_PNP) == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (c->target_vtl > 0xFF || c->processing_complete > 1 || c->incoming_at_passive > 1) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (c->friendly_name_bytes > KMCLB_MAX_FRIENDLY_NAME || (c->friendly_name_bytes & 1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((c->present & KMCLB_CFG_FRIENDLY_NAME) == 0 && c->friendly_name_bytes != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((uint64_t)c->friendly_name_bytes != name_avail) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    return KMCLB_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ the requests
 * Each request is a row of the table below: the size of its fixed part (copied into a
 * request_input), whether a variable part follows, the rules its fields obey, the output it needs,
 * whether it acts on a channel, and what it does. run_request applies the steps in this order for
 * every request, so a request breaking several rules always fails with the first. */

/* the fixed part of every request but QUERY_VERSION, copied out of the request buffer */
typedef union request_input {
    kmclb_in_header header;
    kmclb_channel_in channel; /* how every request on a channel starts (kmclbridge_protocol.h) */
    kmclb_create_in create;
    kmclb_configure_in configure;
    kmclb_set_context_in set_context;
    kmclb_set_u32_in set_u32;
    kmclb_receive_in receive;
    kmclb_complete_in complete;
    kmclb_packet_in packet;
    kmclb_requeue_in requeue;
    kmclb_send_in send;
    kmclb_send_sync_in send_sync;
    kmclb_gpadl_create_in gpadl_create;
    kmclb_gpadl_in gpadl;
    kmclb_gpadl_access_in gpadl_access;
} request_input;

/* one request on its way through run_request */
typedef struct request_call {
    kc_session *session;
    uint32_t fn;          /* KMCLB_FN_* */
    kc_request *request;
    request_input in;     /* the fixed part, once decoded */
    kc_channel *channel;  /* with a reference, for requests on a channel */
} request_call;

#define KC_VARIABLE_INPUT 0x1u /* a variable part follows the fixed part (check verifies the total) */
#define KC_ON_CHANNEL 0x2u     /* run gets the input's channel with a reference, dropped after it */
#define KC_NO_OUTPUT 0x4u      /* run writes nothing: the output is zeroed after it */

typedef struct request_kind {
    uint32_t access;    /* KMCLB_R or KMCLB_RW: the code carries exactly this */
    uint32_t fixed;     /* bytes of the fixed part (header first); 0: check reads the raw length */
    uint32_t traits;    /* KC_VARIABLE_INPUT, KC_ON_CHANNEL, KC_NO_OUTPUT */
    uint32_t out_fixed; /* bytes of output the request needs at least */
    /* bytes of output needed beyond out_fixed, from the checked input; NULL: none */
    uint64_t (*out_more)(const request_call *call);
    /* the fields' rules (reserved fields zero, bounds, the exact total length); NULL: none */
    kc_status (*check)(const request_call *call);
    kc_status (*run)(request_call *call);
} request_kind;

/* QUERY_VERSION: exactly a header, of any version */
static kc_status check_version(const request_call *call)
{
    return exact_length(sizeof(kmclb_in_header), call->request->in_len);
}

static kc_status run_version(request_call *call)
{
    kmclb_version_out v;
    memset(&v, 0, sizeof(v));
    v.protocol_version = KMCLB_PROTOCOL_VERSION;
    v.kmcl_interface_version = KMCLB_KMCL_INTERFACE_VERSION;
    v.max_input = KMCLB_MAX_INPUT;
    memcpy(v.driver_version, call->session->core->version, sizeof(v.driver_version));
    v.driver_version[sizeof(v.driver_version) - 1] = 0;
    write_out(call->request, &v, sizeof(v));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status run_list(request_call *call)
{
    kc_request *r = call->request;
    zero_out(r);
    kc_core *c = call->session->core;
    uint32_t room = (uint32_t)((r->out_len - sizeof(kmclb_endpoints_out)) / sizeof(kmclb_endpoint));
    kmclb_endpoints_out eo;
    memset(&eo, 0, sizeof(eo));
    uint8_t *dst = (uint8_t *)r->out + sizeof(eo);
    kc_lock(c);
    for (kc_list_node *n = c->endpoints.first; n != NULL; n = n->next) {
        const kc_endpoint *e = KC_CONTAINER_OF(n, kc_endpoint, link);
        eo.total++;
        if (eo.count < room) {
            kmclb_endpoint ke;
            memset(&ke, 0, sizeof(ke));
            ke.id = e->id;
            memcpy(ke.interface_type, e->type.b, 16);
            memcpy(ke.interface_instance, e->instance.b, 16);
            memcpy(ke.name, e->name, sizeof(ke.name) - 1);
            memcpy(dst + (size_t)eo.count * sizeof(ke), &ke, sizeof(ke));
            eo.count++;
        }
    }
    kc_unlock(c);
    memcpy(r->out, &eo, sizeof(eo));
    r->info = (uint32_t)(sizeof(eo) + (size_t)eo.count * sizeof(kmclb_endpoint));
    return KMCLB_STATUS_SUCCESS;
}

/* copies the friendly name (after the fixed part) into an aligned temporary */
static kc_status copy_name(kc_session *s, const kc_request *r, uint32_t fixed, uint32_t bytes, uint16_t **out)
{
    *out = NULL;
    if (bytes == 0) {
        return KMCLB_STATUS_SUCCESS;
    }
    uint16_t *n = (uint16_t *)kc_alloc(s->core, bytes);
    if (n == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(n, (const uint8_t *)r->in + fixed, bytes);
    *out = n;
    return KMCLB_STATUS_SUCCESS;
}

static kc_status check_create(const request_call *call)
{
    const kmclb_create_in *c = &call->in.create;
    kc_status st = require(c->reserved == 0 && c->is_server <= 1);
    return KC_SUCCESS(st) ? check_config(&c->config, (uint64_t)call->request->in_len - sizeof(*c)) : st;
}

static kc_status run_create(request_call *call)
{
    const kmclb_create_in *c = &call->in.create;
    uint16_t *name;
    kc_status st = copy_name(call->session, call->request, sizeof(*c), c->config.friendly_name_bytes, &name);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kmclb_create_out o;
    memset(&o, 0, sizeof(o));
    o.status =
        kc_op_create(call->session, c->endpoint, (int)c->is_server, &c->config, name, &o.channel, &o.failed_function);
    kc_free(call->session->core, name);
    write_out(call->request, &o, sizeof(o));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status check_configure(const request_call *call)
{
    return check_config(&call->in.configure.config, (uint64_t)call->request->in_len - sizeof(kmclb_configure_in));
}

/* B14: KMCL's Init* functions reject an unknown channel as their first parameter; the failing
 * function is the first one this configuration would have called */
static uint32_t first_init_function(uint32_t present)
{
    return (present & KMCLB_CFG_CLIENT_CONTEXT_SIZE) ? KMCLB_FUNC_CLIENT(10)
           : (present & KMCLB_CFG_FLAGS)             ? KMCLB_FUNC_CLIENT(11)
           : (present & KMCLB_CFG_FRIENDLY_NAME)     ? KMCLB_FUNC_CLIENT(12)
           : (present & KMCLB_CFG_MAX_EXTERNAL_DATA) ? KMCLB_FUNC_CLIENT(13)
           : (present & KMCLB_CFG_MAX_PACKET_SIZE)   ? KMCLB_FUNC_CLIENT(14)
                                                     : KMCLB_FUNC_CLIENT(15);
}

/* gets its channel itself: an unknown one is an in-band answer (B14), not a failed request */
static kc_status run_configure(request_call *call)
{
    const kmclb_configure_in *c = &call->in.configure;
    kmclb_configure_out o;
    memset(&o, 0, sizeof(o));
    kc_status st = kc_channel_get(call->session, c->channel, &call->channel);
    if (st == KMCLB_STATUS_STALE_ID || st == KMCLB_STATUS_INVALID_HANDLE) {
        o.status = KMCLB_STATUS_INVALID_PARAMETER_1;
        o.failed_function = first_init_function(c->config.present);
        write_out(call->request, &o, sizeof(o));
        return KMCLB_STATUS_SUCCESS;
    }
    if (!KC_SUCCESS(st)) {
        return st;
    }
    uint16_t *name;
    st = copy_name(call->session, call->request, sizeof(*c), c->config.friendly_name_bytes, &name);
    if (KC_SUCCESS(st)) {
        o.status = kc_apply_config(call->channel, &c->config, name, &o.failed_function);
        kc_free(call->session->core, name);
        write_out(call->request, &o, sizeof(o));
    }
    kc_channel_put(call->channel);
    return st;
}

static kc_status run_channel_op(request_call *call)
{
    switch (call->fn) {
    case KMCLB_FN_CHANNEL_ENABLE:
        return kc_op_enable(call->channel);
    case KMCLB_FN_CHANNEL_DISABLE:
        return kc_op_disable(call->channel);
    case KMCLB_FN_CHANNEL_PAUSE:
        return kc_op_pause(call->channel);
    default:
        return kc_op_start(call->channel);
    }
}

/* no channel reference: the cleanup itself waits for every other one to go */
static kc_status run_cleanup(request_call *call)
{
    return kc_op_cleanup(call->session, call->in.channel.channel);
}

static kc_status run_query(request_call *call)
{
    uint64_t q[KMCLB_QUERY_SLOTS];
    kc_op_query(call->channel, q);
    write_out(call->request, q, sizeof(q));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status run_set_context(request_call *call)
{
    kc_op_set_context(call->channel, call->in.set_context.value);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status check_set_quota(const request_call *call)
{
    return require(call->in.set_u32.reserved == 0);
}

static kc_status run_set_quota(request_call *call)
{
    kc_op_set_quota(call->channel, call->in.set_u32.value);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status check_set_latency(const request_call *call)
{
    return require(call->in.set_u32.reserved == 0 && call->in.set_u32.value <= 0xFFFFu);
}

static kc_status run_set_latency(request_call *call)
{
    uint16_t orig = 0;
    kc_status st = kc_op_set_latency(call->channel, (uint16_t)call->in.set_u32.value, &orig);
    return write_u32_out(call->request, st, orig);
}

static kc_status check_receive(const request_call *call)
{
    return require(call->in.receive.reserved == 0);
}

/* may park the request: from then on it belongs to the core and the host (run_request must not
 * touch it once this returns KMCLB_STATUS_PENDING) */
static kc_status run_receive(request_call *call)
{
    /* only the header: the records are written where they go, and nothing past what a receive
     * reports is returned (clearing a 64 KiB output per receive was most of an empty receive) */
    memset(call->request->out, 0, sizeof(kmclb_receive_out));
    /* not KC_ON_CHANNEL: the receive looks its channel up in the lock hold that takes the records,
     * and keeps a reference only while it needs one (two holds fewer per receive) */
    return kc_receive_or_park(call->session, call->in.receive.channel, call->request,
                              call->in.receive.timeout_ms != 0);
}

static kc_status check_complete(const request_call *call)
{
    const kmclb_complete_in *c = &call->in.complete;
    kc_status st =
        require(c->count != 0 && c->count <= KMCLB_MAX_COMPLETE_BATCH && c->payload_bytes <= KMCLB_MAX_PAYLOAD);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    return exact_length((uint64_t)sizeof(*c) + (uint64_t)c->count * sizeof(kmclb_complete_entry) + c->payload_bytes,
                        call->request->in_len);
}

/* one in-band status per entry */
static uint64_t out_complete(const request_call *call)
{
    return (uint64_t)call->in.complete.count * 4u;
}

static kc_status run_complete(request_call *call)
{
    kc_request *r = call->request;
    kc_core *c = call->session->core;
    /* input and output may share memory: consume all input into private copies first */
    uint32_t n = call->in.complete.count;
    uint32_t payload_bytes = call->in.complete.payload_bytes;
    size_t batch_bytes = (size_t)n * sizeof(kc_completion);
    kc_completion *batch = (kc_completion *)kc_alloc(c, batch_bytes + payload_bytes);
    if (batch == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    const uint8_t *entries = (const uint8_t *)r->in + sizeof(kmclb_complete_in);
    uint8_t *payload = (uint8_t *)batch + batch_bytes;
    memcpy(payload, entries + (size_t)n * sizeof(kmclb_complete_entry), payload_bytes);
    for (uint32_t i = 0; i < n; i++) {
        kmclb_complete_entry e;
        memcpy(&e, entries + (size_t)i * sizeof(e), sizeof(e));
        int in_bounds = (uint64_t)e.offset + e.length <= payload_bytes;
        batch[i].id = e.packet;
        batch[i].payload = in_bounds ? payload + e.offset : NULL;
        batch[i].length = in_bounds ? e.length : 0;
        batch[i].status = in_bounds ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_op_complete_batch(call->session, batch, n);
    kmclb_complete_out o;
    memset(&o, 0, sizeof(o));
    o.count = n;
    zero_out(r);
    uint8_t *statuses = (uint8_t *)r->out + sizeof(o);
    for (uint32_t i = 0; i < n; i++) {
        kc_status one = batch[i].status;
        memcpy(statuses + (size_t)i * 4u, &one, 4);
        if (!KC_SUCCESS(one) && o.status == 0) {
            o.status = one;
        }
    }
    memcpy(r->out, &o, sizeof(o));
    r->info = (uint32_t)(sizeof(o) + (size_t)n * 4u);
    kc_free(c, batch);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status run_packet_op(request_call *call)
{
    uint64_t packet = call->in.packet.packet;
    return call->fn == KMCLB_FN_FAIL ? kc_op_fail(call->session, packet) : kc_op_defer(call->session, packet);
}

static kc_status check_requeue(const request_call *call)
{
    const kmclb_requeue_in *q = &call->in.requeue;
    kc_status st = require(q->reserved == 0 && q->count != 0 && q->count <= KMCLB_MAX_REQUEUE_BATCH);
    uint64_t total = (uint64_t)sizeof(*q) + (uint64_t)q->count * sizeof(uint64_t);
    return KC_SUCCESS(st) ? exact_length(total, call->request->in_len) : st;
}

/* copies the ids before it gets the channel: input and output may share memory */
static kc_status run_requeue(request_call *call)
{
    uint32_t count = call->in.requeue.count;
    uint64_t *ids = (uint64_t *)kc_alloc(call->session->core, (size_t)count * sizeof(uint64_t));
    if (ids == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(ids, (const uint8_t *)call->request->in + sizeof(kmclb_requeue_in), (size_t)count * sizeof(uint64_t));
    kc_status st = kc_channel_get(call->session, call->in.requeue.channel, &call->channel);
    if (KC_SUCCESS(st)) {
        st = kc_op_requeue(call->channel, ids, count);
        kc_channel_put(call->channel);
    }
    kc_free(call->session->core, ids);
    return st;
}

static kc_status check_send_lengths(uint32_t form, uint32_t len, uint32_t ext_len, uint32_t fixed, uint32_t in_len)
{
    kc_status st = require(form <= KMCLB_EXTERNAL_PFNS && len <= KMCLB_MAX_PAYLOAD && ext_len <= KMCLB_MAX_PAYLOAD &&
                           (form == KMCLB_EXTERNAL_NONE) == (ext_len == 0));
    return KC_SUCCESS(st) ? exact_length((uint64_t)fixed + len + ext_len, in_len) : st;
}

static kc_status check_send(const request_call *call)
{
    const kmclb_send_in *d = &call->in.send;
    return check_send_lengths(d->external_form, d->payload_length, d->external_length, sizeof(*d),
                              call->request->in_len);
}

static kc_status run_send(request_call *call)
{
    const kmclb_send_in *d = &call->in.send;
    const uint8_t *p = (const uint8_t *)call->request->in + sizeof(*d);
    return kc_op_send(call->channel, d->tag, d->flags, d->external_form, p, d->payload_length, p + d->payload_length,
                      d->external_length);
}

static kc_status check_send_sync(const request_call *call)
{
    const kmclb_send_sync_in *d = &call->in.send_sync;
    kc_status st = require(d->external_form != KMCLB_EXTERNAL_PFNS && d->has_timeout <= 1 &&
                           d->completion_capacity <= KMCLB_MAX_PAYLOAD);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    return check_send_lengths(d->external_form, d->payload_length, d->external_length, sizeof(*d),
                              call->request->in_len);
}

/* room for the whole completion capacity */
static uint64_t out_send_sync(const request_call *call)
{
    return call->in.send_sync.completion_capacity;
}

static kc_status run_send_sync(request_call *call)
{
    kc_request *r = call->request;
    const kmclb_send_sync_in *d = &call->in.send_sync;
    /* private copies: the request buffer is both input and output */
    size_t body = (size_t)d->payload_length + d->external_length;
    uint8_t *tmp = (uint8_t *)kc_alloc(call->session->core, body + d->completion_capacity + 8u);
    if (tmp == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(tmp, (const uint8_t *)r->in + sizeof(*d), body);
    uint8_t *cbuf = tmp + body;
    uint32_t csize = d->completion_capacity;
    int64_t timeout = d->timeout_100ns;
    kc_status st = kc_op_send_sync(call->channel, d->flags, tmp, d->payload_length,
                                   d->external_length ? tmp + d->payload_length : NULL, d->external_length, cbuf,
                                   &csize, d->has_timeout ? &timeout : NULL);
    zero_out(r);
    if (KC_SUCCESS(st) || st == KMCLB_STATUS_BUFFER_OVERFLOW) {
        if (csize > d->completion_capacity) {
            csize = d->completion_capacity;
        }
        kmclb_send_sync_out o;
        memset(&o, 0, sizeof(o));
        o.completion_size = csize;
        memcpy(r->out, &o, sizeof(o));
        memcpy((uint8_t *)r->out + sizeof(o), cbuf, csize);
        r->info = (uint32_t)(sizeof(o) + csize);
    }
    kc_free(call->session->core, tmp);
    return st;
}

static kc_status check_gpadl_create(const request_call *call)
{
    return require(call->in.gpadl_create.size != 0 && call->in.gpadl_create.size <= KMCLB_MAX_GPADL_SIZE);
}

static kc_status run_gpadl_create(request_call *call)
{
    uint32_t h = 0;
    kc_status st = kc_op_gpadl_create(call->channel, call->in.gpadl_create.size, call->in.gpadl_create.flags, &h);
    return write_u32_out(call->request, st, h);
}

/* flags only for MAP */
static kc_status check_gpadl(const request_call *call)
{
    return require(call->fn == KMCLB_FN_GPADL_MAP || call->in.gpadl.flags == 0);
}

static kc_status run_gpadl(request_call *call)
{
    if (call->fn == KMCLB_FN_GPADL_DELETE) {
        return kc_op_gpadl_delete(call->channel, call->in.gpadl.handle);
    }
    if (call->fn == KMCLB_FN_GPADL_MAP) {
        return kc_op_gpadl_map(call->channel, call->in.gpadl.handle, call->in.gpadl.flags);
    }
    return kc_op_gpadl_unmap(call->channel, call->in.gpadl.handle);
}

/* READ: the fixed part only; WRITE: followed by the bytes to write */
static kc_status check_gpadl_access(const request_call *call)
{
    const kmclb_gpadl_access_in *a = &call->in.gpadl_access;
    kc_status st = require(a->reserved == 0 && a->mapped <= 1 && a->length <= KMCLB_MAX_GPADL_SIZE);
    uint64_t written = call->fn == KMCLB_FN_GPADL_WRITE ? (uint64_t)a->length : 0u;
    return KC_SUCCESS(st) ? exact_length(sizeof(*a) + written, call->request->in_len) : st;
}

/* room for the bytes read */
static uint64_t out_gpadl_read(const request_call *call)
{
    return call->in.gpadl_access.length;
}

static kc_status run_gpadl_read(request_call *call)
{
    kc_request *r = call->request;
    const kmclb_gpadl_access_in *a = &call->in.gpadl_access;
    zero_out(r); /* fixed input already copied; READ has no variable input */
    kc_status st = kc_op_gpadl_access(call->channel, a->handle, (int)a->mapped, a->offset, r->out, a->length, 0);
    if (KC_SUCCESS(st)) {
        r->info = a->length;
    } else {
        zero_out(r);
    }
    return st;
}

static kc_status run_gpadl_write(request_call *call)
{
    const kmclb_gpadl_access_in *a = &call->in.gpadl_access;
    uint8_t *written = (uint8_t *)(uintptr_t)call->request->in + sizeof(*a);
    return kc_op_gpadl_access(call->channel, a->handle, (int)a->mapped, a->offset, written, a->length, 1);
}

#define KC_KIND(fn) [(fn) - KMCLB_FN_FIRST]
/* ENABLE, DISABLE, PAUSE, START: a channel id, no output */
#define KC_CHANNEL_OP {KMCLB_RW, sizeof(kmclb_channel_in), KC_ON_CHANNEL | KC_NO_OUTPUT, 0, NULL, NULL, run_channel_op}
/* FAIL, DEFER: a packet id, no output */
#define KC_PACKET_OP {KMCLB_RW, sizeof(kmclb_packet_in), KC_NO_OUTPUT, 0, NULL, NULL, run_packet_op}
/* GPADL_DELETE, GPADL_MAP, GPADL_UNMAP: a channel and a GPADL handle, no output */
#define KC_GPADL_OP {KMCLB_RW, sizeof(kmclb_gpadl_in), KC_ON_CHANNEL | KC_NO_OUTPUT, 0, NULL, check_gpadl, run_gpadl}
static const request_kind request_kinds[KMCLB_FN_LAST - KMCLB_FN_FIRST + 1] = {
    KC_KIND(KMCLB_FN_QUERY_VERSION) = {KMCLB_R, 0, 0, sizeof(kmclb_version_out), NULL, check_version, run_version},
    KC_KIND(KMCLB_FN_LIST_ENDPOINTS) = {KMCLB_R, sizeof(kmclb_in_header), 0,
                   sizeof(kmclb_endpoints_out), NULL, NULL, run_list},
    KC_KIND(KMCLB_FN_CHANNEL_CREATE) = {KMCLB_RW, sizeof(kmclb_create_in), KC_VARIABLE_INPUT,
                   sizeof(kmclb_create_out), NULL, check_create, run_create},
    KC_KIND(KMCLB_FN_CHANNEL_CONFIGURE) = {KMCLB_RW, sizeof(kmclb_configure_in), KC_VARIABLE_INPUT,
                   sizeof(kmclb_configure_out), NULL, check_configure, run_configure},
    KC_KIND(KMCLB_FN_CHANNEL_ENABLE) = KC_CHANNEL_OP,
    KC_KIND(KMCLB_FN_CHANNEL_DISABLE) = KC_CHANNEL_OP,
    KC_KIND(KMCLB_FN_CHANNEL_PAUSE) = KC_CHANNEL_OP,
    KC_KIND(KMCLB_FN_CHANNEL_START) = KC_CHANNEL_OP,
    KC_KIND(KMCLB_FN_CHANNEL_CLEANUP) = {KMCLB_RW, sizeof(kmclb_channel_in), KC_NO_OUTPUT, 0, NULL, NULL, run_cleanup},
    KC_KIND(KMCLB_FN_CHANNEL_QUERY) = {KMCLB_R, sizeof(kmclb_channel_in), KC_ON_CHANNEL,
                   KMCLB_QUERY_SLOTS * 8u, NULL, NULL, run_query},
    KC_KIND(KMCLB_FN_SET_CONTEXT) = {KMCLB_RW, sizeof(kmclb_set_context_in), KC_ON_CHANNEL | KC_NO_OUTPUT,
                   0, NULL, NULL, run_set_context},
    KC_KIND(KMCLB_FN_SET_QUOTA) = {KMCLB_RW, sizeof(kmclb_set_u32_in), KC_ON_CHANNEL | KC_NO_OUTPUT,
                   0, NULL, check_set_quota, run_set_quota},
    KC_KIND(KMCLB_FN_SET_LATENCY) = {KMCLB_RW, sizeof(kmclb_set_u32_in), KC_ON_CHANNEL,
                   sizeof(kmclb_u32_out), NULL, check_set_latency, run_set_latency},
    KC_KIND(KMCLB_FN_RECEIVE) = {KMCLB_R, sizeof(kmclb_receive_in), 0,
                   sizeof(kmclb_receive_out), NULL, check_receive, run_receive},
    KC_KIND(KMCLB_FN_COMPLETE) = {KMCLB_RW, sizeof(kmclb_complete_in), KC_VARIABLE_INPUT,
                   sizeof(kmclb_complete_out), out_complete, check_complete, run_complete},
    KC_KIND(KMCLB_FN_FAIL) = KC_PACKET_OP,
    KC_KIND(KMCLB_FN_DEFER) = KC_PACKET_OP,
    KC_KIND(KMCLB_FN_SEND) = {KMCLB_RW, sizeof(kmclb_send_in), KC_VARIABLE_INPUT | KC_ON_CHANNEL | KC_NO_OUTPUT,
                   0, NULL, check_send, run_send},
    KC_KIND(KMCLB_FN_SEND_SYNC) = {KMCLB_RW, sizeof(kmclb_send_sync_in), KC_VARIABLE_INPUT | KC_ON_CHANNEL,
                   sizeof(kmclb_send_sync_out), out_send_sync, check_send_sync, run_send_sync},
    KC_KIND(KMCLB_FN_GPADL_CREATE) = {KMCLB_RW, sizeof(kmclb_gpadl_create_in), KC_ON_CHANNEL,
                   sizeof(kmclb_u32_out), NULL, check_gpadl_create, run_gpadl_create},
    KC_KIND(KMCLB_FN_GPADL_DELETE) = KC_GPADL_OP,
    KC_KIND(KMCLB_FN_GPADL_MAP) = KC_GPADL_OP,
    KC_KIND(KMCLB_FN_GPADL_UNMAP) = KC_GPADL_OP,
    KC_KIND(KMCLB_FN_GPADL_READ) = {KMCLB_R, sizeof(kmclb_gpadl_access_in), KC_VARIABLE_INPUT | KC_ON_CHANNEL,
                   0, out_gpadl_read, check_gpadl_access, run_gpadl_read},
    KC_KIND(KMCLB_FN_GPADL_WRITE) = {KMCLB_RW, sizeof(kmclb_gpadl_access_in),
                   KC_VARIABLE_INPUT | KC_ON_CHANNEL | KC_NO_OUTPUT, 0, NULL, check_gpadl_access, run_gpadl_write},
    KC_KIND(KMCLB_FN_REQUEUE) = {KMCLB_RW, sizeof(kmclb_requeue_in), KC_VARIABLE_INPUT | KC_NO_OUTPUT,
                   0, NULL, check_requeue, run_requeue},
};

/* the fixed part (with a valid header), the fields' rules, room for the output, the channel, the
 * work: in this order for every request */
static kc_status run_request(request_call *call, const request_kind *k)
{
    kc_request *r = call->request;
    kc_status st = KMCLB_STATUS_SUCCESS;
    if (k->fixed > 0) {
        st = prefix_input(r, k->fixed, &call->in);
        if (KC_SUCCESS(st) && (k->traits & KC_VARIABLE_INPUT) == 0) {
            st = exact_length(k->fixed, r->in_len);
        }
    }
    if (KC_SUCCESS(st) && k->check != NULL) {
        st = k->check(call);
    }
    if (KC_SUCCESS(st)) {
        st = need_out(r, (uint64_t)k->out_fixed + (k->out_more != NULL ? k->out_more(call) : 0u));
    }
    if (KC_SUCCESS(st) && (k->traits & KC_ON_CHANNEL) != 0) {
        st = kc_channel_get(call->session, call->in.channel.channel, &call->channel);
    }
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = k->run(call);
    /* r may be parked (PENDING) and completed by another thread by now: only KC_NO_OUTPUT
     * requests, which never park, touch it again */
    if ((k->traits & KC_NO_OUTPUT) != 0) {
        zero_out(r);
    }
    if ((k->traits & KC_ON_CHANNEL) != 0) {
        kc_channel_put(call->channel);
    }
    return st;
}

static kc_status dispatch_inner(kc_session *s, uint32_t code, kc_request *r)
{
    uint32_t fn = (code >> 2) & 0xFFFu;
    /* the code must be exactly one of ours: device type, method, access and function */
    if (fn < KMCLB_FN_FIRST || fn > KMCLB_FN_LAST) {
        return KMCLB_STATUS_INVALID_DEVICE_REQUEST;
    }
    const request_kind *k = &request_kinds[fn - KMCLB_FN_FIRST];
    if (code != KMCLB_CODE(fn, k->access)) {
        return KMCLB_STATUS_INVALID_DEVICE_REQUEST;
    }
    request_call call;
    memset(&call, 0, sizeof(call));
    call.session = s;
    call.fn = fn;
    call.request = r;
    return run_request(&call, k);
}

kc_status kc_dispatch(kc_session *s, uint32_t code, kc_request *r)
{
    r->info = 0;
    r->core_detached = NULL;
    int well_formed = (r->in_len == 0 || r->in != NULL) && (r->out_len == 0 || r->out != NULL) &&
                      r->in_len <= KMCLB_MAX_INPUT;
    if (well_formed && s->core->p->run_detached != NULL && kc_request_may_block(code, r->in, r->in_len)) {
        return kc_detach(s, code, r); /* pended and cancelable while KMCL waits for the host */
    }
    return kc_dispatch_inline(s, code, r);
}

kc_status kc_dispatch_inline(kc_session *s, uint32_t code, kc_request *r)
{
    r->info = 0;
    if ((r->in_len > 0 && r->in == NULL) || (r->out_len > 0 && r->out == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (r->in_len > KMCLB_MAX_INPUT) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    /* counted in flight without the core lock: the lock is for the request's own work */
    if (!kc_session_enter(s)) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    kc_status st = dispatch_inner(s, code, r);
    if (!KC_SUCCESS(st) && st != KMCLB_STATUS_BUFFER_OVERFLOW && st != KMCLB_STATUS_PENDING) {
        r->info = 0;
    }
    kc_session_leave(s);
    return st;
}
