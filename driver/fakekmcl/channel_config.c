/* channel_config.c - a channel's settings: the Init* setters (only before the first Enable, Q1),
 * the setters valid at any time, and the read-only queries (instance, MMIO, ring state). */
#include <string.h>
#include "fakekmcl_internal.h"

/* Init* precondition: valid handle, never enabled (Q1 / B14 / B15) */
static fake_channel *configurable(kc_vmbchannel handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return NULL;
    }
    fake_lock(channel->world);
    int never_enabled = !channel->ever_enabled && channel->connection == CONNECTION_DISABLED;
    fake_unlock(channel->world);
    return never_enabled ? channel : NULL;
}

/* Init* of one endpoint type: _1 as any Init*, then the undocumented code for the other type (Q17) */
static kc_status configurable_as(kc_vmbchannel handle, int server, fake_channel **out)
{
    *out = configurable(handle);
    if (*out == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    return (*out)->server == server ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_INVALID_DEVICE_REQUEST;
}

kc_status fake_init_set_client_context_size(kc_vmbchannel handle, uint32_t size)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    channel->client_context_size = size; /* B84 */
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_flags(kc_vmbchannel handle, uint32_t flags)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B25 */
    }
    channel->init_flags = flags;
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_friendly_name(kc_vmbchannel handle, const uint16_t *name, uint32_t bytes)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (bytes > 0 && name == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_maximum_external_data(kc_vmbchannel handle, uint32_t size, uint32_t chain)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B18, B20 */
    }
    if (chain == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_3; /* B19 */
    }
    channel->max_external_data = size;
    channel->max_external_chain = chain;
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_maximum_packet_size(kc_vmbchannel handle, uint32_t size)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B16 */
    }
    channel->max_packet_size = size;
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_process_packet_callbacks(kc_vmbchannel handle, kc_evt_process_packet process_packet,
                                                 kc_evt_processing_complete processing_complete)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (process_packet == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    fake_lock(channel->world);
    channel->process_packet = process_packet;
    channel->processing_complete = processing_complete; /* B27: NULL = no end-of-batch notifications */
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_init_set_state_change_callbacks(kc_vmbchannel handle, const kc_state_callbacks *callbacks)
{
    fake_channel *channel = configurable(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (callbacks == NULL || callbacks->version != KC_STATE_CALLBACKS_VERSION ||
        callbacks->size != KC_STATE_CALLBACKS_SIZE) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B22 */
    }
    fake_lock(channel->world);
    channel->state_callbacks = *callbacks;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_client_init_set_ring_buffer_page_count(kc_vmbchannel handle, uint32_t incoming_pages,
                                                      uint32_t outgoing_pages)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 0, &channel); /* B29: client only */
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (incoming_pages == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    if (outgoing_pages == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_3;
    }
    if (incoming_pages > FAKE_DEFAULT_MAXIMUM_RING_PAGES || outgoing_pages > FAKE_DEFAULT_MAXIMUM_RING_PAGES) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES; /* Q17: the fake allocates no more than that */
    }
    fake_lock(channel->world);
    channel->incoming_ring_size = incoming_pages * FK_PAGE_SIZE;
    channel->outgoing_ring_size = outgoing_pages * FK_PAGE_SIZE;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_client_init_set_target_pnp(kc_vmbchannel handle, const kc_guid *type, const kc_guid *instance,
                                          kc_evt_pnp_failure on_failure)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 0, &channel);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (type == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    fake_lock(channel->world);
    channel->has_target_pnp = 1;
    channel->target_type = *type;
    channel->has_target_instance = instance != NULL; /* B30/B31 */
    if (instance) {
        channel->target_instance = *instance;
    }
    channel->pnp_failure = on_failure;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_server_init_set_flags(kc_vmbchannel handle, uint32_t flags)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 1, &channel);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if ((flags & ~0x1Fu) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B26 */
    }
    channel->server_flags = flags;
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_server_init_set_mmio_megabytes(kc_vmbchannel handle, uint16_t megabytes, uint16_t optional)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 1, &channel);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (megabytes == 0 && optional == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B32 */
    }
    channel->mmio_megabytes = megabytes;
    channel->mmio_megabytes_optional = optional;
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_server_init_set_target_interface_id(kc_vmbchannel handle, const kc_guid *type, const kc_guid *instance)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 1, &channel);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (type == NULL || instance == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_2;
    }
    fake_lock(channel->world);
    channel->has_target_interface = 1;
    channel->interface_type = *type;
    channel->interface_instance = *instance;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_server_init_set_target_vtl(kc_vmbchannel handle, uint8_t vtl)
{
    fake_channel *channel;
    kc_status status = configurable_as(handle, 1, &channel);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (vtl > 2) {
        return KMCLB_STATUS_INVALID_PARAMETER_2; /* B33: VTL 0..2 exist */
    }
    channel->target_vtl = vtl;
    return KMCLB_STATUS_SUCCESS;
}

void fake_set_incoming_processing_at_passive(kc_vmbchannel handle, int passive)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel) {
        fake_lock(channel->world);
        channel->incoming_at_passive = passive != 0;
        fake_unlock(channel->world);
    }
}

kc_status fake_set_interrupt_latency(kc_vmbchannel handle, uint16_t latency, uint16_t *original)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    fake_lock(channel->world);
    /* B53: from Opened through Closed; the loopback host counts user mode's Closed handler in */
    int in_closed = channel->in_close_callback || (channel->ever_opened && fake_in_closed_handler());
    if (channel->connection != CONNECTION_OPEN && !in_closed) {
        fake_unlock(channel->world);
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    if (original) {
        *original = channel->interrupt_latency; /* B54 */
    }
    channel->interrupt_latency = latency;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

void fake_set_pointer(kc_vmbchannel handle, void *pointer)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel) {
        fake_lock(channel->world);
        channel->pointer = pointer;
        fake_unlock(channel->world);
    }
}

void *fake_get_pointer(kc_vmbchannel handle)
{
    fake_channel *channel = fake_channel_of(handle);
    return channel ? channel->pointer : NULL;
}

void fake_set_transaction_quota(kc_vmbchannel handle, uint32_t quota)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL || quota == 0) {
        return; /* B83: 0 is invalid, VOID so nothing is reported */
    }
    fake_lock(channel->world);
    channel->quota = quota; /* B81/B82: no resume by itself */
    fake_unlock(channel->world);
}

uint32_t fake_sizeof_packet(kc_vmbchannel handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return 0;
    }
    /* B122/B124: an outgoing packet object holds the packet header, the inline buffer and a pointer;
     * the client context (B84) belongs to incoming packets */
    uint64_t inline_bytes = ((uint64_t)channel->max_packet_size + 7u) & ~7ull;
    uint64_t size = FAKE_DEFAULT_PACKET_OBJECT_OVERHEAD + inline_bytes + 8u;
    return size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)size;
}

void fake_get_interface_instance(kc_vmbchannel handle, kc_guid *out)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    fake_lock(channel->world);
    *out = (channel->server && channel->has_target_interface) ? channel->interface_instance : channel->instance;
    fake_unlock(channel->world);
}

void fake_get_mmio_space(kc_vmbchannel handle, uint64_t *address, uint64_t *size)
{
    fake_channel *channel = fake_channel_of(handle);
    *address = 0;
    *size = 0;
    if (channel == NULL) {
        return;
    }
    fake_lock(channel->world);
    if (channel->ever_opened) { /* B52 */
        /* Q16: our server gets what it asked for including the optional part; a client the offer's */
        uint64_t megabytes = channel->server ? (uint64_t)channel->mmio_megabytes + channel->mmio_megabytes_optional
                                             : (channel->bound ? channel->bound->mmio_megabytes : 0);
        if (megabytes > 0) {
            *address = FAKE_DEFAULT_MMIO_BASE + (channel->number & 0xFFFFu) * FAKE_DEFAULT_MMIO_SLOT_BYTES;
            *size = megabytes << 20;
        }
    }
    fake_unlock(channel->world);
}

void fake_query_ring(kc_vmbchannel handle, kc_ring_info *out)
{
    fake_channel *channel = fake_channel_of(handle);
    memset(out, 0, sizeof(*out));
    if (channel == NULL) {
        return;
    }
    fake_lock(channel->world);
    out->outgoing_free = channel->outgoing_ring_size - channel->outgoing_ring_used;
    out->incoming_used = channel->incoming_ring_used;
    out->ring_full_events = channel->ring_full_events;
    out->queued_outgoing = channel->sends.count;
    out->outgoing_stalled = !channel->peer_reading && channel->connection == CONNECTION_OPEN;
    fake_unlock(channel->world);
}
