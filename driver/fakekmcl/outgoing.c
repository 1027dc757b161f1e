/* outgoing.c - our packets to the peer: VmbPacket* (allocate, send, completion routine, free) and
 * VmbChannelSendSynchronousRequest. A send is checked, queued behind earlier sends and moved into
 * the outgoing ring as space allows (B112). */
#include <stdlib.h>
#include <string.h>
#include "fakekmcl_internal.h"

static outgoing_packet *outgoing_packet_of(kc_vmbpacket handle)
{
    outgoing_packet *packet = (outgoing_packet *)(void *)handle;
    return (packet != NULL && packet->magic == FAKE_PACKET_MAGIC) ? packet : NULL;
}

/* lock held: a new packet of the channel; NULL when out of memory */
static outgoing_packet *new_outgoing(fake_channel *channel)
{
    outgoing_packet *packet = (outgoing_packet *)calloc(1, sizeof(outgoing_packet));
    if (packet != NULL) {
        packet->magic = FAKE_PACKET_MAGIC;
        packet->channel = channel;
        outgoing_packet_list_add(&channel->all_outgoing, packet);
    }
    return packet;
}

/* doubly linked, so freeing one of many live packets does not walk them */
void fake_free_outgoing(fake_channel *channel, outgoing_packet *packet)
{
    outgoing_packet_list_remove(&channel->all_outgoing, packet);
    packet->magic = 0;
    free(packet->data);
    free(packet->synchronous_reply);
    free(packet);
}

kc_vmbpacket fake_packet_allocate(kc_vmbchannel handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return NULL;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    outgoing_packet *packet = NULL;
    if (channel->fault_allocation_failures > 0) {
        channel->fault_allocation_failures--; /* B102: injected NULL */
    } else {
        packet = new_outgoing(channel);
    }
    fake_unlock(world);
    return (kc_vmbpacket)(void *)packet;
}

static int owned_by_kmcl(const outgoing_packet *packet)
{
    return packet->state == OUTGOING_QUEUED || packet->state == OUTGOING_AWAITING_COMPLETION;
}

void fake_packet_free(kc_vmbpacket handle)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    if (packet == NULL) {
        return;
    }
    fk_world *world = packet->channel->world;
    fake_lock(world);
    if (owned_by_kmcl(packet)) {
        fake_violation(world); /* freeing a packet KMCL still owns */
    } else {
        fake_free_outgoing(packet->channel, packet);
    }
    fake_unlock(world);
}

void *fake_packet_get_pointer(kc_vmbpacket handle)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    return packet ? packet->context : NULL;
}

void fake_packet_set_pointer(kc_vmbpacket handle, void *context)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    if (packet) {
        fake_lock(packet->channel->world);
        packet->context = context;
        fake_unlock(packet->channel->world);
    }
}

void fake_packet_set_completion_routine(kc_vmbpacket handle, kc_evt_packet_completion routine)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    if (packet) {
        fake_lock(packet->channel->world);
        packet->completion_routine = routine;
        packet->custom_routine = 1; /* B106: stays allocated until VmbPacketFree */
        fake_unlock(packet->channel->world);
    }
}

/* the checks of a send that need no channel state beyond its configuration */
static kc_status check_send(const fake_channel *channel, const void *payload, uint32_t length, const void *external,
                            uint32_t external_length, int has_external, uint32_t flags, uint32_t ring_size)
{
    if ((flags & ~7u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (has_external && (flags & 1u) == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B115 */
    }
    if (length > channel->max_packet_size) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B120 */
    }
    if (has_external && external_length > channel->max_external_data) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* Q17: over SetMaximumExternalData, as an oversized send */
    }
    if ((length > 0 && payload == NULL) || (has_external && external == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (fake_ring_never_fits(ring_size, channel->outgoing_ring_size)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return KMCLB_STATUS_SUCCESS;
}

/* lock held: checks a send and queues it behind earlier sends, then moves the rings */
static kc_status queue_send(fake_channel *channel, outgoing_packet *packet, const void *payload, uint32_t length,
                            const void *external, uint32_t external_length, int has_external, uint32_t flags,
                            completion_list *calls)
{
    fk_world *world = channel->world;
    if (owned_by_kmcl(packet)) {
        fake_violation(world);
        return KMCLB_STATUS_CONTRACT_VIOLATION;
    }
    uint32_t ring_size = fk_ring_size(length, external_length, has_external);
    kc_status status = check_send(channel, payload, length, external, external_length, has_external, flags, ring_size);
    if (!KC_SUCCESS(status)) {
        return status;
    }
    if (channel->shut && channel->ever_opened && channel->connection == CONNECTION_OPEN) {
        fake_violation(world); /* B93: sending after Suspend; still queued */
    }
    free(packet->data);
    packet->data = fake_copy_payload(payload, length, external, external_length);
    if (packet->data == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    packet->length = length;
    packet->external_length = external_length;
    packet->has_external = has_external;
    packet->flags = flags;
    packet->ring_size = ring_size;
    packet->ring_type = has_external ? 9 : 6;
    packet->transaction = ++world->next_transaction;
    packet->state = OUTGOING_QUEUED;
    packet->held_by_fault = 0;
    if (channel->fault_ring_full > 0) {
        channel->fault_ring_full--;
        packet->held_by_fault = 1;
        channel->sends_held_by_fault = 1;
    }
    send_queue_push(&channel->sends, packet);
    fake_pump_outgoing(channel, calls);
    if (packet->state == OUTGOING_QUEUED && channel->connection == CONNECTION_OPEN) {
        channel->ring_full_events++; /* B112: queued for lack of ring space */
    }
    return KMCLB_STATUS_SUCCESS;
}

static kc_status send_packet(kc_vmbpacket handle, const void *payload, uint32_t length, const void *external,
                             uint32_t external_length, int has_external, uint32_t flags)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    if (packet == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    fake_channel *channel = packet->channel;
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    kc_status status = queue_send(channel, packet, payload, length, external, external_length, has_external, flags, &calls);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    return status;
}

kc_status fake_packet_send(kc_vmbpacket handle, const void *payload, uint32_t length, uint32_t flags)
{
    return send_packet(handle, payload, length, NULL, 0, 0, flags);
}

/* the MDL form: the external bytes are copied into the fake's own pages (Q15) */
kc_status fake_packet_send_with_external_mdl(kc_vmbpacket handle, const void *payload, uint32_t length,
                                             const void *external, uint32_t external_length, uint32_t flags)
{
    return send_packet(handle, payload, length, external, external_length, 1, flags);
}

int fake_page_aligned(const void *buffer)
{
    return ((uintptr_t)buffer & (FK_PAGE_SIZE - 1u)) == 0;
}

/* The PFN form: real KMCL gets page numbers without a byte offset, so external data that does not
 * start at a page boundary would reach the host from the start of its first page (other bytes).
 * The fake cannot send those bytes: it refuses the send and counts a contract violation. */
kc_status fake_packet_send_with_external_pfns(kc_vmbpacket handle, const void *payload, uint32_t length,
                                              const void *external, uint32_t external_length, uint32_t flags)
{
    outgoing_packet *packet = outgoing_packet_of(handle);
    if (packet != NULL && external != NULL && !fake_page_aligned(external)) {
        fk_world *world = packet->channel->world;
        fake_lock(world);
        fake_violation(world);
        fake_unlock(world);
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    return send_packet(handle, payload, length, external, external_length, 1, flags);
}

/* a relative (negative, 100 ns) or absolute (positive, FILETIME) timeout as a deadline */
static struct timespec deadline_of_timeout(int64_t timeout)
{
    int64_t relative = timeout < 0 ? -timeout : timeout - fake_now_filetime();
    if (relative < 0) {
        relative = 0;
    }
    return fake_deadline_after_ms(relative / 10000);
}

/* lock held: waits for the reply; returns SUCCESS when it came, else why the wait ended */
static kc_status await_reply(fake_channel *channel, outgoing_packet *packet, const struct timespec *deadline)
{
    for (;;) {
        if (packet->synchronous_done) {
            return KMCLB_STATUS_SUCCESS;
        }
        if (channel->shut && channel->ever_opened) {
            return KMCLB_STATUS_DEVICE_REMOVED;
        }
        if (deadline != NULL && fake_deadline_passed(deadline)) {
            return KMCLB_STATUS_CANCELLED; /* B128 */
        }
        fake_wait_until(channel->world, deadline);
    }
}

/* lock held: copies what fits of the reply; the status of the request */
static kc_status take_reply(const outgoing_packet *packet, void *reply, uint32_t capacity, uint32_t *reply_size)
{
    kc_status status = packet->synchronous_status;
    if (!KC_SUCCESS(status)) {
        return status;
    }
    uint32_t copied = packet->synchronous_reply_length < capacity ? packet->synchronous_reply_length : capacity;
    if (copied > 0) {
        memcpy(reply, packet->synchronous_reply, copied);
    }
    if (reply_size) {
        *reply_size = copied; /* B126 */
    }
    return packet->synchronous_reply_length > capacity ? KMCLB_STATUS_BUFFER_OVERFLOW : KMCLB_STATUS_SUCCESS;
}

kc_status fake_send_synchronous_request(kc_vmbchannel handle, const void *payload, uint32_t length,
                                        const void *external, uint32_t external_length, uint32_t flags,
                                        void *reply, uint32_t *reply_size, const int64_t *timeout)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    uint32_t capacity = reply_size ? *reply_size : 0;
    if ((capacity % 8u) != 0 || (capacity > 0 && reply == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B125 */
    }
    int wait_for_completion = (flags & 1u) != 0;
    int zero_timeout = timeout != NULL && *timeout == 0;
    if (channel->server && (!zero_timeout || wait_for_completion)) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* B131 */
    }
    if (!zero_timeout) {
        flags |= 1u; /* B127: every form but zero-timeout-without-wait asks the peer for a reply (as the Java fake) */
    }
    struct timespec deadline = {0, 0};
    if (timeout != NULL) {
        deadline = deadline_of_timeout(*timeout);
    }
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    if (channel->shut && channel->ever_opened) {
        fake_unlock(world);
        return KMCLB_STATUS_DEVICE_REMOVED; /* B130 */
    }
    outgoing_packet *packet = new_outgoing(channel);
    if (packet == NULL) {
        fake_unlock(world);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    packet->synchronous = 1;
    packet->custom_routine = 1;
    int has_external = external != NULL && external_length > 0;
    kc_status status = queue_send(channel, packet, payload, length, external, external_length, has_external, flags, &calls);
    if (KC_SUCCESS(status) && zero_timeout && packet->state == OUTGOING_QUEUED) {
        send_queue_remove(&channel->sends, packet);
        status = KMCLB_STATUS_BUFFER_OVERFLOW; /* B129: with a zero timeout a packet that does not fit is not queued */
    } else if (KC_SUCCESS(status)) {
        status = await_reply(channel, packet, timeout != NULL ? &deadline : NULL);
        if (KC_SUCCESS(status)) {
            status = take_reply(packet, reply, capacity, reply_size);
        } else {
            send_queue_remove(&channel->sends, packet); /* cancelled: withdraw the packet wherever it is */
            fake_forget_owner(channel, packet);
        }
    }
    fake_free_outgoing(channel, packet);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    return status;
}
