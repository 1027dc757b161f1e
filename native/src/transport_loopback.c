/* transport_loopback.c - the shim's in-process transport: driver/core + driver/fakekmcl on the
 * POSIX host (driver/posixhost). One loopback "machine" (host) per process, created with the first
 * session and destroyed with the last. Every IOCTL goes through kc_dispatch with one buffer shared
 * by input and output (METHOD_BUFFERED), so the same decoder as in the driver runs. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include "kmclshim.h"
#include "transport.h"
#include "loopback_session.h"
#include "fake_defaults.h"

const int32_t tr_kind = KMCLSHIM_TRANSPORT_LOOPBACK;

static pthread_mutex_t g_machine_lock = PTHREAD_MUTEX_INITIALIZER;
static posix_host *g_machine;  /* guarded by g_machine_lock */
static int g_machine_sessions; /* sessions open on g_machine */

/* ------------------------------------------------------------------ the machine's standing offers */
/* the seed of a machine opened without one: KMCL_LOOPBACK_SEED, else the fakes' default */
static uint64_t default_seed(void)
{
    const char *s = getenv("KMCL_LOOPBACK_SEED");
    return s ? strtoull(s, NULL, 0) : FAKE_DEFAULT_SEED;
}

/* Windows GUID byte order from the canonical text form's fields */
static kc_guid guid_of(uint32_t d1, uint16_t d2, uint16_t d3, uint64_t d4)
{
    kc_guid g;
    g.b[0] = (uint8_t)d1;
    g.b[1] = (uint8_t)(d1 >> 8);
    g.b[2] = (uint8_t)(d1 >> 16);
    g.b[3] = (uint8_t)(d1 >> 24);
    g.b[4] = (uint8_t)d2;
    g.b[5] = (uint8_t)(d2 >> 8);
    g.b[6] = (uint8_t)d3;
    g.b[7] = (uint8_t)(d3 >> 8);
    for (int i = 0; i < 8; i++) {
        g.b[8 + i] = (uint8_t)(d4 >> (56 - 8 * i));
    }
    return g;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The four standing host offers of the Java fake (docs/fake-choices.md): heartbeat, key-value data
 * exchange, shutdown, time synchronization; version-4 instance GUIDs from the seeded generator. */
static int32_t standing_offers(fk_world *w, uint64_t seed)
{
    static const struct {
        uint32_t d1;
        uint16_t d2, d3;
        uint64_t d4;
        const char *name;
    } std_offers[] = {
#define STANDING_OFFER_ROW(name, d1, d2, d3, d4, text) {d1##u, d2##u, d3##u, d4##ull, text},
        FAKE_STANDING_OFFERS(STANDING_OFFER_ROW)
#undef STANDING_OFFER_ROW
    };
    uint64_t x = seed;
    for (size_t i = 0; i < sizeof(std_offers) / sizeof(std_offers[0]); i++) {
        uint64_t hi = splitmix64(&x), lo = splitmix64(&x);
        hi = (hi & ~0xF000ull) | 0x4000ull;
        lo = (lo & ~(0xC000000000000000ull)) | 0x8000000000000000ull;
        kc_guid type = guid_of(std_offers[i].d1, std_offers[i].d2, std_offers[i].d3, std_offers[i].d4);
        kc_guid inst = guid_of((uint32_t)(hi >> 32), (uint16_t)(hi >> 16), (uint16_t)hi, lo);
        uint64_t offer = 0;
        int32_t st = fk_peer_offer(w, &type, &inst, 0, 0, std_offers[i].name, &offer, NULL);
        if (st < 0) {
            return st;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ transport */
/* g_machine_lock held */
static int32_t create_machine(uint64_t seed, posix_host **out)
{
    const posix_host_options options = {
        .max_handles = 1u << 16,
        .driver_version = "loopback-0.1",
        .seed = seed,
        .poison_output = 0,
    };
    int32_t st = posix_host_create(&options, out);
    if (st >= 0) {
        (void)standing_offers(posix_host_world(*out), options.seed); /* best effort: a failed offer only hides one */
    }
    return st;
}

/* g_machine_lock held: the machine exists, or is created with the requested seed; an existing one
 * cannot change its seed, so a session asking for another one is refused. */
static int32_t machine_for(const uint64_t *seed)
{
    if (g_machine == NULL) {
        return create_machine(seed != NULL ? *seed : default_seed(), &g_machine);
    }
    if (seed != NULL && fk_seed(posix_host_world(g_machine)) != *seed) {
        return KMCLB_STATUS_INVALID_DEVICE_STATE;
    }
    return KMCLB_STATUS_SUCCESS;
}

int32_t tr_open(const uint64_t *seed, void **out)
{
    *out = NULL;
    loopback_session *s = (loopback_session *)calloc(1, sizeof(loopback_session));
    if (s == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_lock(&g_machine_lock);
    int32_t st = machine_for(seed);
    if (st >= 0) {
        st = kc_session_open(posix_host_core(g_machine), &s->session);
    }
    if (st < 0) {
        pthread_mutex_unlock(&g_machine_lock);
        free(s);
        return st;
    }
    g_machine_sessions++;
    s->host = g_machine;
    pthread_mutex_unlock(&g_machine_lock);
    *out = s;
    return KMCLB_STATUS_SUCCESS;
}

void tr_shutdown(void *t)
{
    loopback_session *s = (loopback_session *)t;
    kc_session_shutdown(s->session); /* file cleanup: channels disabled and cleaned up, parked receives end */
}

void tr_free(void *t)
{
    loopback_session *s = (loopback_session *)t;
    kc_session_free(s->session);
    pthread_mutex_lock(&g_machine_lock);
    posix_host *last = NULL;
    if (--g_machine_sessions == 0) {
        last = g_machine;
        g_machine = NULL;
    }
    pthread_mutex_unlock(&g_machine_lock);
    if (last != NULL) {
        posix_host_destroy(last);
    }
    free(s);
}

int32_t tr_ioctl(void *t, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms)
{
    loopback_session *s = (loopback_session *)t;
    posix_host_output output;
    int32_t st = posix_host_ioctl(s->host, s->session, code, in, in_len, out, out_len, wait_ms, &output);
    *info = output.copied; /* what NtDeviceIoControlFile reports on Windows */
    return st;
}

int32_t tr_receive(void *t, const void *in, uint32_t in_len, kmclb_receive_out *header, void *records,
                   uint32_t capacity, uint32_t *info, int64_t wait_ms)
{
    loopback_session *s = (loopback_session *)t;
    posix_host_output output;
    int32_t st = posix_host_receive(s->host, s->session, in, in_len, header, records, capacity, wait_ms, &output);
    *info = output.copied;
    return st;
}
