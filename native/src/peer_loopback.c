/* peer_loopback.c - the loopback build's peer API (KMCLSHIM_PEER_FUNCTIONS): the opposite end of
 * every channel, played by the fake KMCL world of the session's POSIX host. */
#include <stddef.h>
#include <string.h>
#include "kmclshim.h"
#include "transport.h"
#include "loopback_session.h"

/* One exported peer call in progress: it pins its session for its whole duration, and at most one
 * channel, which it holds with a core reference so the channel cannot be cleaned up under it. */
typedef struct peer_call {
    loopback_session *session;
    void *session_token; /* the shim's reference on the session */
    void *channel_token; /* the core's reference on the channel the call works on, NULL if none */
} peer_call;

static kc_core *core_of(const peer_call *call)
{
    return posix_host_core(call->session->host);
}

static fk_world *world_of(const peer_call *call)
{
    return posix_host_world(call->session->host);
}

/* The KMCL channel behind a channel id of any session (the peer is not bound to ownership). */
static int32_t peer_channel(peer_call *call, int64_t channel, kc_vmbchannel *out)
{
    *out = NULL;
    if (call->channel_token != NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* one channel per peer call */
    }
    return kc_peer_acquire(core_of(call), (uint64_t)channel, out, &call->channel_token);
}

/* declares `ch`, the call's channel, or returns the failure */
#define REQUIRE_PEER_CHANNEL(call, channel)                          \
    kc_vmbchannel ch;                                                \
    int32_t channel_status = peer_channel((call), (channel), &ch);   \
    if (channel_status < 0) {                                        \
        return channel_status;                                       \
    }

/* ------------------------------------------------------------------ bodies
 * name_body does the work of exported `name` with the call set up; `session` is the handle the
 * call pinned (call->session). Their prototypes come from the list, so a body cannot drift. */
#define PEER_BODY_PROTOTYPE(name, parameters, arguments) \
    static int32_t name##_body(peer_call *call, KMCLSHIM_UNPARENTHESIZED parameters);
#define KMCLSHIM_UNPARENTHESIZED(...) __VA_ARGS__
KMCLSHIM_PEER_FUNCTIONS(PEER_BODY_PROTOTYPE)

static int32_t kmclshim_peer_offer_body(peer_call *call, int64_t session, const uint8_t *type16,
                                        const uint8_t *instance16, int32_t mmio_megabytes, int32_t target_vtl,
                                        const char *name, int64_t *out_offer, int64_t *out_endpoint)
{
    if (type16 == NULL || instance16 == NULL || mmio_megabytes < 0 || target_vtl < 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_guid type, instance;
    memcpy(type.b, type16, 16);
    memcpy(instance.b, instance16, 16);
    uint64_t offer = 0;
    int32_t st = fk_peer_offer(world_of(call), &type, &instance, (uint32_t)mmio_megabytes, (uint32_t)target_vtl,
                               name, &offer, NULL);
    if (st >= 0) {
        if (out_offer) {
            *out_offer = (int64_t)offer;
        }
        if (out_endpoint) {
            *out_endpoint = (int64_t)posix_host_endpoint_of_offer(call->session->host, offer);
        }
    }
    return st;
}

static int32_t kmclshim_peer_rescind_body(peer_call *call, int64_t session, int64_t offer)
{
    return fk_peer_rescind(world_of(call), (uint64_t)offer);
}

static int32_t kmclshim_peer_offers_body(peer_call *call, int64_t session, int64_t *offer_ids, int64_t *endpoint_ids,
                                         uint8_t *guids32, int32_t max, int32_t *out_count)
{
    if (max < 0 || out_count == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t n = 0;
    int32_t st = fk_peer_offers(world_of(call), (uint64_t *)offer_ids, guids32, (uint32_t)max, &n);
    if (st >= 0 && endpoint_ids != NULL && offer_ids != NULL) {
        for (uint32_t k = 0; k < n && k < (uint32_t)max; k++) {
            endpoint_ids[k] = (int64_t)posix_host_endpoint_of_offer(call->session->host, (uint64_t)offer_ids[k]);
        }
    }
    *out_count = (int32_t)n;
    return st;
}

static int32_t kmclshim_peer_open_body(peer_call *call, int64_t session, int64_t channel)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    return fk_peer_open(ch);
}

static int32_t kmclshim_peer_close_body(peer_call *call, int64_t session, int64_t channel)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    return fk_peer_close(ch);
}

static int32_t kmclshim_peer_is_open_body(peer_call *call, int64_t session, int64_t channel, int32_t *out_open)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_open == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_open = fk_peer_is_open(ch);
    return KMCLB_STATUS_SUCCESS;
}

static int32_t kmclshim_peer_send_body(peer_call *call, int64_t session, int64_t channel, const void *payload,
                                       int32_t len, int32_t completion_requested, const void *external,
                                       int32_t external_len, int32_t has_external, int64_t *out_tx)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (len < 0 || external_len < 0 || out_tx == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint64_t tx = 0;
    int32_t st = fk_peer_send(ch, payload, (uint32_t)len, completion_requested, external, (uint32_t)external_len,
                              has_external, &tx);
    *out_tx = (int64_t)tx;
    return st;
}

static int32_t kmclshim_peer_await_outcome_body(peer_call *call, int64_t session, int64_t channel, int64_t tx,
                                                int64_t timeout_ms, int32_t *out_kind, void *buf, int32_t capacity,
                                                int32_t *out_len)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_kind == NULL || out_len == NULL || capacity < 0 || (capacity > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    int kind = 0;
    uint32_t len = 0;
    int32_t st = fk_peer_await_outcome(ch, (uint64_t)tx, timeout_ms, &kind, buf, (uint32_t)capacity, &len);
    *out_kind = kind;
    *out_len = (int32_t)len;
    return st;
}

static int32_t kmclshim_peer_received_body(peer_call *call, int64_t session, int64_t channel, void *buf,
                                           int32_t capacity, int32_t *out_bytes, int32_t *out_count)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_bytes == NULL || out_count == NULL || capacity < 0 || (capacity > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t bytes = 0, count = 0;
    int32_t st = fk_peer_received(ch, buf, (uint32_t)capacity, &bytes, &count);
    *out_bytes = (int32_t)bytes;
    *out_count = (int32_t)count;
    return st;
}

static int32_t kmclshim_peer_await_received_body(peer_call *call, int64_t session, int64_t channel,
                                                 int64_t timeout_ms, void *buf, int32_t capacity, int32_t *out_bytes)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_bytes == NULL || capacity < 0 || (capacity > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t bytes = 0;
    int32_t st = fk_peer_await_received(ch, timeout_ms, buf, (uint32_t)capacity, &bytes);
    *out_bytes = (int32_t)bytes;
    return st;
}

static int32_t kmclshim_peer_complete_body(peer_call *call, int64_t session, int64_t channel, int64_t tx,
                                           const void *payload, int32_t len)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (len < 0 || (len > 0 && payload == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_complete(ch, (uint64_t)tx, payload, (uint32_t)len);
}

static int32_t kmclshim_peer_send_batch_body(peer_call *call, int64_t session, int64_t channel, const void *payloads,
                                             const int32_t *lengths, int32_t count, int32_t completion_requested,
                                             int64_t *out_txs, int32_t *out_sent)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (count < 0 || (count > 0 && (lengths == NULL || out_txs == NULL)) || out_sent == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    for (int32_t i = 0; i < count; i++) {
        if (lengths[i] < 0) {
            return KMCLB_STATUS_INVALID_PARAMETER;
        }
        out_txs[i] = 0;
    }
    uint32_t sent = 0;
    /* int32 lengths and int64 ids are the fake's uint32 and uint64 of the same width */
    int32_t st = fk_peer_send_batch(ch, payloads, (const uint32_t *)lengths, (uint32_t)count, completion_requested,
                                    (uint64_t *)out_txs, &sent);
    *out_sent = (int32_t)sent;
    return st;
}

static int32_t kmclshim_peer_take_received_body(peer_call *call, int64_t session, int64_t channel, int32_t max,
                                                int64_t timeout_ms, void *buf, int32_t capacity, int32_t *out_bytes,
                                                int32_t *out_count)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (max <= 0 || out_bytes == NULL || out_count == NULL || capacity < 0 || (capacity > 0 && buf == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t bytes = 0, count = 0;
    int32_t st = fk_peer_take_received(ch, (uint32_t)max, timeout_ms, buf, (uint32_t)capacity, &bytes, &count);
    *out_bytes = (int32_t)bytes;
    *out_count = (int32_t)count;
    return st;
}

static int32_t kmclshim_peer_complete_batch_body(peer_call *call, int64_t session, int64_t channel,
                                                 const int64_t *txs, int32_t count, const void *payload, int32_t len,
                                                 int32_t *out_completed)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (count < 0 || (count > 0 && txs == NULL) || len < 0 || (len > 0 && payload == NULL) || out_completed == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t completed = 0;
    int32_t st = fk_peer_complete_batch(ch, (const uint64_t *)txs, (uint32_t)count, payload, (uint32_t)len, &completed);
    *out_completed = (int32_t)completed;
    return st;
}

static int32_t kmclshim_peer_set_reading_body(peer_call *call, int64_t session, int64_t channel, int32_t reading)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    return fk_peer_set_reading(ch, reading);
}

static int32_t kmclshim_peer_ring_status_body(peer_call *call, int64_t session, int64_t channel, int32_t *out5)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out5 == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t values[5];
    int32_t st = fk_peer_ring_status(ch, values);
    for (int k = 0; k < 5; k++) {
        out5[k] = (int32_t)values[k];
    }
    return st;
}

static int32_t kmclshim_peer_queue_stopped_body(peer_call *call, int64_t session, int64_t channel,
                                                int32_t *out_stopped)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_stopped == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    int stopped = 0;
    int32_t st = fk_peer_queue_stopped(ch, &stopped);
    *out_stopped = stopped;
    return st;
}

static int32_t kmclshim_peer_inject_body(peer_call *call, int64_t session, int64_t channel, int32_t kind, int64_t arg)
{
    kc_vmbchannel ch = NULL;
    if (channel != 0) { /* a PnP failure may target the world rather than a channel */
        int32_t st = peer_channel(call, channel, &ch);
        if (st < 0) {
            return st;
        }
    }
    return fk_peer_inject(world_of(call), ch, kind, arg);
}

static int32_t kmclshim_peer_map_gpadl_body(peer_call *call, int64_t session, int64_t channel, int32_t handle,
                                            int32_t read_only, int64_t *out_mapping)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_mapping == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint64_t mapping = 0;
    int32_t st = fk_peer_map_gpadl(ch, (uint32_t)handle, read_only, &mapping);
    *out_mapping = (int64_t)mapping;
    return st;
}

/* offset and length of a byte range the caller passes: both non-negative, a buffer when non-empty */
static int valid_range(int32_t offset, const void *buf, int32_t len)
{
    return offset >= 0 && len >= 0 && (len == 0 || buf != NULL);
}

static int32_t kmclshim_peer_mapping_read_body(peer_call *call, int64_t session, int64_t mapping, int32_t offset,
                                               void *buf, int32_t len)
{
    if (!valid_range(offset, buf, len)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_mapping_read(world_of(call), (uint64_t)mapping, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t kmclshim_peer_mapping_write_body(peer_call *call, int64_t session, int64_t mapping, int32_t offset,
                                                const void *buf, int32_t len)
{
    if (!valid_range(offset, buf, len)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_mapping_write(world_of(call), (uint64_t)mapping, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t kmclshim_peer_mapping_close_body(peer_call *call, int64_t session, int64_t mapping)
{
    return fk_mapping_close(world_of(call), (uint64_t)mapping);
}

static int32_t kmclshim_peer_create_gpadl_body(peer_call *call, int64_t session, int64_t channel, int32_t size,
                                               int32_t read_only, int32_t *out_handle)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (out_handle == NULL || size < 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    uint32_t handle = 0;
    int32_t st = fk_peer_create_gpadl(ch, (uint32_t)size, read_only, &handle);
    *out_handle = (int32_t)handle;
    return st;
}

static int32_t kmclshim_peer_read_gpadl_body(peer_call *call, int64_t session, int64_t channel, int32_t handle,
                                             int32_t offset, void *buf, int32_t len)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (!valid_range(offset, buf, len)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_read_gpadl(ch, (uint32_t)handle, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t kmclshim_peer_write_gpadl_body(peer_call *call, int64_t session, int64_t channel, int32_t handle,
                                              int32_t offset, const void *buf, int32_t len)
{
    REQUIRE_PEER_CHANNEL(call, channel);
    if (!valid_range(offset, buf, len)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return fk_peer_write_gpadl(ch, (uint32_t)handle, (uint32_t)offset, buf, (uint32_t)len);
}

static int32_t kmclshim_peer_seed_body(peer_call *call, int64_t session, int64_t *out_seed)
{
    if (out_seed == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_seed = (int64_t)fk_seed(world_of(call));
    return KMCLB_STATUS_SUCCESS;
}

static int32_t kmclshim_loopback_stats_body(peer_call *call, int64_t session, int64_t *out_live_handles,
                                            int64_t *out_violations)
{
    if (out_live_handles) {
        *out_live_handles = (int64_t)kc_core_live_handles(core_of(call));
    }
    if (out_violations) {
        *out_violations = (int64_t)fk_violations(world_of(call));
    }
    return KMCLB_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ exported wrappers */
static int peer_enter(int64_t session, peer_call *call)
{
    call->channel_token = NULL;
    call->session = (loopback_session *)kmclshim_internal_acquire(session, &call->session_token);
    return call->session != NULL;
}

static void peer_leave(peer_call *call)
{
    if (call->channel_token != NULL) {
        kc_peer_release(core_of(call), call->channel_token);
    }
    kmclshim_internal_release(call->session_token);
}

#define PEER_WRAPPER(name, parameters, arguments)                                 \
    int32_t name parameters                                                       \
    {                                                                             \
        peer_call call;                                                           \
        if (!peer_enter(session, &call)) {                                        \
            return KMCLB_STATUS_INVALID_HANDLE;                                   \
        }                                                                         \
        int32_t status = name##_body(&call, KMCLSHIM_UNPARENTHESIZED arguments);  \
        peer_leave(&call);                                                        \
        return status;                                                            \
    }
KMCLSHIM_PEER_FUNCTIONS(PEER_WRAPPER)
