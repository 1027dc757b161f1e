/* incoming.c - packets from the peer to us: delivery to ProcessPacket while the queue runs (quota,
 * pause, fail), end-of-batch notifications, and how we end a packet (complete, fail, defer). */
#include <stdlib.h>
#include "fakekmcl_internal.h"

static incoming_packet *incoming_packet_of(kc_vmbcompletion handle)
{
    incoming_packet *packet = (incoming_packet *)(void *)handle;
    return (packet != NULL && packet->magic == FAKE_PACKET_MAGIC) ? packet : NULL;
}

void fake_finish_incoming(fake_channel *channel, incoming_packet *packet, int outcome, const void *reply,
                          uint32_t reply_length)
{
    packet->state = INCOMING_DONE;
    packet->outcome = outcome;
    if (outcome == FK_OUTCOME_COMPLETED && packet->completion_requested && reply_length > 0) {
        packet->completion_payload = fake_copy_payload(reply, reply_length, NULL, 0); /* B64 */
        packet->completion_length = reply_length;
    }
    free(packet->data);
    packet->data = NULL;
    incoming_queue_push(&channel->finished, packet);
    incoming_packet **bucket = &channel->finished_buckets[packet->transaction % FAKE_FINISHED_BUCKETS];
    packet->previous_in_bucket = NULL;
    packet->next_in_bucket = *bucket;
    if (*bucket != NULL) {
        (*bucket)->previous_in_bucket = packet;
    }
    *bucket = packet;
    while (channel->finished.count > FAKE_DEFAULT_PEER_OUTCOMES_KEPT) { /* bounded memory: forget the oldest outcomes */
        incoming_packet *oldest = incoming_queue_pop(&channel->finished);
        if (oldest->previous_in_bucket != NULL) {
            oldest->previous_in_bucket->next_in_bucket = oldest->next_in_bucket;
        } else {
            channel->finished_buckets[oldest->transaction % FAKE_FINISHED_BUCKETS] = oldest->next_in_bucket;
        }
        if (oldest->next_in_bucket != NULL) {
            oldest->next_in_bucket->previous_in_bucket = oldest->previous_in_bucket;
        }
        fake_free_incoming(channel, oldest);
    }
    fake_wake_peer(channel->world); /* an awaited outcome may be this one */
}

void fake_track_incoming(fake_channel *channel, incoming_packet *packet)
{
    incoming_packet_list_add(&channel->all_incoming, packet);
}

/* doubly linked, so forgetting the oldest of many kept outcomes does not walk them all */
void fake_free_incoming(fake_channel *channel, incoming_packet *packet)
{
    incoming_packet_list_remove(&channel->all_incoming, packet);
    packet->magic = 0;
    free(packet->data);
    free(packet->completion_payload);
    free(packet);
}

/* lock held, dropped around the callback: ProcessPacket for one packet, again at PASSIVE_LEVEL
 * when it deferred itself (B70) */
static void process_packet(fake_channel *channel, incoming_packet *packet, uint8_t irql)
{
    fk_world *world = channel->world;
    kc_evt_process_packet callback = channel->process_packet;
    void *context = channel->pointer;
    uint32_t flags = packet->has_external ? 1u : 0u;
    for (;;) {
        const uint8_t *data = packet->data;
        uint32_t length = packet->length;
        fake_unlock(world);
        uint8_t old_irql = fake_thread_irql;
        incoming_packet *old_delivering = fake_thread_delivering;
        fake_thread_irql = irql;
        fake_thread_delivering = packet;
        if (callback != NULL) {
            callback(context, (kc_vmbcompletion)(void *)packet, data, length, flags);
        }
        fake_thread_irql = old_irql;
        fake_thread_delivering = old_delivering;
        fake_lock(world);
        if (packet->state == INCOMING_DELIVERING && packet->deferred) {
            packet->deferred = 0;
            irql = FAKE_IRQL_PASSIVE;
            continue;
        }
        return;
    }
}

static int may_deliver(const fake_channel *channel)
{
    return channel->queue_on && !channel->queue_stopped;
}

void fake_deliver(fake_channel *channel)
{
    fk_world *world = channel->world;
    fake_lock(world);
    if (channel->delivering) {
        channel->deliver_again = 1;
        fake_unlock(world);
        return;
    }
    channel->delivering = 1;
    uint32_t count = 0;
    int stopped_in_batch = 0;
    do {
        channel->deliver_again = 0;
        while (may_deliver(channel) && channel->incoming_ring.head != NULL && channel->outstanding < channel->quota) {
            incoming_packet *packet = incoming_queue_pop(&channel->incoming_ring);
            channel->incoming_ring_used -= packet->ring_size;
            fake_pump_incoming(channel);
            packet->state = INCOMING_DELIVERING;
            channel->outstanding++;
            /* B61 (as the Java fake): without incoming-processing-at-passive, a seeded mix of
             * DISPATCH_LEVEL and PASSIVE_LEVEL deliveries */
            uint8_t irql = channel->incoming_at_passive                    ? FAKE_IRQL_PASSIVE
                           : ((fake_next_random(world) >> 32) & 1u) != 0u ? FAKE_IRQL_DISPATCH
                                                                          : FAKE_IRQL_PASSIVE;
            process_packet(channel, packet, irql);
            if (packet->state == INCOMING_DELIVERING) {
                packet->state = INCOMING_DELIVERED;
            }
            count++;
            if (channel->queue_stopped) {
                stopped_in_batch = 1;
                break;
            }
        }
    } while (channel->deliver_again && may_deliver(channel));
    if (count > 0 && channel->processing_complete != NULL && !stopped_in_batch && !channel->queue_stopped) {
        kc_evt_processing_complete callback = channel->processing_complete; /* B67: once per drained batch */
        void *context = channel->pointer;
        uint8_t irql = channel->incoming_at_passive ? FAKE_IRQL_PASSIVE : FAKE_IRQL_DISPATCH;
        fake_unlock(world);
        uint8_t old_irql = fake_thread_irql;
        fake_thread_irql = irql;
        callback(context, count);
        fake_thread_irql = old_irql;
        fake_lock(world);
    }
    channel->delivering = 0;
    int again = channel->deliver_again && may_deliver(channel) && channel->incoming_ring.head != NULL;
    fake_wake(world);
    fake_unlock(world);
    if (again) {
        fake_deliver(channel);
    }
}

static int delivered(const incoming_packet *packet)
{
    return packet->state == INCOMING_DELIVERING || packet->state == INCOMING_DELIVERED;
}

/* lock held: B64: a requested completion is a type-0xB packet through our outgoing ring; the
 * sender sees it when it reads the ring. Returns 0 when out of memory. */
static int queue_completion_packet(fake_channel *channel, incoming_packet *packet, const void *reply,
                                   uint32_t length, completion_list *calls)
{
    received_record *record = (received_record *)calloc(1, sizeof(received_record));
    if (record == NULL) {
        return 0;
    }
    record->transaction = packet->transaction;
    record->completes = packet;
    record->is_completion = 1;
    record->ring_type = 0xB;
    record->length = length;
    record->ring_size = fk_ring_size(length, 0, 0);
    record->data = length > 0 ? fake_copy_payload(reply, length, NULL, 0) : NULL;
    record->completed = 1;
    packet->state = INCOMING_COMPLETING;
    record_queue_push(&channel->waiting_completions, record);
    fake_pump_outgoing(channel, calls);
    return 1;
}

void fake_packet_complete(kc_vmbcompletion handle, const void *reply, uint32_t length)
{
    incoming_packet *packet = incoming_packet_of(handle);
    if (packet == NULL) {
        return;
    }
    fake_channel *channel = packet->channel;
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    if (!delivered(packet)) {
        fake_violation(world); /* Q5: double completion / completion after fail */
        fake_unlock(world);
        return;
    }
    packet->deferred = 0;
    channel->outstanding--;
    fake_wake(world); /* a Suspend may wait for the outstanding packets (B87) */
    if (!packet->completion_requested || channel->connection != CONNECTION_OPEN ||
        !queue_completion_packet(channel, packet, reply, length, &calls)) {
        fake_finish_incoming(channel, packet, FK_OUTCOME_COMPLETED, reply, length);
    }
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    fake_deliver(channel); /* B82: quota stalls resume on the next completion */
}

void fake_packet_defer_to_passive(kc_vmbcompletion handle)
{
    incoming_packet *packet = incoming_packet_of(handle);
    if (packet == NULL) {
        return;
    }
    fk_world *world = packet->channel->world;
    fake_lock(world);
    if (packet->state != INCOMING_DELIVERING || fake_thread_delivering != packet) {
        fake_violation(world); /* B72: only inline from ProcessPacket for this packet */
    } else {
        packet->deferred = 1;
    }
    fake_unlock(world);
}

void fake_packet_fail(kc_vmbcompletion handle)
{
    incoming_packet *packet = incoming_packet_of(handle);
    if (packet == NULL) {
        return;
    }
    fake_channel *channel = packet->channel;
    fk_world *world = channel->world;
    fake_lock(world);
    if (!delivered(packet)) {
        fake_violation(world);
        fake_unlock(world);
        return;
    }
    channel->outstanding--;
    fake_wake(world); /* a Suspend may wait for the outstanding packets (B87) */
    channel->queue_stopped = 1; /* B73: for good, until Disable */
    fake_finish_incoming(channel, packet, FK_OUTCOME_FAILED, NULL, 0);
    fake_unlock(world);
}

kc_status fake_packet_get_external_data(kc_vmbcompletion handle, uint32_t flags, const void **data, uint32_t *length,
                                        void **mapping)
{
    incoming_packet *packet = incoming_packet_of(handle);
    *data = NULL;
    *length = 0;
    *mapping = NULL;
    if (packet == NULL || (flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *world = packet->channel->world;
    fake_lock(world);
    kc_status status = KMCLB_STATUS_SUCCESS;
    if (!delivered(packet) || !packet->has_external) {
        status = KMCLB_STATUS_INVALID_PARAMETER;
    } else if ((status = fake_map_system_address(world, mapping)) == KMCLB_STATUS_SUCCESS) {
        *data = packet->data + packet->length; /* B75 */
        *length = packet->external_length;
    }
    fake_unlock(world);
    return status;
}

int fake_packet_completion_requested(kc_vmbcompletion handle)
{
    incoming_packet *packet = incoming_packet_of(handle);
    return packet != NULL && packet->completion_requested;
}
