/* state.c - a channel's life: allocate, enable, open, start, pause (Suspend), peer close, disable,
 * cleanup, with the state-change callbacks in the documented order (B40..B101). */
#include <stdlib.h>
#include "fakekmcl_internal.h"

void fake_acquire_busy(fake_channel *channel)
{
    while (channel->busy) {
        fake_wait(channel->world);
    }
    channel->busy = 1;
}

void fake_release_busy(fake_channel *channel)
{
    channel->busy = 0;
    fake_wake(channel->world);
}

void fake_unbind(fake_channel *channel)
{
    if (channel->bound != NULL) {
        channel->bound->bound = NULL;
        channel->bound = NULL;
    }
}

/* lock held, dropped around the call: one state-change callback at PASSIVE_LEVEL */
static void run_state_callback(fake_channel *channel, kc_evt_channel callback)
{
    void *context = channel->pointer;
    fake_unlock(channel->world);
    fake_thread_irql = FAKE_IRQL_PASSIVE;
    if (callback != NULL) {
        callback(context);
    }
    fake_lock(channel->world);
}

/* lock and busy held: Started -> queue on -> PostStarted -> deliver */
static void run_start(fake_channel *channel)
{
    kc_evt_channel post_started = channel->state_callbacks.post_started;
    void *context = channel->pointer;
    run_state_callback(channel, channel->state_callbacks.started);
    channel->active = 1;
    channel->queue_on = 1;
    channel->shut = 0;
    fake_unlock(channel->world);
    if (post_started != NULL) {
        post_started(context);
    }
    fake_deliver(channel);
    fake_lock(channel->world);
}

/* lock and busy held: Suspend if running (B85/B86); optionally waits for completions (B87) */
static void run_suspend(fake_channel *channel, int wait_outstanding)
{
    if (!channel->active) {
        return;
    }
    channel->queue_on = 0;
    while (channel->delivering) {
        fake_wait(channel->world);
    }
    channel->active = 0;
    channel->shut = 1;
    run_state_callback(channel, channel->state_callbacks.suspend);
    while (wait_outstanding && channel->outstanding > 0) {
        fake_wait(channel->world);
    }
}

/* lock and busy held: EvtChannelClosed; SetInterruptLatency stays valid inside it (B53) */
static void run_closed(fake_channel *channel)
{
    channel->in_close_callback = 1;
    run_state_callback(channel, channel->state_callbacks.closed);
    channel->in_close_callback = 0;
}

void fake_run_open(fake_channel *channel, completion_list *calls)
{
    fk_world *world = channel->world;
    void *context = channel->pointer;
    kc_evt_opened opened = channel->state_callbacks.opened;
    channel->in_open_callback = 1;
    channel->connection = CONNECTION_OPEN; /* SetInterruptLatency is valid from the start of Opened */
    fake_unlock(world);
    fake_thread_irql = FAKE_IRQL_PASSIVE;
    kc_status status = opened ? opened(context) : KMCLB_STATUS_SUCCESS;
    fake_lock(world);
    channel->in_open_callback = 0;
    if (!KC_SUCCESS(status)) {
        channel->connection = CONNECTION_ENABLED; /* B41: back to a no-traffic state */
        fake_unbind(channel);
        return;
    }
    channel->ever_opened = 1;
    channel->shut = 0;
    channel->peer_reading = 1;
    fake_pump_outgoing(channel, calls); /* B42: sends queued before the open go out now */
    if (channel->run_requested) {
        run_start(channel);
    }
}

void fake_run_peer_close(fake_channel *channel, completion_list *calls)
{
    run_suspend(channel, 0);
    run_closed(channel);
    channel->shut = 1;
    for (fake_gpadl *gpadl = channel->gpadls; gpadl != NULL; gpadl = gpadl->next) {
        if (gpadl->ours && gpadl->mapped) {
            gpadl->mapped = 0; /* the peer's mappings go away with it */
        }
    }
    if (channel->server) {
        channel->connection = CONNECTION_CLOSED; /* B96: the offer stays; B98: our transactions stay for us to cancel */
    } else {
        channel->connection = CONNECTION_DISABLED; /* B95 */
        fake_unbind(channel);
        fake_cancel_outgoing(channel, KMCLB_STATUS_CANCELLED, calls);
        channel->run_requested = 1;
    }
    fake_wake(channel->world);
}

kc_status fake_channel_allocate(void *device, int is_server, kc_vmbchannel *out)
{
    fake_offer *offer = (fake_offer *)device;
    *out = NULL;
    if (offer == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *world = offer->world;
    fake_channel *channel = (fake_channel *)calloc(1, sizeof(fake_channel));
    incoming_packet **buckets = (incoming_packet **)calloc(FAKE_FINISHED_BUCKETS, sizeof(incoming_packet *));
    if (channel == NULL || buckets == NULL) {
        free(channel);
        free(buckets);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    channel->finished_buckets = buckets;
    channel->magic = FAKE_CHANNEL_MAGIC;
    channel->world = world;
    channel->device = offer;
    channel->server = is_server != 0;
    channel->connection = CONNECTION_DISABLED;
    channel->run_requested = !channel->server; /* B43 client auto-start, B44 server needs Start */
    channel->max_packet_size = (uint32_t)FAKE_DEFAULT_MAXIMUM_PACKET_SIZE;
    channel->max_external_data = (uint32_t)FAKE_DEFAULT_MAXIMUM_EXTERNAL_DATA;
    channel->max_external_chain = (uint32_t)FAKE_DEFAULT_MAXIMUM_EXTERNAL_CHAIN;
    channel->client_context_size = (uint32_t)FAKE_DEFAULT_CLIENT_CONTEXT_SIZE;
    channel->incoming_at_passive = FAKE_DEFAULT_INCOMING_AT_PASSIVE != 0;
    channel->quota = (uint32_t)FAKE_DEFAULT_TRANSACTION_QUOTA;
    channel->interrupt_latency = (uint16_t)FAKE_DEFAULT_INTERRUPT_LATENCY_100NS;
    /* a server's rings are the guest peer's memory, sized by the peer */
    uint64_t incoming_pages = channel->server ? FAKE_DEFAULT_GUEST_PEER_RING_PAGES : FAKE_DEFAULT_INCOMING_RING_PAGES;
    uint64_t outgoing_pages = channel->server ? FAKE_DEFAULT_GUEST_PEER_RING_PAGES : FAKE_DEFAULT_OUTGOING_RING_PAGES;
    channel->incoming_ring_size = (uint32_t)incoming_pages * FK_PAGE_SIZE;
    channel->outgoing_ring_size = (uint32_t)outgoing_pages * FK_PAGE_SIZE;
    channel->peer_reading = 1;
    fake_lock(world);
    channel->number = ++world->next_channel_number;
    fake_random_guid(world, &channel->instance);
    channel->next = world->channels;
    world->channels = channel;
    fake_unlock(world);
    *out = (kc_vmbchannel)(void *)channel;
    return KMCLB_STATUS_SUCCESS;
}

void fake_channel_cleanup(kc_vmbchannel handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    if (channel->connection != CONNECTION_DISABLED || channel->busy || channel->delivering) {
        fake_violation(world); /* B35: cleanup of a channel that is not disabled */
        fake_unlock(world);
        return;
    }
    for (fake_channel **link = &world->channels; *link != NULL; link = &(*link)->next) {
        if (*link == channel) {
            *link = channel->next;
            break;
        }
    }
    if (channel->bound != NULL) {
        channel->bound->bound = NULL;
    }
    while (channel->all_incoming != NULL) {
        fake_free_incoming(channel, channel->all_incoming);
    }
    while (channel->all_outgoing != NULL) {
        fake_free_outgoing(channel, channel->all_outgoing);
    }
    fake_free_records(channel);
    fake_free_gpadls(channel);
    channel->magic = 0;
    fake_unlock(world);
    free(channel->finished_buckets);
    free(channel);
}

kc_status fake_transition(kc_vmbchannel handle, kc_status (*transition)(fake_channel *, completion_list *))
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *world = channel->world;
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    fake_acquire_busy(channel);
    kc_status status = transition(channel, &calls);
    fake_release_busy(channel);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    return status;
}

static kc_status enable_channel(fake_channel *channel, completion_list *calls)
{
    if (channel->connection != CONNECTION_DISABLED) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE; /* Q17: enable twice */
    }
    channel->ever_enabled = 1;
    channel->connection = CONNECTION_ENABLED;
    channel->shut = 0;
    if (!channel->server) {
        fake_try_bind(channel, calls);
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fake_enable(kc_vmbchannel handle)
{
    kc_status status = fake_transition(handle, enable_channel);
    return status == KMCLB_STATUS_INVALID_HANDLE ? KMCLB_STATUS_INVALID_PARAMETER_1 : status;
}

/* lock held: undelivered peer packets are dropped with the connection */
static void drop_undelivered(fake_channel *channel)
{
    incoming_queue *queues[2] = {&channel->incoming_ring, &channel->peer_queue};
    for (int i = 0; i < 2; i++) {
        incoming_packet *packet;
        while ((packet = incoming_queue_pop(queues[i])) != NULL) {
            fake_free_incoming(channel, packet);
        }
    }
    channel->incoming_ring_used = 0;
}

static kc_status disable_channel(fake_channel *channel, completion_list *calls)
{
    if (channel->connection == CONNECTION_DISABLED) {
        /* no state change, but Q8 still holds: sends queued on a disabled or never enabled channel
         * (B42, B99) end with STATUS_CANCELLED, so a driver can always get its packets back */
        fake_cancel_outgoing(channel, KMCLB_STATUS_CANCELLED, calls);
        return KMCLB_STATUS_SUCCESS;
    }
    run_suspend(channel, 1); /* B94: Suspend, wait for completions, Closed */
    if (channel->connection == CONNECTION_OPEN) {
        run_closed(channel);
    }
    fake_unbind(channel);
    fake_cancel_outgoing(channel, KMCLB_STATUS_CANCELLED, calls); /* Q7/Q8 */
    drop_undelivered(channel);
    for (fake_gpadl *gpadl = channel->gpadls; gpadl != NULL; gpadl = gpadl->next) {
        if (gpadl->ours) {
            gpadl->mapped = 0;
        }
    }
    channel->connection = CONNECTION_DISABLED;
    channel->shut = 1;
    channel->queue_stopped = 0; /* PacketFail stops the queue until Disable (Q6) */
    channel->run_requested = !channel->server;
    return KMCLB_STATUS_SUCCESS;
}

void fake_disable(kc_vmbchannel handle)
{
    (void)fake_transition(handle, disable_channel);
}

static kc_status pause_channel(fake_channel *channel, completion_list *calls)
{
    channel->run_requested = 0; /* B88: before Enable -> comes up paused */
    run_suspend(channel, 1);    /* B85, B87 */
    return KMCLB_STATUS_SUCCESS;
}

void fake_pause(kc_vmbchannel handle)
{
    (void)fake_transition(handle, pause_channel);
}

static kc_status start_channel(fake_channel *channel, completion_list *calls)
{
    channel->run_requested = 1;
    if (channel->connection == CONNECTION_OPEN && !channel->active) {
        run_start(channel); /* B89 */
    }
    return KMCLB_STATUS_SUCCESS;
}

void fake_start(kc_vmbchannel handle)
{
    (void)fake_transition(handle, start_channel);
}
