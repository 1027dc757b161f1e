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

/* exact fixed-size input with a valid header: the prefix rule plus no trailing bytes */
static kc_status fixed_input(const kc_request *r, uint32_t size, void *local)
{
    kc_status st = prefix_input(r, size, local);
    if (KC_SUCCESS(st) && r->in_len != size) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    return st;
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

static kc_status do_version(kc_session *s, kc_request *r)
{
    if (r->in_len != sizeof(kmclb_in_header)) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH; /* any version accepted here */
    }
    kc_status st = need_out(r, sizeof(kmclb_version_out));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kmclb_version_out v;
    memset(&v, 0, sizeof(v));
    v.protocol_version = KMCLB_PROTOCOL_VERSION;
    v.kmcl_interface_version = KMCLB_KMCL_INTERFACE_VERSION;
    v.max_input = KMCLB_MAX_INPUT;
    memcpy(v.driver_version, s->core->version, sizeof(v.driver_version));
    v.driver_version[sizeof(v.driver_version) - 1] = 0;
    write_out(r, &v, sizeof(v));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_list(kc_session *s, kc_request *r)
{
    kmclb_in_header h;
    kc_status st = fixed_input(r, sizeof(h), &h);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = need_out(r, sizeof(kmclb_endpoints_out));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    zero_out(r);
    kc_core *c = s->core;
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

static kc_status do_create(kc_session *s, kc_request *r)
{
    kmclb_create_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.reserved != 0 || in.is_server > 1) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    st = check_config(&in.config, (uint64_t)r->in_len - sizeof(in));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = need_out(r, sizeof(kmclb_create_out));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    uint16_t *name;
    st = copy_name(s, r, sizeof(in), in.config.friendly_name_bytes, &name);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kmclb_create_out o;
    memset(&o, 0, sizeof(o));
    o.status = kc_op_create(s, in.endpoint, (int)in.is_server, &in.config, name, &o.channel, &o.failed_function);
    kc_free(s->core, name);
    write_out(r, &o, sizeof(o));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_configure(kc_session *s, kc_request *r)
{
    kmclb_configure_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = check_config(&in.config, (uint64_t)r->in_len - sizeof(in));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = need_out(r, sizeof(kmclb_configure_out));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (st == KMCLB_STATUS_STALE_ID || st == KMCLB_STATUS_INVALID_HANDLE) {
        /* B14: KMCL's Init* functions reject an unknown channel as their first parameter; the
         * failing function is the first one this configuration would have called */
        kmclb_configure_out o;
        memset(&o, 0, sizeof(o));
        o.status = KMCLB_STATUS_INVALID_PARAMETER_1;
        uint32_t pr = in.config.present;
        o.failed_function = (pr & KMCLB_CFG_CLIENT_CONTEXT_SIZE) ? KMCLB_FUNC_CLIENT(10)
                            : (pr & KMCLB_CFG_FLAGS)             ? KMCLB_FUNC_CLIENT(11)
                            : (pr & KMCLB_CFG_FRIENDLY_NAME)     ? KMCLB_FUNC_CLIENT(12)
                            : (pr & KMCLB_CFG_MAX_EXTERNAL_DATA) ? KMCLB_FUNC_CLIENT(13)
                            : (pr & KMCLB_CFG_MAX_PACKET_SIZE)   ? KMCLB_FUNC_CLIENT(14)
                                                                 : KMCLB_FUNC_CLIENT(15);
        write_out(r, &o, sizeof(o));
        return KMCLB_STATUS_SUCCESS;
    }
    if (!KC_SUCCESS(st)) {
        return st;
    }
    uint16_t *name;
    st = copy_name(s, r, sizeof(in), in.config.friendly_name_bytes, &name);
    if (!KC_SUCCESS(st)) {
        kc_channel_put(ch);
        return st;
    }
    kmclb_configure_out o;
    memset(&o, 0, sizeof(o));
    o.status = kc_apply_config(ch, &in.config, name, &o.failed_function);
    kc_free(s->core, name);
    kc_channel_put(ch);
    write_out(r, &o, sizeof(o));
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_channel_op(kc_session *s, uint32_t fn, kc_request *r)
{
    kmclb_channel_in in;
    kc_status st = fixed_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (fn == KMCLB_FN_CHANNEL_QUERY) {
        st = need_out(r, (uint64_t)KMCLB_QUERY_SLOTS * 8u);
        if (!KC_SUCCESS(st)) {
            return st;
        }
    }
    if (fn == KMCLB_FN_CHANNEL_CLEANUP) {
        zero_out(r);
        return kc_op_cleanup(s, in.channel);
    }
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    switch (fn) {
    case KMCLB_FN_CHANNEL_ENABLE:
        st = kc_op_enable(ch);
        break;
    case KMCLB_FN_CHANNEL_DISABLE:
        st = kc_op_disable(ch);
        break;
    case KMCLB_FN_CHANNEL_PAUSE:
        st = kc_op_pause(ch);
        break;
    case KMCLB_FN_CHANNEL_START:
        st = kc_op_start(ch);
        break;
    default: { /* QUERY */
        uint64_t q[KMCLB_QUERY_SLOTS];
        kc_op_query(ch, q);
        write_out(r, q, sizeof(q));
        kc_channel_put(ch);
        return KMCLB_STATUS_SUCCESS;
    }
    }
    kc_channel_put(ch);
    zero_out(r);
    return st;
}

static kc_status do_set(kc_session *s, uint32_t fn, kc_request *r)
{
    kc_channel *ch;
    kc_status st;
    if (fn == KMCLB_FN_SET_CONTEXT) {
        kmclb_set_context_in in;
        st = fixed_input(r, sizeof(in), &in);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        st = kc_channel_get(s, in.channel, &ch);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        kc_op_set_context(ch, in.value);
        kc_channel_put(ch);
        zero_out(r);
        return KMCLB_STATUS_SUCCESS;
    }
    kmclb_set_u32_in in;
    st = fixed_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.reserved != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (fn == KMCLB_FN_SET_LATENCY) {
        if (in.value > 0xFFFFu) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        st = need_out(r, sizeof(kmclb_u32_out));
        if (!KC_SUCCESS(st)) {
            return st;
        }
    }
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (fn == KMCLB_FN_SET_QUOTA) {
        kc_op_set_quota(ch, in.value);
        kc_channel_put(ch);
        zero_out(r);
        return KMCLB_STATUS_SUCCESS;
    }
    uint16_t orig = 0;
    st = kc_op_set_latency(ch, (uint16_t)in.value, &orig);
    kc_channel_put(ch);
    return write_u32_out(r, st, orig);
}

static kc_status do_receive(kc_session *s, kc_request *r)
{
    kmclb_receive_in in;
    kc_status st = fixed_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.reserved != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    st = need_out(r, sizeof(kmclb_receive_out));
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    zero_out(r);
    st = kc_receive_or_park(ch, r, in.timeout_ms != 0);
    kc_channel_put(ch);
    return st;
}

static kc_status do_complete(kc_session *s, kc_request *r)
{
    kmclb_complete_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.count == 0 || in.count > KMCLB_MAX_COMPLETE_BATCH || in.payload_bytes > KMCLB_MAX_PAYLOAD) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint64_t total = (uint64_t)sizeof(in) + (uint64_t)in.count * sizeof(kmclb_complete_entry) + in.payload_bytes;
    if (total != r->in_len) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    st = need_out(r, sizeof(kmclb_complete_out) + (uint64_t)in.count * 4u);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    /* input and output may share memory: consume all input into private copies first */
    uint32_t n = in.count;
    size_t ebytes = (size_t)n * sizeof(kmclb_complete_entry);
    kmclb_complete_entry *ents = (kmclb_complete_entry *)kc_alloc(s->core, ebytes + in.payload_bytes + (size_t)n * 4u);
    if (ents == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(ents, (const uint8_t *)r->in + sizeof(in), ebytes + in.payload_bytes);
    const uint8_t *payload = (const uint8_t *)ents + ebytes;
    int32_t *statuses = (int32_t *)(void *)((uint8_t *)ents + ebytes + in.payload_bytes);
    kmclb_complete_out o;
    memset(&o, 0, sizeof(o));
    o.count = n;
    for (uint32_t i = 0; i < n; i++) {
        kmclb_complete_entry e;
        memcpy(&e, &ents[i], sizeof(e));
        kc_status one;
        if ((uint64_t)e.offset + e.length > in.payload_bytes) {
            one = KMCLB_STATUS_INVALID_PARAMETER;
        } else {
            one = kc_op_complete(s, e.packet, payload + e.offset, e.length);
        }
        memcpy(&statuses[i], &one, 4);
        if (!KC_SUCCESS(one) && o.status == 0) {
            o.status = one;
        }
    }
    zero_out(r);
    memcpy(r->out, &o, sizeof(o));
    memcpy((uint8_t *)r->out + sizeof(o), statuses, (size_t)n * 4u);
    r->info = (uint32_t)(sizeof(o) + (size_t)n * 4u);
    kc_free(s->core, ents);
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_packet_op(kc_session *s, uint32_t fn, kc_request *r)
{
    kmclb_packet_in in;
    kc_status st = fixed_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    zero_out(r);
    return fn == KMCLB_FN_FAIL ? kc_op_fail(s, in.packet) : kc_op_defer(s, in.packet);
}

static kc_status do_requeue(kc_session *s, kc_request *r)
{
    kmclb_requeue_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.reserved != 0 || in.count == 0 || in.count > KMCLB_MAX_REQUEUE_BATCH) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((uint64_t)sizeof(in) + (uint64_t)in.count * sizeof(uint64_t) != r->in_len) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    /* input and output may share memory: copy the ids before touching anything */
    uint64_t *ids = (uint64_t *)kc_alloc(s->core, (size_t)in.count * sizeof(uint64_t));
    if (ids == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(ids, (const uint8_t *)r->in + sizeof(in), (size_t)in.count * sizeof(uint64_t));
    zero_out(r);
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (KC_SUCCESS(st)) {
        st = kc_op_requeue(ch, ids, in.count);
        kc_channel_put(ch);
    }
    kc_free(s->core, ids);
    return st;
}

static kc_status check_send_lengths(uint32_t form, uint32_t len, uint32_t ext_len, uint32_t fixed, uint32_t in_len)
{
    if (form > KMCLB_EXTERNAL_PFNS || len > KMCLB_MAX_PAYLOAD || ext_len > KMCLB_MAX_PAYLOAD) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((form == KMCLB_EXTERNAL_NONE) != (ext_len == 0)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if ((uint64_t)fixed + len + ext_len != in_len) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    return KMCLB_STATUS_SUCCESS;
}

static kc_status do_send(kc_session *s, kc_request *r)
{
    kmclb_send_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = check_send_lengths(in.external_form, in.payload_length, in.external_length, sizeof(in), r->in_len);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    const uint8_t *p = (const uint8_t *)r->in + sizeof(in);
    st = kc_op_send(ch, in.tag, in.flags, in.external_form, p, in.payload_length, p + in.payload_length,
                    in.external_length);
    kc_channel_put(ch);
    zero_out(r);
    return st;
}

static kc_status do_send_sync(kc_session *s, kc_request *r)
{
    kmclb_send_sync_in in;
    kc_status st = prefix_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (in.external_form == KMCLB_EXTERNAL_PFNS || in.has_timeout > 1 || in.completion_capacity > KMCLB_MAX_PAYLOAD) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    st = check_send_lengths(in.external_form, in.payload_length, in.external_length, sizeof(in), r->in_len);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = need_out(r, sizeof(kmclb_send_sync_out) + (uint64_t)in.completion_capacity);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    kc_channel *ch;
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    /* private copies: the request buffer is both input and output */
    size_t body = (size_t)in.payload_length + in.external_length;
    uint8_t *tmp = (uint8_t *)kc_alloc(s->core, body + in.completion_capacity + 8u);
    if (tmp == NULL) {
        kc_channel_put(ch);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(tmp, (const uint8_t *)r->in + sizeof(in), body);
    uint8_t *cbuf = tmp + body;
    uint32_t csize = in.completion_capacity;
    int64_t timeout = in.timeout_100ns;
    st = kc_op_send_sync(ch, in.flags, tmp, in.payload_length, in.external_length ? tmp + in.payload_length : NULL,
                         in.external_length, cbuf, &csize, in.has_timeout ? &timeout : NULL);
    kc_channel_put(ch);
    zero_out(r);
    if (KC_SUCCESS(st) || st == KMCLB_STATUS_BUFFER_OVERFLOW) {
        if (csize > in.completion_capacity) {
            csize = in.completion_capacity;
        }
        kmclb_send_sync_out o;
        memset(&o, 0, sizeof(o));
        o.completion_size = csize;
        memcpy(r->out, &o, sizeof(o));
        memcpy((uint8_t *)r->out + sizeof(o), cbuf, csize);
        r->info = (uint32_t)(sizeof(o) + csize);
    }
    kc_free(s->core, tmp);
    return st;
}

static kc_status do_gpadl(kc_session *s, uint32_t fn, kc_request *r)
{
    kc_channel *ch;
    kc_status st;
    if (fn == KMCLB_FN_GPADL_CREATE) {
        kmclb_gpadl_create_in in;
        st = fixed_input(r, sizeof(in), &in);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        if (in.size == 0 || in.size > KMCLB_MAX_GPADL_SIZE) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        st = need_out(r, sizeof(kmclb_u32_out));
        if (!KC_SUCCESS(st)) {
            return st;
        }
        st = kc_channel_get(s, in.channel, &ch);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        uint32_t h = 0;
        st = kc_op_gpadl_create(ch, in.size, in.flags, &h);
        kc_channel_put(ch);
        return write_u32_out(r, st, h);
    }
    if (fn == KMCLB_FN_GPADL_READ || fn == KMCLB_FN_GPADL_WRITE) {
        kmclb_gpadl_access_in in;
        st = prefix_input(r, sizeof(in), &in);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        if (in.reserved != 0 || in.mapped > 1 || in.length > KMCLB_MAX_GPADL_SIZE) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        uint64_t expect = sizeof(in) + (fn == KMCLB_FN_GPADL_WRITE ? (uint64_t)in.length : 0u);
        if (expect != r->in_len) {
            return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
        }
        if (fn == KMCLB_FN_GPADL_READ) {
            st = need_out(r, in.length);
            if (!KC_SUCCESS(st)) {
                return st;
            }
        }
        st = kc_channel_get(s, in.channel, &ch);
        if (!KC_SUCCESS(st)) {
            return st;
        }
        if (fn == KMCLB_FN_GPADL_WRITE) {
            st = kc_op_gpadl_access(ch, in.handle, (int)in.mapped, in.offset,
                                    (uint8_t *)(uintptr_t)r->in + sizeof(in), in.length, 1);
            kc_channel_put(ch);
            zero_out(r);
            return st;
        }
        zero_out(r); /* fixed input already copied; READ has no variable input */
        st = kc_op_gpadl_access(ch, in.handle, (int)in.mapped, in.offset, r->out, in.length, 0);
        kc_channel_put(ch);
        if (KC_SUCCESS(st)) {
            r->info = in.length;
        } else {
            zero_out(r);
        }
        return st;
    }
    kmclb_gpadl_in in;
    st = fixed_input(r, sizeof(in), &in);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (fn != KMCLB_FN_GPADL_MAP && in.flags != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    st = kc_channel_get(s, in.channel, &ch);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    if (fn == KMCLB_FN_GPADL_DELETE) {
        st = kc_op_gpadl_delete(ch, in.handle);
    } else if (fn == KMCLB_FN_GPADL_MAP) {
        st = kc_op_gpadl_map(ch, in.handle, in.flags);
    } else {
        st = kc_op_gpadl_unmap(ch, in.handle);
    }
    kc_channel_put(ch);
    zero_out(r);
    return st;
}

static kc_status dispatch_inner(kc_session *s, uint32_t code, kc_request *r)
{
    uint32_t fn = (code >> 2) & 0xFFFu;
    /* the code must be exactly one of ours: device type, method, access and function */
    uint32_t expect_access = (fn == KMCLB_FN_QUERY_VERSION || fn == KMCLB_FN_LIST_ENDPOINTS ||
                              fn == KMCLB_FN_CHANNEL_QUERY || fn == KMCLB_FN_RECEIVE || fn == KMCLB_FN_GPADL_READ)
                                 ? KMCLB_R
                                 : KMCLB_RW;
    if (fn < KMCLB_FN_FIRST || fn > KMCLB_FN_LAST || code != KMCLB_CODE(fn, expect_access)) {
        return KMCLB_STATUS_INVALID_DEVICE_REQUEST;
    }
    switch (fn) {
    case KMCLB_FN_QUERY_VERSION:
        return do_version(s, r);
    case KMCLB_FN_LIST_ENDPOINTS:
        return do_list(s, r);
    case KMCLB_FN_CHANNEL_CREATE:
        return do_create(s, r);
    case KMCLB_FN_CHANNEL_CONFIGURE:
        return do_configure(s, r);
    case KMCLB_FN_CHANNEL_ENABLE:
    case KMCLB_FN_CHANNEL_DISABLE:
    case KMCLB_FN_CHANNEL_PAUSE:
    case KMCLB_FN_CHANNEL_START:
    case KMCLB_FN_CHANNEL_CLEANUP:
    case KMCLB_FN_CHANNEL_QUERY:
        return do_channel_op(s, fn, r);
    case KMCLB_FN_SET_CONTEXT:
    case KMCLB_FN_SET_QUOTA:
    case KMCLB_FN_SET_LATENCY:
        return do_set(s, fn, r);
    case KMCLB_FN_RECEIVE:
        return do_receive(s, r);
    case KMCLB_FN_COMPLETE:
        return do_complete(s, r);
    case KMCLB_FN_FAIL:
    case KMCLB_FN_DEFER:
        return do_packet_op(s, fn, r);
    case KMCLB_FN_REQUEUE:
        return do_requeue(s, r);
    case KMCLB_FN_SEND:
        return do_send(s, r);
    case KMCLB_FN_SEND_SYNC:
        return do_send_sync(s, r);
    default:
        return do_gpadl(s, fn, r);
    }
}

kc_status kc_dispatch(kc_session *s, uint32_t code, kc_request *r)
{
    r->info = 0;
    if ((r->in_len > 0 && r->in == NULL) || (r->out_len > 0 && r->out == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (r->in_len > KMCLB_MAX_INPUT) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_core *c = s->core;
    kc_lock(c);
    if (s->closing) {
        kc_unlock(c);
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    s->inflight++;
    kc_unlock(c);
    kc_status st = dispatch_inner(s, code, r);
    if (!KC_SUCCESS(st) && st != KMCLB_STATUS_BUFFER_OVERFLOW && st != KMCLB_STATUS_PENDING) {
        r->info = 0;
    }
    kc_lock(c);
    s->inflight--;
    kc_unlock(c);
    return st;
}
