/* peer.c - the scriptable opposite endpoint: it opens and closes our server channels, sends us
 * packets and collects their outcomes, reads and completes our packets, and injects faults. Peer
 * actions run on the caller's thread. */
#include <stdlib.h>
#include <string.h>
#include "fakekmcl_internal.h"

int fk_peer_is_open(kc_vmbchannel ch)
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return 0;
    }
    fake_lock(channel->world);
    int open = channel->connection == CONNECTION_OPEN;
    fake_unlock(channel->world);
    return open;
}

static kc_status peer_open(fake_channel *channel, completion_list *calls)
{
    if (!channel->server ||
        (channel->connection != CONNECTION_ENABLED && channel->connection != CONNECTION_CLOSED) ||
        channel->target_vtl != 0) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    fake_run_open(channel, calls); /* B51 on re-open */
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_open(kc_vmbchannel ch)
{
    return fake_transition(ch, peer_open);
}

static kc_status guest_close(fake_channel *channel, completion_list *calls)
{
    if (channel->connection != CONNECTION_OPEN) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    fake_run_peer_close(channel, calls);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_close(kc_vmbchannel ch)
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (channel->server) {
        return fake_transition(ch, guest_close);
    }
    /* the host closes a client channel by rescinding the offer it is bound to */
    fk_world *world = channel->world;
    fake_lock(world);
    fake_offer *offer = channel->bound;
    uint64_t offer_id = offer ? offer->id : 0;
    fake_unlock(world);
    return offer ? fk_peer_rescind(world, offer_id) : KMCLB_STATUS_INVALID_DEVICE_STATE;
}

static uint32_t peer_delay_ms(fake_channel *channel)
{
    fake_lock(channel->world);
    uint32_t delay_ms = channel->fault_delay_ms;
    fake_unlock(channel->world);
    return delay_ms;
}

/* a Delay fault: the peer sleeps before it acts */
static void peer_delay(fake_channel *channel)
{
    uint32_t delay_ms = peer_delay_ms(channel);
    if (delay_ms > 0) {
        struct timespec pause = {(time_t)(delay_ms / 1000u), (long)(delay_ms % 1000u) * 1000000L};
        nanosleep(&pause, NULL);
    }
}

/* lock held: a packet our reader rejects (fault, or over our maximum packet size or external
 * data); counted, never delivered */
static int rejected_by_reader(fake_channel *channel, uint32_t length, uint32_t external_length)
{
    if (channel->fault_malformed > 0) {
        channel->fault_malformed--;
    } else if (channel->fault_oversized > 0) {
        channel->fault_oversized--;
    } else if (length <= channel->max_packet_size && external_length <= channel->max_external_data) {
        return 0;
    }
    channel->dropped++;
    return 1;
}

/* lock held: one peer packet into our incoming side (queued behind earlier ones, pumped by the
 * caller); *out_tx its transaction (0 when refused outright) */
static kc_status enqueue_peer_packet(fake_channel *channel, const void *payload, uint32_t len,
                                     int completion_requested, const void *ext, uint32_t ext_len, int has_ext,
                                     uint64_t *out_tx)
{
    fk_world *world = channel->world;
    *out_tx = 0;
    if (channel->connection != CONNECTION_OPEN) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    uint32_t ring_size = fk_ring_size(len, ext_len, has_ext);
    *out_tx = ++world->next_transaction;
    if (rejected_by_reader(channel, len, has_ext ? ext_len : 0)) {
        return KMCLB_STATUS_SUCCESS;
    }
    if (fake_ring_never_fits(ring_size, channel->incoming_ring_size)) {
        *out_tx = 0;
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    incoming_packet *packet = (incoming_packet *)calloc(1, sizeof(incoming_packet));
    uint8_t *data = fake_copy_payload(payload, len, ext, ext_len);
    if (packet == NULL || data == NULL) {
        free(packet);
        free(data);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    packet->magic = FAKE_PACKET_MAGIC;
    packet->channel = channel;
    packet->transaction = *out_tx;
    packet->completion_requested = completion_requested != 0;
    packet->has_external = has_ext != 0;
    packet->length = len;
    packet->external_length = ext_len;
    packet->ring_size = ring_size;
    packet->data = data;
    packet->outcome = FK_OUTCOME_PENDING;
    packet->state = INCOMING_IN_PEER_QUEUE;
    fake_track_incoming(channel, packet);
    incoming_queue_push(&channel->peer_queue, packet);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_send(kc_vmbchannel ch, const void *payload, uint32_t len, int completion_requested,
                       const void *ext, uint32_t ext_len, int has_ext, uint64_t *out_tx)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_tx = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if ((len > 0 && payload == NULL) || (has_ext && ext_len > 0 && ext == NULL)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    peer_delay(channel);
    fk_world *world = channel->world;
    fake_lock(world);
    kc_status status = enqueue_peer_packet(channel, payload, len, completion_requested, ext, ext_len, has_ext, out_tx);
    fake_pump_incoming(channel);
    fake_unlock(world);
    fake_deliver(channel);
    return status;
}

/* A Delay fault is per peer action: under one, a batch acts packet by packet. */
kc_status fk_peer_send_batch(kc_vmbchannel ch, const void *payloads, const uint32_t *lengths, uint32_t count,
                             int completion_requested, uint64_t *out_txs, uint32_t *out_sent)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_sent = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    const uint8_t *payload = (const uint8_t *)payloads;
    kc_status status = KMCLB_STATUS_SUCCESS;
    if (peer_delay_ms(channel) > 0) {
        for (uint32_t i = 0; i < count && KC_SUCCESS(status); i++) {
            status = fk_peer_send(ch, payload, lengths[i], completion_requested, NULL, 0, 0, &out_txs[i]);
            payload += lengths[i];
            *out_sent += KC_SUCCESS(status) ? 1u : 0u;
        }
        return status;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    for (uint32_t i = 0; i < count && KC_SUCCESS(status); i++) {
        if (lengths[i] > 0 && payload == NULL) {
            status = KMCLB_STATUS_INVALID_PARAMETER;
            break;
        }
        status = enqueue_peer_packet(channel, payload, lengths[i], completion_requested, NULL, 0, 0, &out_txs[i]);
        payload += lengths[i];
        *out_sent += KC_SUCCESS(status) ? 1u : 0u;
    }
    fake_pump_incoming(channel);
    fake_unlock(world);
    fake_deliver(channel); /* one delivery run for the whole batch */
    return status;
}

/* lock held: the ended packet with that transaction id, or NULL */
static incoming_packet *finished_incoming(fake_channel *channel, uint64_t transaction)
{
    for (incoming_packet *packet = channel->finished_buckets[transaction % FAKE_FINISHED_BUCKETS]; packet != NULL;
         packet = packet->next_in_bucket) {
        if (packet->transaction == transaction) {
            return packet;
        }
    }
    return NULL;
}

kc_status fk_peer_await_outcome(kc_vmbchannel ch, uint64_t tx, int64_t timeout_ms, int *kind, void *buf,
                                uint32_t cap, uint32_t *out_len)
{
    fake_channel *channel = fake_channel_of(ch);
    *kind = FK_OUTCOME_PENDING;
    *out_len = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *world = channel->world;
    struct timespec deadline = fake_deadline_after_ms(timeout_ms);
    fake_lock(world);
    for (;;) {
        incoming_packet *packet = finished_incoming(channel, tx);
        if (packet != NULL) {
            *kind = packet->outcome;
            uint32_t copied = packet->completion_length < cap ? packet->completion_length : cap;
            if (copied > 0) {
                memcpy(buf, packet->completion_payload, copied);
            }
            *out_len = packet->completion_length;
            fake_unlock(world); /* the outcome stays: asking again gives it again (as the Java fake) */
            return packet->completion_length > cap ? KMCLB_STATUS_BUFFER_TOO_SMALL : KMCLB_STATUS_SUCCESS;
        }
        /* not ended yet, or unknown: PENDING once the timeout passed (as the Java fake) */
        if (fake_deadline_passed(&deadline)) {
            break;
        }
        fake_wait_peer_until(world, &deadline);
    }
    fake_unlock(world);
    return KMCLB_STATUS_SUCCESS; /* still PENDING */
}

static uint64_t encoded_size(const received_record *record)
{
    return KMCLB_RECORD_SIZE((uint64_t)record->length + record->external_length);
}

/* one read packet in kmclb_event layout; returns its size, 0 when it does not fit in `room` */
static uint32_t encode_record(const received_record *record, uint8_t *destination, uint32_t room)
{
    uint64_t size = encoded_size(record);
    if (size > room) {
        return 0;
    }
    kmclb_event event;
    memset(&event, 0, sizeof(event));
    event.kind = KMCLB_EV_PACKET;
    event.flags = (uint16_t)(record->completion_requested ? KMCLB_PF_COMPLETION_REQUESTED : 0);
    event.payload_length = record->length;
    event.id = record->transaction;
    event.status = record->ring_type;
    event.aux = record->external_length;
    memset(destination, 0, (size_t)size);
    memcpy(destination, &event, sizeof(event));
    memcpy(destination + sizeof(event), record->data, (size_t)record->length + record->external_length);
    return (uint32_t)size;
}

/* A peer action on the channel (as the Java fake's peerTouch): a slow peer (RingFull fault)
 * catches up and the peer reads if it is reading (B112). Called without the lock. */
static void peer_touch(fake_channel *channel)
{
    completion_list calls = {NULL, NULL};
    fake_lock(channel->world);
    fake_peer_catch_up(channel, &calls);
    fake_unlock(channel->world);
    fake_run_completion_calls(channel->world, &calls);
}

kc_status fk_peer_received(kc_vmbchannel ch, void *buf, uint32_t cap, uint32_t *out_bytes, uint32_t *out_count)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_bytes = 0;
    *out_count = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_touch(channel);
    fake_lock(channel->world);
    kc_status status = KMCLB_STATUS_SUCCESS;
    for (received_record *record = channel->peer_read.head; record != NULL; record = record->next) {
        /* awaiting the peer's completion, or (no completion requested) not yet taken by await_received */
        int listed = record->completion_requested ? !record->completed : !record->consumed;
        if (!listed) {
            continue;
        }
        uint32_t size = encode_record(record, (uint8_t *)buf + *out_bytes, cap - *out_bytes);
        if (size == 0) {
            status = KMCLB_STATUS_BUFFER_OVERFLOW;
            break;
        }
        *out_bytes += size;
        (*out_count)++;
    }
    fake_unlock(channel->world);
    return status;
}

kc_status fk_peer_await_received(kc_vmbchannel ch, int64_t timeout_ms, void *buf, uint32_t cap, uint32_t *out_bytes)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_bytes = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_touch(channel);
    fk_world *world = channel->world;
    struct timespec deadline = fake_deadline_after_ms(timeout_ms);
    fake_lock(world);
    for (;;) {
        received_record *record = channel->unconsumed;
        if (record != NULL) {
            uint32_t size = encode_record(record, (uint8_t *)buf, cap);
            if (size == 0) {
                *out_bytes = (uint32_t)encoded_size(record);
                fake_unlock(world);
                return KMCLB_STATUS_BUFFER_TOO_SMALL;
            }
            record->consumed = 1;
            channel->unconsumed = record->next;
            *out_bytes = size;
            fake_unlock(world);
            return KMCLB_STATUS_SUCCESS;
        }
        if (fake_deadline_passed(&deadline)) {
            break;
        }
        fake_wait_peer_until(world, &deadline);
    }
    fake_unlock(world);
    return KMCLB_STATUS_TIMEOUT;
}

kc_status fk_peer_take_received(kc_vmbchannel ch, uint32_t max, int64_t timeout_ms, void *buf, uint32_t cap,
                                uint32_t *out_bytes, uint32_t *out_count)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_count = 0;
    kc_status status = fk_peer_await_received(ch, timeout_ms, buf, cap, out_bytes); /* the first, waiting */
    if (status != KMCLB_STATUS_SUCCESS) {
        return status;
    }
    *out_count = 1;
    fk_world *world = channel->world;
    fake_lock(world);
    while (*out_count < max && channel->unconsumed != NULL) {
        received_record *record = channel->unconsumed;
        uint32_t size = encode_record(record, (uint8_t *)buf + *out_bytes, cap - *out_bytes);
        if (size == 0) {
            break; /* the rest waits for the next take */
        }
        record->consumed = 1;
        channel->unconsumed = record->next;
        *out_bytes += size;
        (*out_count)++;
    }
    fake_unlock(world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_complete(kc_vmbchannel ch, uint64_t tx, const void *payload, uint32_t len)
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    peer_delay(channel);
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    kc_status status = KMCLB_STATUS_NOT_FOUND;
    received_record *record = fake_awaiting_record(channel, tx);
    if (record != NULL && record->read_by_peer) { /* only what the peer has read can it complete */
        outgoing_packet *packet = record->owner;
        fake_stop_awaiting(channel, record);
        fake_finish_outgoing(channel, packet, KMCLB_STATUS_SUCCESS, payload, len, &calls); /* B109 */
        status = KMCLB_STATUS_SUCCESS;
    }
    fake_peer_catch_up(channel, &calls);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    return status;
}

kc_status fk_peer_complete_batch(kc_vmbchannel ch, const uint64_t *txs, uint32_t count, const void *payload,
                                 uint32_t len, uint32_t *out_completed)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_completed = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    kc_status status = KMCLB_STATUS_SUCCESS;
    if (peer_delay_ms(channel) > 0) {
        for (uint32_t i = 0; i < count && KC_SUCCESS(status); i++) {
            status = fk_peer_complete(ch, txs[i], payload, len);
            *out_completed += KC_SUCCESS(status) ? 1u : 0u;
        }
        return status;
    }
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    for (uint32_t i = 0; i < count; i++) {
        received_record *record = fake_awaiting_record(channel, txs[i]);
        if (record == NULL || !record->read_by_peer) {
            status = KMCLB_STATUS_NOT_FOUND; /* the ones before it stay completed */
            break;
        }
        outgoing_packet *packet = record->owner;
        fake_stop_awaiting(channel, record);
        fake_finish_outgoing(channel, packet, KMCLB_STATUS_SUCCESS, payload, len, &calls); /* B109 */
        (*out_completed)++;
    }
    fake_peer_catch_up(channel, &calls);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    return status;
}

kc_status fk_peer_set_reading(kc_vmbchannel ch, int reading)
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    completion_list calls = {NULL, NULL};
    fake_lock(channel->world);
    channel->peer_reading = reading != 0;
    fake_peer_catch_up(channel, &calls);
    fake_unlock(channel->world);
    fake_run_completion_calls(channel->world, &calls);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_ring_status(kc_vmbchannel ch, uint32_t out[5])
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fake_lock(channel->world);
    out[0] = channel->incoming_ring_size;
    out[1] = channel->incoming_ring_used;
    out[2] = channel->outgoing_ring_size;
    out[3] = channel->outgoing_ring_used;
    out[4] = channel->peer_queue.count;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_queue_stopped(kc_vmbchannel ch, int *stopped)
{
    fake_channel *channel = fake_channel_of(ch);
    *stopped = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fake_lock(channel->world);
    *stopped = channel->queue_stopped;
    fake_unlock(channel->world);
    return KMCLB_STATUS_SUCCESS;
}

/* OfferBurst: `count` offers of the channel's target type appear at once */
static kc_status offer_burst(fk_world *world, fake_channel *channel, int64_t count)
{
    fake_lock(world);
    kc_guid type = channel->has_target_pnp ? channel->target_type : channel->device->type;
    fake_unlock(world);
    for (int64_t i = 0; i < count; i++) {
        kc_guid instance;
        fake_lock(world);
        fake_random_guid(world, &instance);
        fake_unlock(world);
        kc_status status = fk_peer_offer(world, &type, &instance, 0, 0, "burst offer", NULL, NULL);
        if (!KC_SUCCESS(status)) {
            return status;
        }
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_inject(fk_world *world, kc_vmbchannel ch, int kind, int64_t arg)
{
    fake_channel *channel = fake_channel_of(ch);
    if (kind == FK_FAULT_PNP_FAILURE) {
        fake_lock(world);
        world->pnp_fault_armed = 1;
        world->pnp_fault = (kc_status)arg;
        fake_unlock(world);
        return KMCLB_STATUS_SUCCESS;
    }
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (arg < 0 || arg > 0x7FFFFFFF) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (kind == FK_FAULT_OFFER_BURST) {
        return offer_burst(world, channel, arg);
    }
    fake_lock(world);
    kc_status status = KMCLB_STATUS_SUCCESS;
    switch (kind) {
    case FK_FAULT_DELAY:
        channel->fault_delay_ms = (uint32_t)arg;
        break;
    case FK_FAULT_RING_FULL:
        channel->fault_ring_full += (uint32_t)arg;
        break;
    case FK_FAULT_MALFORMED_PACKET:
        channel->fault_malformed++;
        break;
    case FK_FAULT_OVERSIZED_PACKET:
        channel->fault_oversized++;
        break;
    case FK_FAULT_ALLOCATION_FAILURE:
        channel->fault_allocation_failures += (uint32_t)arg;
        break;
    default:
        status = KMCLB_STATUS_INVALID_PARAMETER;
    }
    fake_unlock(world);
    return status;
}
