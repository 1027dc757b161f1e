/* world.c - the fake's world: its lifetime, its one lock and condition, clocks, the seeded random
 * generator and the small helpers every other file uses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fakekmcl_internal.h"

_Thread_local uint8_t fake_thread_irql;
_Thread_local incoming_packet *fake_thread_delivering;

uint8_t fk_current_irql(void)
{
    return fake_thread_irql;
}

kc_status fk_world_create(uint64_t seed, fk_world **out)
{
    fk_world *world = (fk_world *)calloc(1, sizeof(fk_world));
    *out = NULL;
    if (world == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(&world->mutex, NULL);
    pthread_cond_init(&world->changed, NULL);
    pthread_cond_init(&world->peer_changed, NULL);
    world->seed = seed;
    world->random_state = seed ? seed : 0x9E3779B97F4A7C15ull; /* xorshift must not start at 0 */
    *out = world;
    return KMCLB_STATUS_SUCCESS;
}

void fk_world_destroy(fk_world *world)
{
    if (world == NULL) {
        return;
    }
    while (world->channels != NULL) {
        fake_channel *channel = world->channels;
        channel->connection = CONNECTION_DISABLED; /* forced: cleanup refuses live channels */
        channel->busy = 0;
        channel->delivering = 0;
        fake_channel_cleanup((kc_vmbchannel)(void *)channel);
    }
    while (world->offers != NULL) {
        fake_offer *offer = world->offers;
        world->offers = offer->next;
        free(offer);
    }
    pthread_cond_destroy(&world->changed);
    pthread_cond_destroy(&world->peer_changed);
    pthread_mutex_destroy(&world->mutex);
    free(world);
}

uint64_t fk_seed(fk_world *world)
{
    return world->seed;
}

uint64_t fk_violations(fk_world *world)
{
    fake_lock(world);
    uint64_t violations = world->violations;
    fake_unlock(world);
    return violations;
}

void fk_world_set_hooks(fk_world *world, void *context, void (*on_offer)(void *, uint64_t, void *),
                        void (*on_rescind)(void *, uint64_t))
{
    fake_lock(world);
    world->hook_context = context;
    world->on_offer = on_offer;
    world->on_rescind = on_rescind;
    fake_unlock(world);
}

void fake_lock(fk_world *world)
{
    pthread_mutex_lock(&world->mutex);
}

void fake_unlock(fk_world *world)
{
    pthread_mutex_unlock(&world->mutex);
}

void fake_wake(fk_world *world)
{
    if (world->waiters > 0) {
        pthread_cond_broadcast(&world->changed);
    }
}

/* lock held: one wait on `condition`, counted in *waiters so that a wake with none is free */
static int wait_counted(fk_world *world, pthread_cond_t *condition, uint32_t *waiters,
                        const struct timespec *deadline)
{
    int woken = 1;
    (*waiters)++;
    if (deadline == NULL) {
        pthread_cond_wait(condition, &world->mutex);
    } else {
        woken = pthread_cond_timedwait(condition, &world->mutex, deadline) != ETIMEDOUT;
    }
    (*waiters)--;
    return woken;
}

void fake_wait(fk_world *world)
{
    (void)wait_counted(world, &world->changed, &world->waiters, NULL);
}

int fake_wait_until(fk_world *world, const struct timespec *deadline)
{
    return wait_counted(world, &world->changed, &world->waiters, deadline);
}

void fake_wake_peer(fk_world *world)
{
    if (world->peer_waiters > 0) {
        pthread_cond_broadcast(&world->peer_changed);
    }
}

int fake_wait_peer_until(fk_world *world, const struct timespec *deadline)
{
    return wait_counted(world, &world->peer_changed, &world->peer_waiters, deadline);
}

struct timespec fake_deadline_after_ms(int64_t milliseconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (milliseconds < 0) {
        milliseconds = 0;
    }
    deadline.tv_sec += (time_t)(milliseconds / 1000);
    deadline.tv_nsec += (long)(milliseconds % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

int fake_deadline_passed(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* 100 ns units since 1601 (the absolute timeouts of SendSynchronousRequest) */
int64_t fake_now_filetime(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ((int64_t)now.tv_sec + 11644473600LL) * 10000000LL + now.tv_nsec / 100;
}

uint64_t fake_next_random(fk_world *world)
{
    uint64_t x = world->random_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    world->random_state = x;
    return x;
}

void fake_random_guid(fk_world *world, kc_guid *guid)
{
    uint64_t a = fake_next_random(world), b = fake_next_random(world);
    memcpy(guid->b, &a, 8);
    memcpy(guid->b + 8, &b, 8);
    guid->b[7] = (uint8_t)((guid->b[7] & 0x0F) | 0x40); /* version 4 (Data3 high nibble) */
    guid->b[8] = (uint8_t)((guid->b[8] & 0x3F) | 0x80);
}

void fake_violation(fk_world *world)
{
    world->violations++;
}

uint8_t *fake_copy_payload(const void *payload, uint32_t length, const void *external, uint32_t external_length)
{
    uint8_t *copy = (uint8_t *)malloc((size_t)length + external_length + 1u);
    if (copy == NULL) {
        return NULL;
    }
    if (length > 0) {
        memcpy(copy, payload, length);
    }
    if (external_length > 0) {
        memcpy(copy + length, external, external_length);
    }
    return copy;
}

fake_channel *fake_channel_of(kc_vmbchannel handle)
{
    fake_channel *channel = (fake_channel *)(void *)handle;
    return (channel != NULL && channel->magic == FAKE_CHANNEL_MAGIC) ? channel : NULL;
}
