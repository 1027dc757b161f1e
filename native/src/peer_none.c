/* peer_none.c - the win32 build has no peer (it talks to real Hyper-V): every peer function
 * returns STATUS_NOT_SUPPORTED. */
#include <stddef.h>
#include "kmclshim.h"
#include "kmclbridge_status.h"


int32_t kmclshim_transport(int32_t *out_transport)
{
    if (out_transport == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    *out_transport = KMCLSHIM_TRANSPORT_WIN32;
    return 0;
}

int32_t kmclshim_peer_offer(int64_t session, const uint8_t *type16, const uint8_t *instance16, int32_t mmio_megabytes, int32_t target_vtl, const char *name, int64_t *out_offer, int64_t *out_endpoint)
{
    (void)session;
    (void)type16;
    (void)instance16;
    (void)mmio_megabytes;
    (void)target_vtl;
    (void)name;
    (void)out_offer;
    (void)out_endpoint;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_rescind(int64_t session, int64_t offer)
{
    (void)session;
    (void)offer;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_offers(int64_t session, int64_t *offer_ids, int64_t *endpoint_ids, uint8_t *guids32, int32_t max, int32_t *out_count)
{
    (void)session;
    (void)offer_ids;
    (void)endpoint_ids;
    (void)guids32;
    (void)max;
    (void)out_count;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_open(int64_t session, int64_t channel)
{
    (void)session;
    (void)channel;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_close(int64_t session, int64_t channel)
{
    (void)session;
    (void)channel;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_is_open(int64_t session, int64_t channel, int32_t *out_open)
{
    (void)session;
    (void)channel;
    (void)out_open;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_send(int64_t session, int64_t channel, const void *payload, int32_t len, int32_t completion_requested, const void *external, int32_t external_len, int32_t has_external, int64_t *out_tx)
{
    (void)session;
    (void)channel;
    (void)payload;
    (void)len;
    (void)completion_requested;
    (void)external;
    (void)external_len;
    (void)has_external;
    (void)out_tx;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_await_outcome(int64_t session, int64_t channel, int64_t tx, int64_t timeout_ms, int32_t *out_kind, void *buf, int32_t capacity, int32_t *out_len)
{
    (void)session;
    (void)channel;
    (void)tx;
    (void)timeout_ms;
    (void)out_kind;
    (void)buf;
    (void)capacity;
    (void)out_len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_received(int64_t session, int64_t channel, void *buf, int32_t capacity, int32_t *out_bytes, int32_t *out_count)
{
    (void)session;
    (void)channel;
    (void)buf;
    (void)capacity;
    (void)out_bytes;
    (void)out_count;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_await_received(int64_t session, int64_t channel, int64_t timeout_ms, void *buf, int32_t capacity, int32_t *out_bytes)
{
    (void)session;
    (void)channel;
    (void)timeout_ms;
    (void)buf;
    (void)capacity;
    (void)out_bytes;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_complete(int64_t session, int64_t channel, int64_t tx, const void *payload, int32_t len)
{
    (void)session;
    (void)channel;
    (void)tx;
    (void)payload;
    (void)len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_set_reading(int64_t session, int64_t channel, int32_t reading)
{
    (void)session;
    (void)channel;
    (void)reading;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_ring_status(int64_t session, int64_t channel, int32_t *out5)
{
    (void)session;
    (void)channel;
    (void)out5;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_queue_stopped(int64_t session, int64_t channel, int32_t *out_stopped)
{
    (void)session;
    (void)channel;
    (void)out_stopped;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_inject(int64_t session, int64_t channel, int32_t kind, int64_t arg)
{
    (void)session;
    (void)channel;
    (void)kind;
    (void)arg;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_map_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t read_only, int64_t *out_mapping)
{
    (void)session;
    (void)channel;
    (void)handle;
    (void)read_only;
    (void)out_mapping;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_mapping_read(int64_t session, int64_t mapping, int32_t offset, void *buf, int32_t len)
{
    (void)session;
    (void)mapping;
    (void)offset;
    (void)buf;
    (void)len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_mapping_write(int64_t session, int64_t mapping, int32_t offset, const void *buf, int32_t len)
{
    (void)session;
    (void)mapping;
    (void)offset;
    (void)buf;
    (void)len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_mapping_close(int64_t session, int64_t mapping)
{
    (void)session;
    (void)mapping;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_create_gpadl(int64_t session, int64_t channel, int32_t size, int32_t read_only, int32_t *out_handle)
{
    (void)session;
    (void)channel;
    (void)size;
    (void)read_only;
    (void)out_handle;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_read_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, void *buf, int32_t len)
{
    (void)session;
    (void)channel;
    (void)handle;
    (void)offset;
    (void)buf;
    (void)len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_write_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t offset, const void *buf, int32_t len)
{
    (void)session;
    (void)channel;
    (void)handle;
    (void)offset;
    (void)buf;
    (void)len;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_peer_seed(int64_t session, int64_t *out_seed)
{
    (void)session;
    (void)out_seed;
    return KMCLB_STATUS_NOT_SUPPORTED;
}

int32_t kmclshim_loopback_stats(int64_t session, int64_t *out_live_handles, int64_t *out_violations)
{
    (void)session;
    (void)out_live_handles;
    (void)out_violations;
    return KMCLB_STATUS_NOT_SUPPORTED;
}
