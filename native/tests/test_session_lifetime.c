/* The shim's session lifetime (issue 9, defect 9): the transport is closed on the session's last
 * reference, never while a call is inside it, and shut down exactly once. The shim is linked here
 * with a recording transport instead of a real one; the recording transport plays the win32 rules:
 * a request parks until shutdown, a request issued after shutdown returns at once, and a transport
 * used after tr_free is an error (ASan also reports the freed memory). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kmclshim.h"
#include "kmclbridge_protocol.h"
#include "transport.h"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* ------------------------------------------------------------------ the recording transport */
typedef struct recording_transport {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int shut_down;        /* tr_shutdown ran */
    int shutdown_calls;   /* how often */
    int inside;           /* threads inside tr_ioctl */
    int parked;           /* of those, parked receives */
    int hold_parked_exit; /* a parked receive woken by shutdown stays inside until this is 0 */
} recording_transport;

static pthread_mutex_t g_record_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_record_changed = PTHREAD_COND_INITIALIZER;
static recording_transport *g_last_opened;
static int g_opened, g_freed;

const int32_t tr_kind = KMCLSHIM_TRANSPORT_WIN32;

int32_t tr_open(const uint64_t *seed, void **out)
{
    (void)seed;
    recording_transport *t = calloc(1, sizeof(*t));
    CHECK(t != NULL);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->changed, NULL);
    pthread_mutex_lock(&g_record_lock);
    g_last_opened = t;
    g_opened++;
    pthread_mutex_unlock(&g_record_lock);
    *out = t;
    return KMCLB_STATUS_SUCCESS;
}

void tr_shutdown(void *p)
{
    recording_transport *t = p;
    pthread_mutex_lock(&t->lock);
    t->shut_down = 1;
    t->shutdown_calls++;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_lock(&g_record_lock);
    pthread_cond_broadcast(&g_record_changed);
    pthread_mutex_unlock(&g_record_lock);
}

void tr_free(void *p)
{
    recording_transport *t = p;
    pthread_mutex_lock(&t->lock);
    CHECK(t->inside == 0);         /* the handle is closed only when no call uses it */
    CHECK(t->shutdown_calls == 1); /* shut down once, before the close */
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->changed);
    free(t);
    pthread_mutex_lock(&g_record_lock);
    g_freed++;
    pthread_cond_broadcast(&g_record_changed);
    pthread_mutex_unlock(&g_record_lock);
}

int32_t tr_ioctl(void *p, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms)
{
    (void)in;
    (void)in_len;
    (void)wait_ms;
    recording_transport *t = p;
    int32_t st = KMCLB_STATUS_SUCCESS;
    *info = 0;
    pthread_mutex_lock(&t->lock);
    t->inside++;
    if (t->shut_down) {
        st = KMCLB_STATUS_INVALID_HANDLE;
    } else if (code == IOCTL_KMCLB_QUERY_VERSION && out_len >= sizeof(kmclb_version_out)) {
        kmclb_version_out v;
        memset(&v, 0, sizeof(v));
        v.protocol_version = KMCLB_PROTOCOL_VERSION;
        memcpy(out, &v, sizeof(v));
        *info = sizeof(v);
    } else if (code == IOCTL_KMCLB_RECEIVE) {
        t->parked++;
        pthread_cond_broadcast(&t->changed);
        while (!t->shut_down || t->hold_parked_exit) {
            pthread_cond_wait(&t->changed, &t->lock);
        }
        t->parked--;
        st = KMCLB_STATUS_CANCELLED;
    }
    t->inside--;
    pthread_mutex_unlock(&t->lock);
    return st;
}

/* ------------------------------------------------------------------ helpers */
static struct timespec deadline_in(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* waits (bounded) until the transport's parked count reaches `parked` */
static void await_parked(recording_transport *t, int parked)
{
    struct timespec until = deadline_in(10000);
    pthread_mutex_lock(&t->lock);
    while (t->parked != parked) {
        CHECK(pthread_cond_timedwait(&t->changed, &t->lock, &until) == 0);
    }
    pthread_mutex_unlock(&t->lock);
}

/* waits (bounded) for g_freed to reach `freed`; returns whether it did within ms */
static int await_freed(int freed, long ms)
{
    struct timespec until = deadline_in(ms);
    int reached = 1;
    pthread_mutex_lock(&g_record_lock);
    while (g_freed != freed && reached) {
        reached = pthread_cond_timedwait(&g_record_changed, &g_record_lock, &until) == 0;
    }
    reached = g_freed == freed;
    pthread_mutex_unlock(&g_record_lock);
    return reached;
}

static int counter(const int *which)
{
    pthread_mutex_lock(&g_record_lock);
    int value = *which;
    pthread_mutex_unlock(&g_record_lock);
    return value;
}

static recording_transport *last_opened(void)
{
    pthread_mutex_lock(&g_record_lock);
    recording_transport *t = g_last_opened;
    pthread_mutex_unlock(&g_record_lock);
    return t;
}

typedef struct {
    int64_t session;
    int32_t st;
} call_arg;

static void *receive_forever(void *p)
{
    call_arg *a = p;
    uint8_t buf[64];
    int32_t bytes = 0, records = 0, needed = 0;
    a->st = kmclshim_receive(a->session, 1, buf, sizeof(buf), -1, &bytes, &records, &needed);
    return NULL;
}

static void *close_session(void *p)
{
    call_arg *a = p;
    a->st = kmclshim_close(a->session);
    return NULL;
}

/* calls until the session is gone; every answer is success or a closed-session status */
static void *query_until_closed(void *p)
{
    call_arg *a = p;
    for (;;) {
        int32_t protocol = 0, kmcl_version = 0;
        char driver_version[32];
        int32_t st = kmclshim_query_version(a->session, &protocol, &kmcl_version, driver_version);
        if (st == KMCLB_STATUS_INVALID_HANDLE) {
            a->st = st;
            return NULL;
        }
        CHECK(st == KMCLB_STATUS_SUCCESS);
    }
}

/* ------------------------------------------------------------------ tests */
/* A receive is inside the transport when close starts, and stays there after the shutdown woke it:
 * close shuts the transport down once and closes it only after the receive left. */
static void close_waits_for_the_last_call_before_closing_the_transport(void)
{
    int freed_before = counter(&g_freed);
    call_arg receiver = {0, 0}, closer = {0, 0};
    CHECK(kmclshim_open(&receiver.session) == KMCLB_STATUS_SUCCESS);
    recording_transport *t = last_opened();
    pthread_mutex_lock(&t->lock);
    t->hold_parked_exit = 1;
    pthread_mutex_unlock(&t->lock);

    pthread_t receive_thread, close_thread;
    CHECK(pthread_create(&receive_thread, NULL, receive_forever, &receiver) == 0);
    await_parked(t, 1);
    closer.session = receiver.session;
    CHECK(pthread_create(&close_thread, NULL, close_session, &closer) == 0);

    /* the shutdown reached the transport, the receive is still inside: no close may happen now; the
     * bounded wait gives a wrong implementation the time to close early (a correct one never does) */
    CHECK(!await_freed(freed_before + 1, 200));
    pthread_mutex_lock(&t->lock);
    CHECK(t->shutdown_calls == 1); /* once, not repeated while waiting */
    CHECK(t->inside == 1);
    t->hold_parked_exit = 0;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);

    CHECK(pthread_join(receive_thread, NULL) == 0);
    CHECK(pthread_join(close_thread, NULL) == 0);
    CHECK(receiver.st == KMCLB_STATUS_TIMEOUT); /* the shim reports a cancelled receive as its timeout */
    CHECK(closer.st == KMCLB_STATUS_SUCCESS);
    CHECK(await_freed(freed_before + 1, 10000));
    CHECK(kmclshim_close(receiver.session) == KMCLB_STATUS_INVALID_HANDLE);
}

/* Many threads call while another closes: every call ends with success or INVALID_HANDLE, the
 * transport is closed exactly once per session and never under a running call (tr_free checks). */
static void close_under_concurrent_calls_closes_each_transport_once(void)
{
    enum { ROUNDS = 100, CALLERS = 4 };
    int opened_before = counter(&g_opened), freed_before = counter(&g_freed);
    for (int round = 0; round < ROUNDS; round++) {
        int64_t session = 0;
        CHECK(kmclshim_open(&session) == KMCLB_STATUS_SUCCESS);
        call_arg callers[CALLERS + 1];
        pthread_t threads[CALLERS + 1];
        for (int i = 0; i < CALLERS; i++) {
            callers[i].session = session;
            callers[i].st = 0;
            CHECK(pthread_create(&threads[i], NULL, query_until_closed, &callers[i]) == 0);
        }
        callers[CALLERS].session = session;
        callers[CALLERS].st = 0;
        CHECK(pthread_create(&threads[CALLERS], NULL, receive_forever, &callers[CALLERS]) == 0);
        if (round % 2 == 0) {
            await_parked(last_opened(), 1); /* half the rounds close with the receive parked */
        }
        CHECK(kmclshim_close(session) == KMCLB_STATUS_SUCCESS);
        for (int i = 0; i <= CALLERS; i++) {
            CHECK(pthread_join(threads[i], NULL) == 0);
        }
        for (int i = 0; i < CALLERS; i++) {
            CHECK(callers[i].st == KMCLB_STATUS_INVALID_HANDLE);
        }
        CHECK(callers[CALLERS].st == KMCLB_STATUS_TIMEOUT || callers[CALLERS].st == KMCLB_STATUS_INVALID_HANDLE);
        CHECK(counter(&g_freed) == freed_before + round + 1); /* close returned: the transport is closed */
    }
    CHECK(counter(&g_opened) == opened_before + ROUNDS);
}

int main(void)
{
    close_waits_for_the_last_call_before_closing_the_transport();
    close_under_concurrent_calls_closes_each_transport_once();
    printf("test_session_lifetime: ok\n");
    return 0;
}
