/* rings.c - the two rings of a channel with VMBus framing: packets move from the peer queue into
 * our incoming ring, and from our send queue (and our completions) into the outgoing ring, which
 * the peer reads while it is reading. */
#include <stdlib.h>
#include "fakekmcl_internal.h"

uint32_t fk_ring_size(uint32_t len, uint32_t ext_len, int has_ext)
{
    uint64_t size = 16u + (((uint64_t)len + 7u) & ~7ull) + 8u; /* descriptor, padded payload, trailer */
    if (has_ext) {
        uint64_t pages = ((uint64_t)ext_len + FK_PAGE_SIZE - 1u) / FK_PAGE_SIZE;
        if (pages == 0) {
            pages = 1;
        }
        size += 8u + 8u + 8u * pages; /* reserved + range count, one range: count/offset + PFNs */
    }
    return size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)size;
}

/* a packet fits only when its on-ring size is strictly smaller than the free space ... */
int fake_ring_fits(uint32_t size, uint32_t used, uint32_t ring_size)
{
    return (uint64_t)size < (uint64_t)ring_size - used && !fake_ring_never_fits(size, ring_size);
}

/* ... and one of ring size - 8 or more never fits (at least 8 bytes of a ring stay unused) */
int fake_ring_never_fits(uint32_t size, uint32_t ring_size)
{
    return (uint64_t)size + 8u >= ring_size;
}

void fake_pump_incoming(fake_channel *channel)
{
    while (channel->peer_queue.head != NULL &&
           fake_ring_fits(channel->peer_queue.head->ring_size, channel->incoming_ring_used,
                          channel->incoming_ring_size)) {
        incoming_packet *packet = incoming_queue_pop(&channel->peer_queue);
        packet->state = INCOMING_IN_RING;
        channel->incoming_ring_used += packet->ring_size;
        incoming_queue_push(&channel->incoming_ring, packet);
    }
}

static received_record **awaiting_bucket(fake_channel *channel, uint64_t transaction)
{
    return &channel->awaiting[transaction % FAKE_AWAITING_BUCKETS];
}

/* lock held: the record awaits the peer's completion of our packet */
static void start_awaiting(fake_channel *channel, received_record *record, outgoing_packet *owner)
{
    received_record **bucket = awaiting_bucket(channel, record->transaction);
    record->owner = owner;
    record->next_awaiting = *bucket;
    *bucket = record;
}

received_record *fake_awaiting_record(fake_channel *channel, uint64_t transaction)
{
    for (received_record *record = *awaiting_bucket(channel, transaction); record != NULL;
         record = record->next_awaiting) {
        if (record->transaction == transaction) {
            return record;
        }
    }
    return NULL;
}

void fake_stop_awaiting(fake_channel *channel, received_record *record)
{
    received_record **link = awaiting_bucket(channel, record->transaction);
    while (*link != NULL && *link != record) {
        link = &(*link)->next_awaiting;
    }
    if (*link == record) {
        *link = record->next_awaiting;
    }
    record->next_awaiting = NULL;
    record->owner = NULL;
    record->completed = 1;
}

/* lock held: every record stops awaiting its completion (the channel's sends are cancelled) */
static void stop_awaiting_all(fake_channel *channel)
{
    for (uint32_t i = 0; i < FAKE_AWAITING_BUCKETS; i++) {
        while (channel->awaiting[i] != NULL) {
            fake_stop_awaiting(channel, channel->awaiting[i]);
        }
    }
}

static void free_record(fake_channel *channel, received_record *record)
{
    if (record->owner != NULL) {
        fake_stop_awaiting(channel, record);
    }
    free(record->data);
    free(record);
}

/* lock held: the peer read one of our packets; bounded memory drops the oldest records nobody waits
 * for. The peer's waiters wake only when the first record it has not taken appears (empty ->
 * non-empty): later ones are found by the wake already under way. */
static void keep_read_record(fake_channel *channel, received_record *record)
{
    record_queue_push(&channel->peer_read, record);
    record->read_by_peer = 1;
    if (channel->unconsumed == NULL) {
        channel->unconsumed = record;
        fake_wake_peer(channel->world);
    }
    while (channel->peer_read.count > FAKE_DEFAULT_PEER_READ_RECORDS_KEPT && channel->peer_read.head != NULL &&
           channel->peer_read.head->completed) {
        received_record *oldest = record_queue_pop(&channel->peer_read);
        if (channel->unconsumed == oldest) {
            channel->unconsumed = channel->peer_read.head; /* dropped before the peer took it */
        }
        free_record(channel, oldest);
    }
}

/* lock held: the peer read our completion packet (or the channel went away): the sender sees the
 * completion now (B64). Consumes the record. */
static void completion_read(fake_channel *channel, received_record *record)
{
    incoming_packet *packet = record->completes; /* stays COMPLETING, and alive, until this */
    if (packet != NULL && packet->state == INCOMING_COMPLETING) {
        fake_finish_incoming(channel, packet, FK_OUTCOME_COMPLETED, record->data, record->length);
    }
    free_record(channel, record);
}

/* lock held: moves waiting completions into the outgoing ring while they fit (FIFO) */
static void pump_completions(fake_channel *channel)
{
    while (channel->waiting_completions.head != NULL && channel->connection == CONNECTION_OPEN &&
           fake_ring_fits(channel->waiting_completions.head->ring_size, channel->outgoing_ring_used,
                          channel->outgoing_ring_size)) {
        received_record *record = record_queue_pop(&channel->waiting_completions);
        channel->outgoing_ring_used += record->ring_size;
        record_queue_push(&channel->outgoing_ring, record);
    }
}

/* lock held: a reading peer reads everything in our outgoing ring */
static void peer_read_outgoing_ring(fake_channel *channel)
{
    if (!channel->peer_reading) {
        return;
    }
    received_record *record;
    while ((record = record_queue_pop(&channel->outgoing_ring)) != NULL) {
        channel->outgoing_ring_used -= record->ring_size;
        if (record->is_completion) {
            completion_read(channel, record);
        } else {
            keep_read_record(channel, record);
        }
    }
}

/* lock held: the first queued send enters the outgoing ring; returns 0 when it cannot */
static int transmit_next_send(fake_channel *channel, completion_list *calls)
{
    outgoing_packet *packet = channel->sends.head;
    if (packet == NULL || packet->held_by_fault ||
        !fake_ring_fits(packet->ring_size, channel->outgoing_ring_used, channel->outgoing_ring_size)) {
        return 0;
    }
    received_record *record = (received_record *)calloc(1, sizeof(received_record));
    if (record == NULL) {
        return 0;
    }
    send_queue_pop(&channel->sends);
    record->transaction = packet->transaction;
    record->completion_requested = (packet->flags & 1u) != 0;
    record->completed = !record->completion_requested;
    record->ring_type = packet->ring_type;
    record->length = packet->length;
    record->external_length = packet->external_length;
    record->ring_size = packet->ring_size;
    record->data = fake_copy_payload(packet->data, packet->length + packet->external_length, NULL, 0);
    channel->outgoing_ring_used += packet->ring_size;
    record_queue_push(&channel->outgoing_ring, record);
    if (record->completion_requested) {
        packet->state = OUTGOING_AWAITING_COMPLETION;
        start_awaiting(channel, record, packet);
    } else {
        fake_finish_outgoing(channel, packet, KMCLB_STATUS_SUCCESS, NULL, 0, calls); /* B108: done once in the ring */
    }
    return 1;
}

void fake_pump_outgoing(fake_channel *channel, completion_list *calls)
{
    if (channel->connection != CONNECTION_OPEN) {
        return;
    }
    do {
        peer_read_outgoing_ring(channel);
    } while (transmit_next_send(channel, calls));
    for (;;) {
        uint32_t before = channel->outgoing_ring_used;
        pump_completions(channel);
        peer_read_outgoing_ring(channel);
        if (channel->waiting_completions.head == NULL || channel->outgoing_ring_used == before) {
            break;
        }
    }
}

void fake_peer_catch_up(fake_channel *channel, completion_list *calls)
{
    if (channel->sends_held_by_fault) { /* only then: every peer action catches up, most with nothing held */
        for (outgoing_packet *packet = channel->sends.head; packet != NULL; packet = packet->next) {
            packet->held_by_fault = 0;
        }
        channel->sends_held_by_fault = 0;
    }
    fake_pump_outgoing(channel, calls);
}

void fake_forget_owner(fake_channel *channel, outgoing_packet *packet)
{
    received_record *record = fake_awaiting_record(channel, packet->transaction);
    if (record != NULL && record->owner == packet) {
        fake_stop_awaiting(channel, record);
    }
}

void fake_cancel_outgoing(fake_channel *channel, kc_status status, completion_list *calls)
{
    outgoing_packet *packet;
    while ((packet = send_queue_pop(&channel->sends)) != NULL) {
        fake_finish_outgoing(channel, packet, status, NULL, 0, calls);
    }
    for (packet = channel->all_outgoing; packet != NULL; packet = packet->next_of_channel) {
        if (packet->state == OUTGOING_AWAITING_COMPLETION) {
            fake_finish_outgoing(channel, packet, status, NULL, 0, calls);
        }
    }
    stop_awaiting_all(channel); /* every record still awaiting a completion is completed now */
    received_record *record;
    while ((record = record_queue_pop(&channel->outgoing_ring)) != NULL) {
        if (record->is_completion) {
            completion_read(channel, record); /* the channel is gone: the completion ends the transaction */
        } else {
            free_record(channel, record);
        }
    }
    while ((record = record_queue_pop(&channel->waiting_completions)) != NULL) {
        completion_read(channel, record);
    }
    channel->outgoing_ring_used = 0;
}

void fake_free_records(fake_channel *channel)
{
    record_queue *queues[3] = {&channel->outgoing_ring, &channel->waiting_completions, &channel->peer_read};
    for (int i = 0; i < 3; i++) {
        received_record *record;
        while ((record = record_queue_pop(queues[i])) != NULL) {
            free_record(channel, record);
        }
    }
    channel->unconsumed = NULL;
}
