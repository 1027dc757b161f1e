/* shim.c - the flat API: encodes each call into one kmclbridge_protocol.h request. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdlib.h>
#include <string.h>
#include "kmclshim.h"
#include "kmclbridge_protocol.h"
#include "transport.h"


/* Session handles are (generation << 32) | (slot + 1) into a fixed array of slots, so a closed or
 * forged handle is rejected instead of dereferenced.
 *
 * Lifetime: a slot carries a reference count, one reference while a session is listed in it and
 * one for every call inside its transport. kmclshim_close unlists the session (its generation
 * reads 0 from then on, so no new call can take a reference), shuts the transport down once
 * (parked requests end, calls that start later return without waiting) and drops the listing's
 * reference; the transport is closed (tr_free, on win32 CloseHandle) only after the last reference
 * is gone, and only then can the slot take a new session. No thread is ever inside tr_ioctl on a
 * closed transport, and a cancel never reaches a closed, possibly recycled, handle value.
 *
 * Calls take no lock (the lookup is on every call): acquire counts a reference first and then
 * checks the slot's generation, close clears the generation first and then waits for the count
 * to reach zero, both sequentially consistent, so either the call sees the session unlisted or
 * close sees the call's reference. A call that counted a reference on a slot it then finds
 * unlisted or reused takes the reference back at once and touches nothing else; the slots
 * themselves are never freed. Only open and close serialize, on g_slots_lock. */
#define MAX_SESSIONS 4096u

typedef struct shim_slot {
    void *t;            /* the session's transport: written before the generation is published */
    volatile long refs; /* 1 while listed + 1 per call in flight (+ briefly, a call that misses) */
    volatile long gen;  /* the listed session's generation, 0 while none is listed */
    uint32_t last_gen;  /* the generation given out last (g_slots_lock) */
    int used;           /* listed, or closing and not yet free (g_slots_lock) */
} shim_slot;

static shim_slot g_slots[MAX_SESSIONS];

#if defined(_WIN32)
#include <windows.h>
static SRWLOCK g_slots_srw = SRWLOCK_INIT;
static void slots_lock(void) { AcquireSRWLockExclusive(&g_slots_srw); }
static void slots_unlock(void) { ReleaseSRWLockExclusive(&g_slots_srw); }
static void ref_inc(volatile long *r) { InterlockedIncrement(r); }
static long ref_dec(volatile long *r) { return InterlockedDecrement(r); }
static long atomic_get(volatile long *r) { return InterlockedCompareExchange(r, 0, 0); }
static void atomic_set(volatile long *r, long v) { InterlockedExchange(r, v); }
/* wakes kmclshim_close when a session's last reference is dropped */
static SRWLOCK g_last_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE g_last_left = CONDITION_VARIABLE_INIT;
static void last_lock(void) { AcquireSRWLockExclusive(&g_last_lock); }
static void last_unlock(void) { ReleaseSRWLockExclusive(&g_last_lock); }
static void last_signal(void) { WakeAllConditionVariable(&g_last_left); }
static void last_wait(void) { SleepConditionVariableSRW(&g_last_left, &g_last_lock, INFINITE, 0); }
#else
#include <pthread.h>
static pthread_mutex_t g_slots_mutex = PTHREAD_MUTEX_INITIALIZER;
static void slots_lock(void) { pthread_mutex_lock(&g_slots_mutex); }
static void slots_unlock(void) { pthread_mutex_unlock(&g_slots_mutex); }
static void ref_inc(volatile long *r) { __atomic_add_fetch(r, 1, __ATOMIC_SEQ_CST); }
static long ref_dec(volatile long *r) { return __atomic_sub_fetch(r, 1, __ATOMIC_SEQ_CST); }
static long atomic_get(volatile long *r) { return __atomic_load_n(r, __ATOMIC_SEQ_CST); }
static void atomic_set(volatile long *r, long v) { __atomic_store_n(r, v, __ATOMIC_SEQ_CST); }
static pthread_mutex_t g_last_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_last_left = PTHREAD_COND_INITIALIZER;
static void last_lock(void) { pthread_mutex_lock(&g_last_lock); }
static void last_unlock(void) { pthread_mutex_unlock(&g_last_lock); }
static void last_signal(void) { pthread_cond_broadcast(&g_last_left); }
static void last_wait(void) { pthread_cond_wait(&g_last_left, &g_last_lock); }
#endif

/* the slot a well-formed handle names and its generation, or NULL */
static shim_slot *slot_of(int64_t session, long *gen_out)
{
    uint64_t h = (uint64_t)session;
    uint32_t slot = (uint32_t)(h & 0xFFFFFFFFu);
    uint32_t gen = (uint32_t)(h >> 32);
    if (slot == 0 || slot > MAX_SESSIONS || gen == 0) {
        return NULL;
    }
    *gen_out = (long)gen;
    return &g_slots[slot - 1];
}

/* Drops one reference. Nothing of the session is touched after the decrement: once the count is
 * zero, kmclshim_close may close its transport at any moment. */
static void release(shim_slot *s)
{
    if (ref_dec(&s->refs) == 0) {
        last_lock(); /* taken after the decrement, so a closer that saw refs != 0 is already waiting */
        last_signal();
        last_unlock();
    }
}

/* the listed session's slot with a reference, or NULL */
static shim_slot *acquire(int64_t session)
{
    long gen = 0;
    shim_slot *s = slot_of(session, &gen);
    if (s == NULL || atomic_get(&s->gen) != gen) {
        return NULL; /* not listed: nothing counted */
    }
    ref_inc(&s->refs);
    if (atomic_get(&s->gen) != gen) { /* closed (or closed and reused) meanwhile */
        release(s);
        return NULL;
    }
    return s;
}

/* kmclshim_close's part after unlisting: waits for the last reference, closes the transport and
 * frees the slot */
static void close_on_last_reference(shim_slot *s)
{
    void *t = s->t;
    tr_shutdown(t); /* once: the transport keeps later calls from waiting on the driver */
    release(s);     /* the listing's reference */
    last_lock();
    while (atomic_get(&s->refs) != 0) {
        last_wait();
    }
    last_unlock();
    tr_free(t); /* no call is inside the transport any more: the handle can go */
    slots_lock();
    s->t = NULL;
    s->used = 0;
    slots_unlock();
}

void *kmclshim_internal_acquire(int64_t session, void **token)
{
    shim_slot *s = acquire(session);
    *token = s;
    return s ? s->t : NULL;
}

void kmclshim_internal_release(void *token)
{
    if (token) {
        release((shim_slot *)token);
    }
}

int32_t kmclshim_transport(int32_t *out_transport)
{
    if (out_transport == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_transport = tr_kind;
    return KMCLB_STATUS_SUCCESS;
}

static kmclb_in_header hdr(void)
{
    kmclb_in_header h;
    h.version = KMCLB_PROTOCOL_VERSION;
    h.reserved = 0;
    return h;
}

/* The start of a request: its fixed part zeroed, then the protocol header. */
static void start_request(void *in, size_t size)
{
    kmclb_in_header h = hdr();
    memset(in, 0, size);
    memcpy(in, &h, sizeof(h));
}

/* The start of a request on a channel: start_request, then the channel id, which every such
 * request carries right after the header (kmclbridge_protocol.h asserts it). */
static void start_channel_request(void *in, size_t size, int64_t channel)
{
    kmclb_channel_in start;
    start.hdr = hdr();
    start.channel = (uint64_t)channel;
    memset(in, 0, size);
    memcpy(in, &start, sizeof(start));
}

static int32_t call_wait(int64_t session, uint32_t code, const void *in, uint32_t in_len, void *out,
                         uint32_t out_len, uint32_t *info, int64_t wait_ms)
{
    uint32_t dummy;
    shim_slot *s = acquire(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    int32_t st = tr_ioctl(s->t, code, in, in_len, out, out_len, info ? info : &dummy, wait_ms);
    release(s);
    return st;
}

static int32_t call(int64_t session, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                    uint32_t *info)
{
    return call_wait(session, code, in, in_len, out, out_len, info, -1);
}

/* A request with variable parts: the fixed struct `in`, then `first` and `second` (either may be
 * empty), sent as one input buffer. */
/* requests (and batch bookkeeping) up to this size are built on the stack, not allocated per call */
#define SHIM_STACK_BUFFER 4096u

static int32_t call_with_data(int64_t session, uint32_t code, const void *in, uint32_t in_len, const void *first,
                              uint32_t first_len, const void *second, uint32_t second_len, void *out,
                              uint32_t out_len, uint32_t *info)
{
    uint32_t total = in_len + first_len + second_len;
    uint8_t stack_buffer[SHIM_STACK_BUFFER];
    uint8_t *buf = total <= sizeof(stack_buffer) ? stack_buffer : (uint8_t *)malloc(total);
    if (buf == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(buf, in, in_len);
    if (first_len > 0) {
        memcpy(buf + in_len, first, first_len);
    }
    if (second_len > 0) {
        memcpy(buf + in_len + first_len, second, second_len);
    }
    int32_t st = call(session, code, buf, total, out, out_len, info);
    if (buf != stack_buffer) {
        free(buf);
    }
    return st;
}

/* A request answered with one kmclb_u32_out: its value goes to *out_value (optional) on success. */
static int32_t call_for_u32(int64_t session, uint32_t code, const void *in, uint32_t in_len, int32_t *out_value)
{
    kmclb_u32_out o;
    memset(&o, 0, sizeof(o));
    int32_t st = call(session, code, in, in_len, &o, sizeof(o), NULL);
    if (st >= 0 && out_value != NULL) {
        *out_value = (int32_t)o.value;
    }
    return st;
}

/* kmclshim_open and kmclshim_open_seeded: seed NULL lets the transport choose */
static int32_t open_session(const uint64_t *seed, int64_t *out_session)
{
    if (out_session == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_session = 0;
    void *t = NULL;
    int32_t st = tr_open(seed, &t);
    if (st < 0) {
        return st;
    }
    /* the protocol version is queried first; a mismatch closes the session again */
    kmclb_in_header h = hdr();
    kmclb_version_out v;
    uint32_t info = 0;
    memset(&v, 0, sizeof(v));
    st = tr_ioctl(t, IOCTL_KMCLB_QUERY_VERSION, &h, sizeof(h), &v, sizeof(v), &info, -1);
    if (st >= 0 && (info != sizeof(v) || v.protocol_version != KMCLB_PROTOCOL_VERSION)) {
        st = KMCLB_STATUS_REVISION_MISMATCH;
    }
    if (st < 0) {
        tr_shutdown(t);
        tr_free(t);
        return st;
    }
    slots_lock();
    for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
        shim_slot *s = &g_slots[i];
        if (!s->used) {
            uint32_t gen = s->last_gen + 1u;
            if (gen == 0 || gen > 0x7FFFFFFFu) { /* a handle's generation fits a positive long */
                gen = 1;
            }
            s->last_gen = gen;
            s->used = 1;
            s->t = t;
            ref_inc(&s->refs);            /* the listing's reference (a missing call may still hold one) */
            atomic_set(&s->gen, (long)gen); /* listed: calls may take references from here on */
            *out_session = (int64_t)(((uint64_t)gen << 32) | (uint64_t)(i + 1u));
            slots_unlock();
            return KMCLB_STATUS_SUCCESS;
        }
    }
    slots_unlock();
    tr_shutdown(t);
    tr_free(t);
    return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
}

int32_t kmclshim_open(int64_t *out_session)
{
    return open_session(NULL, out_session);
}

int32_t kmclshim_open_seeded(int64_t seed, int64_t *out_session)
{
    const uint64_t s = (uint64_t)seed;
    return open_session(&s, out_session);
}

int32_t kmclshim_close(int64_t session)
{
    long gen = 0;
    shim_slot *s = slot_of(session, &gen);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    slots_lock();
    int listed = atomic_get(&s->gen) == gen;
    if (listed) {
        atomic_set(&s->gen, 0); /* the handle is dead from here on */
    }
    slots_unlock();
    if (!listed) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    close_on_last_reference(s);
    return KMCLB_STATUS_SUCCESS;
}

int32_t kmclshim_query_version(int64_t session, int32_t *out_protocol, int32_t *out_kmcl_version, char *dv)
{
    kmclb_in_header h = hdr();
    kmclb_version_out v;
    memset(&v, 0, sizeof(v));
    int32_t st = call(session, IOCTL_KMCLB_QUERY_VERSION, &h, sizeof(h), &v, sizeof(v), NULL);
    if (st >= 0) {
        if (out_protocol) {
            *out_protocol = (int32_t)v.protocol_version;
        }
        if (out_kmcl_version) {
            *out_kmcl_version = (int32_t)v.kmcl_interface_version;
        }
        if (dv) {
            memcpy(dv, v.driver_version, 32);
            dv[31] = 0;
        }
    }
    return st;
}

int32_t kmclshim_list_endpoints(int64_t session, int64_t *ids, uint8_t *guids32, char *names64, int32_t max,
                                int32_t *out_count, int32_t *out_total)
{
    if (max < 0 || max > 65536 || out_count == NULL || out_total == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_count = 0;
    *out_total = 0;
    kmclb_in_header h = hdr();
    uint32_t cap = (uint32_t)sizeof(kmclb_endpoints_out) + (uint32_t)max * (uint32_t)sizeof(kmclb_endpoint);
    uint8_t *buf = (uint8_t *)malloc(cap);
    if (buf == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    uint32_t info = 0;
    int32_t st = call(session, IOCTL_KMCLB_LIST_ENDPOINTS, &h, sizeof(h), buf, cap, &info);
    if (st >= 0) {
        kmclb_endpoints_out eo;
        memcpy(&eo, buf, sizeof(eo));
        if (eo.count > (uint32_t)max) {
            eo.count = (uint32_t)max;
        }
        for (uint32_t i = 0; i < eo.count; i++) {
            kmclb_endpoint e;
            memcpy(&e, buf + sizeof(eo) + i * sizeof(e), sizeof(e));
            if (ids) {
                ids[i] = (int64_t)e.id;
            }
            if (guids32) {
                memcpy(guids32 + 32u * i, e.interface_type, 16);
                memcpy(guids32 + 32u * i + 16, e.interface_instance, 16);
            }
            if (names64) {
                memcpy(names64 + 64u * i, e.name, 64);
                names64[64u * i + 63] = 0;
            }
        }
        *out_count = (int32_t)eo.count;
        *out_total = (int32_t)eo.total;
    }
    free(buf);
    return st;
}

int32_t kmclshim_allocate_channel(int64_t session, int64_t endpoint, int32_t server, int64_t *out_channel)
{
    if (out_channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_channel = 0;
    kmclb_create_in in;
    start_request(&in, sizeof(in));
    in.endpoint = (uint64_t)endpoint;
    in.is_server = server ? 1u : 0u;
    kmclb_create_out o;
    memset(&o, 0, sizeof(o));
    int32_t st = call(session, IOCTL_KMCLB_CHANNEL_CREATE, &in, sizeof(in), &o, sizeof(o), NULL);
    if (st < 0) {
        return st;
    }
    if (o.status >= 0) {
        *out_channel = (int64_t)o.channel;
    }
    return o.status;
}

int32_t kmclshim_configure(int64_t session, int64_t channel, int32_t present, const int32_t *v,
                           const uint8_t *guids64, const uint16_t *name, int32_t name_bytes, int32_t *out_failed)
{
    if (out_failed) {
        *out_failed = -1;
    }
    if (v == NULL || name_bytes < 0 || name_bytes > (int32_t)KMCLB_MAX_FRIENDLY_NAME ||
        (name_bytes > 0 && name == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kmclb_configure_in in;
    start_channel_request(&in, sizeof(in), channel);
    kmclb_channel_config *c = &in.config;
    c->present = (uint32_t)present;
    c->client_context_size = (uint32_t)v[KMCLSHIM_CFG_CLIENT_CONTEXT_SIZE];
    c->channel_flags = (uint32_t)v[KMCLSHIM_CFG_CHANNEL_FLAGS];
    c->max_external_data_size = (uint32_t)v[KMCLSHIM_CFG_EXT_DATA_SIZE];
    c->max_external_chain_length = (uint32_t)v[KMCLSHIM_CFG_EXT_CHAIN_LENGTH];
    c->max_packet_size = (uint32_t)v[KMCLSHIM_CFG_MAX_PACKET_SIZE];
    c->processing_complete = v[KMCLSHIM_CFG_PROCESSING_COMPLETE] ? 1u : 0u;
    c->state_cb_version = (uint32_t)v[KMCLSHIM_CFG_STATE_CB_VERSION];
    c->state_cb_size = (uint32_t)v[KMCLSHIM_CFG_STATE_CB_SIZE];
    c->incoming_at_passive = v[KMCLSHIM_CFG_INCOMING_AT_PASSIVE] ? 1u : 0u;
    c->transaction_quota = (uint32_t)v[KMCLSHIM_CFG_TRANSACTION_QUOTA];
    c->ring_pages_incoming = (uint32_t)v[KMCLSHIM_CFG_RING_PAGES_IN];
    c->ring_pages_outgoing = (uint32_t)v[KMCLSHIM_CFG_RING_PAGES_OUT];
    c->server_flags = (uint32_t)v[KMCLSHIM_CFG_SERVER_FLAGS];
    c->mmio_megabytes = (uint16_t)v[KMCLSHIM_CFG_MMIO_MB];
    c->mmio_megabytes_optional = (uint16_t)v[KMCLSHIM_CFG_MMIO_MB_OPTIONAL];
    c->target_vtl = (uint32_t)v[KMCLSHIM_CFG_TARGET_VTL];
    if (guids64 != NULL) {
        memcpy(c->target_pnp_type, guids64, 16);
        memcpy(c->target_pnp_instance, guids64 + 16, 16);
        memcpy(c->target_interface_type, guids64 + 32, 16);
        memcpy(c->target_interface_instance, guids64 + 48, 16);
    }
    c->friendly_name_bytes = (uint32_t)name_bytes;
    kmclb_configure_out o;
    memset(&o, 0, sizeof(o));
    int32_t st = call_with_data(session, IOCTL_KMCLB_CHANNEL_CONFIGURE, &in, sizeof(in), name, (uint32_t)name_bytes,
                                NULL, 0, &o, sizeof(o), NULL);
    if (st < 0) {
        return st;
    }
    if (out_failed && o.status < 0) {
        *out_failed = (int32_t)o.failed_function;
    }
    return o.status;
}

static int32_t channel_op(int64_t session, uint32_t code, int64_t channel)
{
    kmclb_channel_in in;
    start_channel_request(&in, sizeof(in), channel);
    return call(session, code, &in, sizeof(in), NULL, 0, NULL);
}

int32_t kmclshim_enable(int64_t s, int64_t ch)
{
    return channel_op(s, IOCTL_KMCLB_CHANNEL_ENABLE, ch);
}

int32_t kmclshim_disable(int64_t s, int64_t ch)
{
    return channel_op(s, IOCTL_KMCLB_CHANNEL_DISABLE, ch);
}

int32_t kmclshim_pause(int64_t s, int64_t ch)
{
    return channel_op(s, IOCTL_KMCLB_CHANNEL_PAUSE, ch);
}

int32_t kmclshim_start(int64_t s, int64_t ch)
{
    return channel_op(s, IOCTL_KMCLB_CHANNEL_START, ch);
}

int32_t kmclshim_cleanup(int64_t s, int64_t ch)
{
    return channel_op(s, IOCTL_KMCLB_CHANNEL_CLEANUP, ch);
}

int32_t kmclshim_query_channel(int64_t session, int64_t channel, int64_t *out24)
{
    if (out24 == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kmclb_channel_in in;
    start_channel_request(&in, sizeof(in), channel);
    uint64_t q[KMCLB_QUERY_SLOTS];
    memset(q, 0, sizeof(q));
    int32_t st = call(session, IOCTL_KMCLB_CHANNEL_QUERY, &in, sizeof(in), q, sizeof(q), NULL);
    if (st >= 0) {
        memcpy(out24, q, sizeof(q));
    }
    return st;
}

int32_t kmclshim_set_context(int64_t session, int64_t channel, int64_t value)
{
    kmclb_set_context_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.value = (uint64_t)value;
    return call(session, IOCTL_KMCLB_SET_CONTEXT, &in, sizeof(in), NULL, 0, NULL);
}

int32_t kmclshim_set_transaction_quota(int64_t session, int64_t channel, int32_t quota)
{
    kmclb_set_u32_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.value = (uint32_t)quota;
    return call(session, IOCTL_KMCLB_SET_QUOTA, &in, sizeof(in), NULL, 0, NULL);
}

int32_t kmclshim_set_interrupt_latency(int64_t session, int64_t channel, int32_t latency, int32_t *out_original)
{
    kmclb_set_u32_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.value = (uint32_t)latency;
    return call_for_u32(session, IOCTL_KMCLB_SET_LATENCY, &in, sizeof(in), out_original);
}

int32_t kmclshim_send(int64_t session, int64_t channel, int64_t tag, const void *payload, int32_t len,
                      const void *ext, int32_t ext_len, int32_t form, int32_t flags)
{
    if (len < 0 || ext_len < 0 || (uint32_t)len > KMCLB_MAX_PAYLOAD || (uint32_t)ext_len > KMCLB_MAX_PAYLOAD ||
        (len > 0 && payload == NULL) || (ext_len > 0 && ext == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kmclb_send_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.tag = (uint64_t)tag;
    in.flags = (uint32_t)flags;
    in.external_form = (uint32_t)form;
    in.payload_length = (uint32_t)len;
    in.external_length = (uint32_t)ext_len;
    return call_with_data(session, IOCTL_KMCLB_SEND, &in, sizeof(in), payload, (uint32_t)len, ext, (uint32_t)ext_len,
                          NULL, 0, NULL);
}

int32_t kmclshim_send_sync(int64_t session, int64_t channel, const void *payload, int32_t len, const void *ext,
                           int32_t ext_len, int32_t flags, void *completion, int32_t *inout_size, int32_t has_timeout,
                           int64_t timeout100ns)
{
    int32_t cap = inout_size ? *inout_size : 0;
    if (len < 0 || ext_len < 0 || cap < 0 || (uint32_t)len > KMCLB_MAX_PAYLOAD ||
        (uint32_t)ext_len > KMCLB_MAX_PAYLOAD || (uint32_t)cap > KMCLB_MAX_PAYLOAD || (len > 0 && payload == NULL) ||
        (ext_len > 0 && ext == NULL) || (cap > 0 && completion == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t out_len = (uint32_t)sizeof(kmclb_send_sync_out) + (uint32_t)cap;
    uint8_t *out = (uint8_t *)calloc(1, out_len);
    if (out == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    kmclb_send_sync_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.flags = (uint32_t)flags;
    in.external_form = ext_len > 0 ? KMCLB_EXTERNAL_MDL : KMCLB_EXTERNAL_NONE;
    in.payload_length = (uint32_t)len;
    in.external_length = (uint32_t)ext_len;
    in.completion_capacity = (uint32_t)cap;
    in.has_timeout = has_timeout ? 1u : 0u;
    in.timeout_100ns = timeout100ns;
    uint32_t info = 0;
    int32_t st = call_with_data(session, IOCTL_KMCLB_SEND_SYNC, &in, sizeof(in), payload, (uint32_t)len, ext,
                                (uint32_t)ext_len, out, out_len, &info);
    if ((st >= 0 || st == (int32_t)0x80000005u) && info >= sizeof(kmclb_send_sync_out)) {
        kmclb_send_sync_out o;
        memcpy(&o, out, sizeof(o));
        uint32_t n = o.completion_size;
        if (n > (uint32_t)cap || n > info - sizeof(o)) {
            n = 0;
        }
        if (n > 0) {
            memcpy(completion, out + sizeof(o), n);
        }
        if (inout_size) {
            *inout_size = (int32_t)n;
        }
    }
    free(out);
    return st;
}

/* The records go straight into the caller's buffer (tr_receive), nothing is allocated. */
int32_t kmclshim_receive(int64_t session, int64_t channel, void *buf, int32_t capacity, int64_t timeout_ms,
                         int32_t *out_bytes, int32_t *out_records, int32_t *out_needed)
{
    if (out_bytes == NULL || out_records == NULL || out_needed == NULL || capacity < 0 ||
        (capacity > 0 && buf == NULL) || (uint32_t)capacity > KMCLB_MAX_INPUT) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_bytes = 0;
    *out_records = 0;
    *out_needed = 0;
    kmclb_receive_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.timeout_ms = timeout_ms == 0 ? 0u : 1u;
    shim_slot *s = acquire(session);
    if (s == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    kmclb_receive_out h;
    memset(&h, 0, sizeof(h));
    uint32_t info = 0;
    int32_t st = tr_receive(s->t, &in, sizeof(in), &h, buf, (uint32_t)capacity, &info,
                            timeout_ms < 0 ? -1 : timeout_ms);
    release(s);
    if (st == KMCLB_STATUS_CANCELLED) {
        return KMCLB_STATUS_TIMEOUT; /* our own cancel after the timeout */
    }
    if (st < 0) {
        return st;
    }
    if (info < sizeof(h) || h.bytes > (uint32_t)capacity || h.bytes != info - sizeof(h)) {
        return KMCLB_STATUS_INFO_LENGTH_MISMATCH;
    }
    *out_bytes = (int32_t)h.bytes;
    *out_records = (int32_t)h.records;
    *out_needed = (int32_t)h.needed;
    return h.status;
}

int32_t kmclshim_receive_direct(int64_t session, int64_t channel, int64_t buffer_address, int32_t capacity,
                                int64_t timeout_ms, int64_t result_address)
{
    int32_t *result = (int32_t *)(intptr_t)result_address;
    if (result == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return kmclshim_receive(session, channel, (void *)(intptr_t)buffer_address, capacity, timeout_ms, &result[0],
                            &result[1], &result[2]);
}

/* A batch of packet ids for COMPLETE or REQUEUE, sent as one IOCTL per at most `max_chunk` ids. */
typedef struct packet_batch {
    int64_t session;
    const int64_t *packets;
    int32_t count;
    const uint8_t *payloads; /* COMPLETE: payloads[offsets[i], offsets[i] + lengths[i]) completes packet i */
    const int32_t *offsets;
    const int32_t *lengths;
    int32_t *out_statuses;   /* COMPLETE: one in-band status per packet (optional) */
    int64_t channel;         /* REQUEUE */
} packet_batch;

typedef int32_t (*packet_chunk_call)(const packet_batch *batch, int32_t at, int32_t n);

/* Calls send_chunk for [at, at + n) chunks of at most max_chunk ids; returns the first failure. */
static int32_t in_chunks(const packet_batch *batch, uint32_t max_chunk, packet_chunk_call send_chunk)
{
    int32_t first = KMCLB_STATUS_SUCCESS;
    for (int32_t at = 0; at < batch->count; at += (int32_t)max_chunk) {
        int32_t n = batch->count - at < (int32_t)max_chunk ? batch->count - at : (int32_t)max_chunk;
        int32_t st = send_chunk(batch, at, n);
        if (st < 0 && first == KMCLB_STATUS_SUCCESS) {
            first = st;
        }
    }
    return first;
}

/* one COMPLETE request for packets [at, at + count) with the caller's entry and output space */
static int32_t complete_entries(const packet_batch *batch, int32_t at, int32_t count, kmclb_complete_entry *entries,
                                int64_t lo, uint32_t pbytes, uint8_t *out, uint32_t out_len)
{
    const int32_t *offsets = batch->offsets ? batch->offsets + at : NULL;
    const int32_t *lengths = batch->lengths ? batch->lengths + at : NULL;
    kmclb_complete_in in;
    start_request(&in, sizeof(in));
    in.count = (uint32_t)count;
    in.payload_bytes = pbytes;
    for (int32_t i = 0; i < count; i++) {
        int32_t len = lengths ? lengths[i] : 0;
        entries[i].packet = (uint64_t)batch->packets[at + i];
        entries[i].offset = len > 0 ? (uint32_t)(offsets[i] - lo) : 0u;
        entries[i].length = (uint32_t)len;
    }
    memset(out, 0, out_len);
    uint32_t info = 0;
    int32_t st = call_with_data(batch->session, IOCTL_KMCLB_COMPLETE, &in, sizeof(in), entries,
                                (uint32_t)count * (uint32_t)sizeof(kmclb_complete_entry),
                                pbytes > 0 ? batch->payloads + lo : NULL, pbytes, out, out_len, &info);
    if (st >= 0) {
        kmclb_complete_out o;
        memcpy(&o, out, sizeof(o));
        if (info != out_len || o.count != (uint32_t)count) {
            st = KMCLB_STATUS_INFO_LENGTH_MISMATCH;
        } else {
            if (batch->out_statuses) {
                memcpy(batch->out_statuses + at, out + sizeof(o), 4u * (size_t)count);
            }
            st = o.status;
        }
    }
    return st;
}

static int32_t complete_chunk(const packet_batch *batch, int32_t at, int32_t count)
{
    const int32_t *offsets = batch->offsets ? batch->offsets + at : NULL;
    const int32_t *lengths = batch->lengths ? batch->lengths + at : NULL;
    /* the payload region sent is [min offset, max end) of this chunk, offsets rebased */
    int64_t lo = INT64_MAX, hi = 0;
    for (int32_t i = 0; i < count; i++) {
        int32_t off = offsets ? offsets[i] : 0, len = lengths ? lengths[i] : 0;
        if (off < 0 || len < 0) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        if (len > 0) {
            if (off < lo) {
                lo = off;
            }
            if ((int64_t)off + len > hi) {
                hi = (int64_t)off + len;
            }
        }
    }
    if (hi == 0) {
        lo = 0;
    }
    uint64_t pbytes = (uint64_t)(hi - lo);
    if (pbytes > KMCLB_MAX_PAYLOAD || (pbytes > 0 && batch->payloads == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t out_len = (uint32_t)sizeof(kmclb_complete_out) + 4u * (uint32_t)count;
    size_t entries_size = (size_t)count * sizeof(kmclb_complete_entry);
    _Alignas(8) uint8_t stack_entries[SHIM_STACK_BUFFER];
    _Alignas(8) uint8_t stack_out[SHIM_STACK_BUFFER / 4u + sizeof(kmclb_complete_out)];
    kmclb_complete_entry *entries = entries_size <= sizeof(stack_entries) ? (kmclb_complete_entry *)stack_entries
                                                                          : (kmclb_complete_entry *)malloc(entries_size);
    uint8_t *out = out_len <= sizeof(stack_out) ? stack_out : (uint8_t *)malloc(out_len);
    int32_t st = KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    if (entries != NULL && out != NULL) {
        st = complete_entries(batch, at, count, entries, lo, (uint32_t)pbytes, out, out_len);
    }
    if ((uint8_t *)entries != stack_entries) {
        free(entries);
    }
    if (out != stack_out) {
        free(out);
    }
    return st;
}

int32_t kmclshim_complete_batch(int64_t session, const int64_t *packets, int32_t count, const void *payloads,
                                const int32_t *offsets, const int32_t *lengths, int32_t *out_statuses)
{
    if (count <= 0 || packets == NULL || (lengths != NULL && offsets == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    const packet_batch batch = {.session = session,
                                .packets = packets,
                                .count = count,
                                .payloads = (const uint8_t *)payloads,
                                .offsets = offsets,
                                .lengths = lengths,
                                .out_statuses = out_statuses};
    return in_chunks(&batch, KMCLB_MAX_COMPLETE_BATCH, complete_chunk);
}

int32_t kmclshim_complete_batch_direct(int64_t session, int64_t packets_address, int32_t count,
                                       int64_t payloads_address, int64_t offsets_address, int64_t lengths_address,
                                       int64_t statuses_address)
{
    return kmclshim_complete_batch(session, (const int64_t *)(intptr_t)packets_address, count,
                                   (const void *)(intptr_t)payloads_address, (const int32_t *)(intptr_t)offsets_address,
                                   (const int32_t *)(intptr_t)lengths_address, (int32_t *)(intptr_t)statuses_address);
}

int32_t kmclshim_complete(int64_t session, int64_t packet, const void *payload, int32_t len)
{
    int32_t off = 0, status = 0;
    return kmclshim_complete_batch(session, &packet, 1, payload, &off, &len, &status);
}

static int32_t packet_op(int64_t session, uint32_t code, int64_t packet)
{
    kmclb_packet_in in;
    start_request(&in, sizeof(in));
    in.packet = (uint64_t)packet;
    return call(session, code, &in, sizeof(in), NULL, 0, NULL);
}

int32_t kmclshim_fail(int64_t session, int64_t packet)
{
    return packet_op(session, IOCTL_KMCLB_FAIL, packet);
}

int32_t kmclshim_defer_to_passive(int64_t session, int64_t packet)
{
    return packet_op(session, IOCTL_KMCLB_DEFER, packet);
}

static int32_t requeue_chunk(const packet_batch *batch, int32_t at, int32_t count)
{
    kmclb_requeue_in in;
    start_channel_request(&in, sizeof(in), batch->channel);
    in.count = (uint32_t)count;
    /* the ids follow as u64: the same bytes as the caller's int64 array */
    return call_with_data(batch->session, IOCTL_KMCLB_REQUEUE, &in, sizeof(in), batch->packets + at,
                          (uint32_t)count * (uint32_t)sizeof(uint64_t), NULL, 0, NULL, 0, NULL);
}

int32_t kmclshim_requeue(int64_t session, int64_t channel, const int64_t *packets, int32_t count)
{
    if (count <= 0 || packets == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    const packet_batch batch = {.session = session, .packets = packets, .count = count, .channel = channel};
    return in_chunks(&batch, KMCLB_MAX_REQUEUE_BATCH, requeue_chunk);
}

int32_t kmclshim_create_gpadl(int64_t session, int64_t channel, int32_t size, int32_t flags, int32_t *out_handle)
{
    if (out_handle == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_handle = 0;
    kmclb_gpadl_create_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.size = (uint32_t)size;
    in.flags = (uint32_t)flags;
    return call_for_u32(session, IOCTL_KMCLB_GPADL_CREATE, &in, sizeof(in), out_handle);
}

static int32_t gpadl_op(int64_t session, uint32_t code, int64_t channel, int32_t handle, int32_t flags)
{
    kmclb_gpadl_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.handle = (uint32_t)handle;
    in.flags = (uint32_t)flags;
    return call(session, code, &in, sizeof(in), NULL, 0, NULL);
}

int32_t kmclshim_delete_gpadl(int64_t s, int64_t ch, int32_t h)
{
    return gpadl_op(s, IOCTL_KMCLB_GPADL_DELETE, ch, h, 0);
}

int32_t kmclshim_map_gpadl(int64_t s, int64_t ch, int32_t h, int32_t flags)
{
    return gpadl_op(s, IOCTL_KMCLB_GPADL_MAP, ch, h, flags);
}

int32_t kmclshim_unmap_gpadl(int64_t s, int64_t ch, int32_t h)
{
    return gpadl_op(s, IOCTL_KMCLB_GPADL_UNMAP, ch, h, 0);
}

int32_t kmclshim_gpadl_access(int64_t session, int64_t channel, int32_t handle, int32_t mapped, int64_t offset,
                              void *data, int32_t len, int32_t write)
{
    if (len < 0 || offset < 0 || (len > 0 && data == NULL) || (uint32_t)len > KMCLB_MAX_GPADL_SIZE) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kmclb_gpadl_access_in in;
    start_channel_request(&in, sizeof(in), channel);
    in.handle = (uint32_t)handle;
    in.mapped = mapped ? 1u : 0u;
    in.offset = (uint64_t)offset;
    in.length = (uint32_t)len;
    if (!write) {
        uint32_t info = 0;
        int32_t st = call(session, IOCTL_KMCLB_GPADL_READ, &in, sizeof(in), data, (uint32_t)len, &info);
        if (st >= 0 && info != (uint32_t)len) {
            st = KMCLB_STATUS_INFO_LENGTH_MISMATCH;
        }
        return st;
    }
    return call_with_data(session, IOCTL_KMCLB_GPADL_WRITE, &in, sizeof(in), data, (uint32_t)len, NULL, 0, NULL, 0,
                          NULL);
}
