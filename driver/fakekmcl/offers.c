/* offers.c - host offers (the endpoints client channels bind to): offering, rescinding, listing,
 * and binding enabled client channels to a matching offer (B30/B31, Q25). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fakekmcl_internal.h"

static int offer_matches(const fake_channel *channel, const fake_offer *offer)
{
    if (offer->rescinded || offer->bound != NULL || offer->target_vtl != 0) {
        return 0;
    }
    if (channel->has_target_pnp) {
        if (memcmp(offer->type.b, channel->target_type.b, 16) != 0) {
            return 0;
        }
        return !channel->has_target_instance || memcmp(offer->instance.b, channel->target_instance.b, 16) == 0;
    }
    return offer == channel->device;
}

void fake_try_bind(fake_channel *channel, completion_list *calls)
{
    fk_world *world = channel->world;
    if (channel->server || channel->connection != CONNECTION_ENABLED || channel->bound != NULL) {
        return;
    }
    for (fake_offer *offer = world->offers; offer != NULL; offer = offer->next) {
        if (!offer_matches(channel, offer)) {
            continue;
        }
        if (world->pnp_fault_armed) {
            world->pnp_fault_armed = 0;
            kc_status status = world->pnp_fault;
            kc_evt_pnp_failure callback = channel->pnp_failure;
            void *context = channel->pointer;
            fake_unlock(world);
            if (callback) {
                callback(context, status); /* B156 */
            }
            fake_lock(world);
            return;
        }
        offer->bound = channel;
        channel->bound = offer;
        fake_run_open(channel, calls);
        return;
    }
}

/* lock held: an enabled, unbound, idle client channel that some offer matches, or NULL */
static fake_channel *waiting_channel(fk_world *world)
{
    for (fake_channel *channel = world->channels; channel != NULL; channel = channel->next) {
        if (channel->server || channel->connection != CONNECTION_ENABLED || channel->bound != NULL || channel->busy) {
            continue;
        }
        for (fake_offer *offer = world->offers; offer != NULL; offer = offer->next) {
            if (offer_matches(channel, offer)) {
                return channel;
            }
        }
    }
    return NULL;
}

/* lock held: binds every waiting client channel that a new offer matches */
static void bind_waiting(fk_world *world, completion_list *calls)
{
    fake_channel *channel;
    while ((channel = waiting_channel(world)) != NULL) {
        fake_acquire_busy(channel);
        fake_try_bind(channel, calls);
        fake_release_busy(channel);
        if (channel->bound == NULL) {
            return; /* PnP failure: leave it waiting */
        }
    }
}

kc_status fk_peer_offer(fk_world *world, const kc_guid *type, const kc_guid *instance, uint32_t mmio_megabytes,
                        uint32_t target_vtl, const char *name, uint64_t *out_offer, void **out_device)
{
    fake_offer *offer = (fake_offer *)calloc(1, sizeof(fake_offer));
    if (offer == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    offer->world = world;
    offer->type = *type;
    offer->instance = *instance;
    offer->mmio_megabytes = mmio_megabytes;
    offer->target_vtl = target_vtl;
    snprintf(offer->name, sizeof(offer->name), "%s", name ? name : "test device");
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    offer->id = ++world->next_offer;
    fake_offer **link = &world->offers;
    while (*link != NULL) {
        link = &(*link)->next;
    }
    *link = offer;
    void *hook_context = world->hook_context;
    void (*hook)(void *, uint64_t, void *) = world->on_offer;
    fake_unlock(world);
    if (hook) {
        hook(hook_context, offer->id, offer);
    }
    fake_lock(world);
    bind_waiting(world, &calls);
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    if (out_offer) {
        *out_offer = offer->id;
    }
    if (out_device) {
        *out_device = offer;
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_rescind(fk_world *world, uint64_t offer_id)
{
    completion_list calls = {NULL, NULL};
    fake_lock(world);
    fake_offer *offer = world->offers;
    while (offer != NULL && offer->id != offer_id) {
        offer = offer->next;
    }
    if (offer == NULL || offer->rescinded) {
        fake_unlock(world);
        return KMCLB_STATUS_NOT_FOUND;
    }
    offer->rescinded = 1;
    fake_channel *channel = offer->bound;
    if (channel != NULL) {
        fake_acquire_busy(channel);
        if (channel->connection == CONNECTION_OPEN) {
            fake_run_peer_close(channel, &calls); /* B97 */
        }
        fake_release_busy(channel);
    }
    void *hook_context = world->hook_context;
    void (*hook)(void *, uint64_t) = world->on_rescind;
    fake_unlock(world);
    fake_run_completion_calls(world, &calls);
    if (hook) {
        hook(hook_context, offer_id);
    }
    return KMCLB_STATUS_SUCCESS;
}

kc_status fk_peer_offers(fk_world *world, uint64_t *ids, uint8_t *guids, uint32_t max, uint32_t *out_count)
{
    uint32_t count = 0;
    fake_lock(world);
    for (fake_offer *offer = world->offers; offer != NULL; offer = offer->next) {
        if (offer->rescinded) {
            continue;
        }
        if (count < max) {
            if (ids) {
                ids[count] = offer->id;
            }
            if (guids) {
                memcpy(guids + 32u * count, offer->type.b, 16);
                memcpy(guids + 32u * count + 16, offer->instance.b, 16);
            }
        }
        count++;
    }
    fake_unlock(world);
    *out_count = count;
    return KMCLB_STATUS_SUCCESS;
}

const char *fk_offer_name(void *device)
{
    return ((fake_offer *)device)->name;
}

void fk_offer_guids(void *device, kc_guid *type, kc_guid *instance)
{
    *type = ((fake_offer *)device)->type;
    *instance = ((fake_offer *)device)->instance;
}
