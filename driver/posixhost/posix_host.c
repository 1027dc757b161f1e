/* posix_host.c - kc_platform on pthreads, METHOD_BUFFERED device control, fake offers as endpoints. */
#define _POSIX_C_SOURCE 200809L
#include "posix_host.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "closed_handler_window.h"
#include "kmclbridge_protocol.h"
#include "posix_deadline.h"

#define POSIX_HOST_MAX_OFFERS 4096u

/* Where a request run by posix_host_ioctl stands. These are the host's own states (the role of
 * WDF's cancelable-request bookkeeping), not the core's: they settle the race between the core
 * taking a parked request back (unpark) and the waiter cancelling it after its timeout. */
typedef enum posix_request_state {
    POSIX_REQUEST_IDLE,       /* inside kc_dispatch, not parked (yet) */
    POSIX_REQUEST_PARKED,     /* parked and cancelable */
    POSIX_REQUEST_CLAIMED,    /* the core took it back and completes it */
    POSIX_REQUEST_CANCELLING, /* the waiter gave up; cancelling completes it */
} posix_request_state;

typedef struct posix_request {
    kc_request request;
    posix_request_state state; /* guarded by request_lock, like done and status */
    int done;
    kc_status status;
    pthread_cond_t completed; /* signalled once, when done: only this request's waiter wakes */
} posix_request;

struct posix_host {
    kc_platform platform;
    kc_core *core;
    fk_world *world;
    int poison_output;
    pthread_mutex_t request_lock;
    uint32_t parked_requests;         /* requests in POSIX_REQUEST_PARKED, guarded by request_lock */
    posix_host_unpark_hook unpark_hook; /* test seam, guarded by request_lock like its context */
    void *unpark_hook_ctx;
    uint32_t detached_workers;        /* threads of run_detached still running, guarded by request_lock */
    pthread_cond_t detached_worker_ended;
    pthread_mutex_t offers_lock;
    uint32_t offer_count;
    uint64_t copies, copies_under_lock; /* the core's copy_out calls; atomics */
    uint64_t offer_ids[POSIX_HOST_MAX_OFFERS];
    uint64_t endpoint_ids[POSIX_HOST_MAX_OFFERS];
    const kc_kmcl_ops *kmcl_ops;             /* what endpoints get: the fake's, or a test's wrapper */
    closed_handler_windows closed_handlers; /* loopback's Closed handlers, for the fake (B53) */
};

/* ------------------------------------------------------------------ kc_platform */
static void *platform_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return calloc(1, size ? size : 1);
}

static void platform_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static kc_status platform_lock_create(void *ctx, void **lock)
{
    (void)ctx;
    pthread_mutex_t *mutex = (pthread_mutex_t *)malloc(sizeof(*mutex));
    if (mutex == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(mutex, NULL);
    *lock = mutex;
    return KMCLB_STATUS_SUCCESS;
}

static void platform_lock_destroy(void *ctx, void *lock)
{
    (void)ctx;
    pthread_mutex_destroy((pthread_mutex_t *)lock);
    free(lock);
}

/* Core locks the calling thread holds: a WDFSPINLOCK raises the IRQL to DISPATCH_LEVEL while it is
 * held, and current_irql reports that, so sampling the IRQL under the lock shows here too. */
static _Thread_local uint32_t core_locks_held;

static void platform_lock_acquire(void *ctx, void *lock)
{
    (void)ctx;
    pthread_mutex_lock((pthread_mutex_t *)lock);
    core_locks_held++;
}

static void platform_lock_release(void *ctx, void *lock)
{
    (void)ctx;
    core_locks_held--;
    pthread_mutex_unlock((pthread_mutex_t *)lock);
}

/* Whole pages of their own, as the KMDF glue's page-sized pool allocations (kc_platform.h). */
static void *platform_alloc_host_visible(void *ctx, size_t size)
{
    (void)ctx;
    size_t pages = (size ? size : 1) + KC_HOST_PAGE_SIZE - 1;
    pages -= pages % KC_HOST_PAGE_SIZE;
    void *p = aligned_alloc(KC_HOST_PAGE_SIZE, pages);
    if (p != NULL) {
        memset(p, 0, pages);
    }
    return p;
}

static void platform_free_host_visible(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static void platform_copy_out(void *ctx, void *dst, const void *src, size_t n)
{
    posix_host *host = (posix_host *)ctx;
    __atomic_add_fetch(&host->copies, 1, __ATOMIC_RELAXED);
    if (core_locks_held > 0) {
        __atomic_add_fetch(&host->copies_under_lock, 1, __ATOMIC_RELAXED);
    }
    memcpy(dst, src, n);
}

static void platform_sleep_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec duration = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&duration, NULL);
}

/* The two moves the core makes: park (any state but CANCELLING becomes PARKED; a request the core
 * claimed may be parked again) and unpark (PARKED becomes CLAIMED). A refused move means the
 * waiter's cancel got there first: STATUS_CANCELLED, and the core and the cancel path settle who
 * completes the request (kc_request_state in kc_platform.h). */
static kc_status move_request(posix_host *host, kc_request *request, posix_request_state to)
{
    posix_request *waiter = (posix_request *)request->platform;
    pthread_mutex_lock(&host->request_lock);
    int allowed = to == POSIX_REQUEST_PARKED ? waiter->state != POSIX_REQUEST_CANCELLING
                                             : waiter->state == POSIX_REQUEST_PARKED;
    if (allowed) {
        if (to == POSIX_REQUEST_PARKED && waiter->state != POSIX_REQUEST_PARKED) {
            host->parked_requests++;
        } else if (to != POSIX_REQUEST_PARKED) {
            host->parked_requests--;
        }
        waiter->state = to;
    }
    pthread_mutex_unlock(&host->request_lock);
    return allowed ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_CANCELLED;
}

static kc_status platform_park(void *ctx, kc_request *request)
{
    return move_request((posix_host *)ctx, request, POSIX_REQUEST_PARKED);
}

static kc_status platform_unpark(void *ctx, kc_request *request)
{
    posix_host *host = (posix_host *)ctx;
    pthread_mutex_lock(&host->request_lock);
    posix_host_unpark_hook hook = host->unpark_hook;
    void *hook_ctx = host->unpark_hook_ctx;
    pthread_mutex_unlock(&host->request_lock);
    if (hook != NULL) {
        hook(hook_ctx);
    }
    return move_request(host, request, POSIX_REQUEST_CLAIMED);
}

static void platform_complete(void *ctx, kc_request *request, kc_status status)
{
    posix_host *host = (posix_host *)ctx;
    posix_request *waiter = (posix_request *)request->platform;
    pthread_mutex_lock(&host->request_lock);
    waiter->status = status;
    waiter->done = 1;
    pthread_cond_signal(&waiter->completed);
    pthread_mutex_unlock(&host->request_lock);
}

static uint8_t platform_current_irql(void *ctx)
{
    (void)ctx;
    if (core_locks_held > 0) {
        return KMCLB_IRQL_DISPATCH; /* a spin lock is held */
    }
    return fk_current_irql(); /* the fake simulates DISPATCH_LEVEL callbacks per thread */
}

/* run_detached: one thread per request; posix_host_destroy waits until every one has ended */
typedef struct detached_work {
    posix_host *host;
    void (*work)(void *arg);
    void *arg;
} detached_work;

static void *detached_thread(void *p)
{
    detached_work job = *(detached_work *)p;
    free(p);
    job.work(job.arg);
    pthread_mutex_lock(&job.host->request_lock);
    job.host->detached_workers--;
    pthread_cond_broadcast(&job.host->detached_worker_ended);
    pthread_mutex_unlock(&job.host->request_lock);
    return NULL;
}

static kc_status platform_run_detached(void *ctx, const kc_request *request, void (*work)(void *arg), void *arg)
{
    (void)request;
    posix_host *host = (posix_host *)ctx;
    detached_work *job = (detached_work *)malloc(sizeof(*job));
    if (job == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    *job = (detached_work){host, work, arg};
    pthread_mutex_lock(&host->request_lock);
    host->detached_workers++;
    pthread_mutex_unlock(&host->request_lock);
    pthread_t thread;
    if (pthread_create(&thread, NULL, detached_thread, job) != 0) {
        free(job);
        pthread_mutex_lock(&host->request_lock);
        host->detached_workers--;
        pthread_mutex_unlock(&host->request_lock);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_detach(thread);
    return KMCLB_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ fake offers as endpoints */
static void on_offer(void *ctx, uint64_t offer, void *device)
{
    posix_host *host = (posix_host *)ctx;
    kc_guid type, instance;
    fk_offer_guids(device, &type, &instance);
    uint64_t endpoint = 0;
    if (kc_endpoint_add(host->core, host->kmcl_ops, device, &type, &instance, fk_offer_name(device), &endpoint) < 0) {
        return;
    }
    pthread_mutex_lock(&host->offers_lock);
    if (host->offer_count < POSIX_HOST_MAX_OFFERS) {
        host->offer_ids[host->offer_count] = offer;
        host->endpoint_ids[host->offer_count] = endpoint;
        host->offer_count++;
    }
    pthread_mutex_unlock(&host->offers_lock);
}

static uint64_t find_endpoint(posix_host *host, uint64_t offer, int forget)
{
    uint64_t endpoint = 0;
    pthread_mutex_lock(&host->offers_lock);
    for (uint32_t i = 0; i < host->offer_count; i++) {
        if (host->offer_ids[i] == offer) {
            endpoint = host->endpoint_ids[i];
            if (forget) {
                host->offer_count--;
                host->offer_ids[i] = host->offer_ids[host->offer_count];
                host->endpoint_ids[i] = host->endpoint_ids[host->offer_count];
            }
            break;
        }
    }
    pthread_mutex_unlock(&host->offers_lock);
    return endpoint;
}

static void on_rescind(void *ctx, uint64_t offer)
{
    posix_host *host = (posix_host *)ctx;
    uint64_t endpoint = find_endpoint(host, offer, 1);
    if (endpoint != 0) {
        kc_endpoint_remove(host->core, endpoint);
    }
}

uint64_t posix_host_endpoint_of_offer(posix_host *host, uint64_t offer)
{
    return find_endpoint(host, offer, 0);
}

/* ------------------------------------------------------------------ lifetime */
static void free_host(posix_host *host)
{
    pthread_mutex_destroy(&host->request_lock);
    pthread_cond_destroy(&host->detached_worker_ended);
    pthread_mutex_destroy(&host->offers_lock);
    closed_handler_windows_destroy(&host->closed_handlers);
    free(host);
}

kc_status posix_host_create(const posix_host_options *options, posix_host **out)
{
    *out = NULL;
    posix_host *host = (posix_host *)calloc(1, sizeof(*host));
    if (host == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_init(&host->request_lock, NULL);
    pthread_cond_init(&host->detached_worker_ended, NULL);
    pthread_mutex_init(&host->offers_lock, NULL);
    closed_handler_windows_init(&host->closed_handlers);
    host->poison_output = options->poison_output;
    host->kmcl_ops = options->kmcl_ops != NULL ? options->kmcl_ops : fk_ops();
    host->platform = (kc_platform){
        .ctx = host,
        .alloc = platform_alloc,
        .free = platform_free,
        .lock_create = platform_lock_create,
        .lock_destroy = platform_lock_destroy,
        .lock_acquire = platform_lock_acquire,
        .lock_release = platform_lock_release,
        .sleep_ms = platform_sleep_ms,
        .park = platform_park,
        .unpark = platform_unpark,
        .complete = platform_complete,
        .current_irql = platform_current_irql,
        .alloc_host_visible = platform_alloc_host_visible,
        .free_host_visible = platform_free_host_visible,
        .run_detached = options->detach_blocking_requests ? platform_run_detached : NULL,
        .copy_out = platform_copy_out,
    };
    kc_status status = kc_core_create(&host->platform, options->max_handles, options->driver_version, &host->core);
    if (status >= 0) {
        status = fk_world_create(options->seed, &host->world);
        if (status < 0) {
            kc_core_destroy(host->core);
        }
    }
    if (status < 0) {
        free_host(host);
        return status;
    }
    fk_world_set_hooks(host->world, host, on_offer, on_rescind);
    *out = host;
    return KMCLB_STATUS_SUCCESS;
}

void posix_host_destroy(posix_host *host)
{
    pthread_mutex_lock(&host->request_lock);
    while (host->detached_workers != 0) {
        pthread_cond_wait(&host->detached_worker_ended, &host->request_lock);
    }
    pthread_mutex_unlock(&host->request_lock);
    fk_world_destroy(host->world);
    kc_core_destroy(host->core);
    free_host(host);
}

kc_core *posix_host_core(posix_host *host)
{
    return host->core;
}

fk_world *posix_host_world(posix_host *host)
{
    return host->world;
}

/* ------------------------------------------------------------------ device control */
/* NT_SUCCESS or NT_WARNING: the statuses for which the I/O manager copies METHOD_BUFFERED output */
static int status_carries_output(kc_status status)
{
    return status >= 0 || ((uint32_t)status >> 30) == 2u;
}

/* A parked request: wait for the core to complete it, or cancel it once wait_ms has passed. */
static kc_status wait_for_completion(posix_host *host, posix_request *waiter, int64_t wait_ms)
{
    struct timespec deadline = posix_deadline_after_ms(wait_ms);
    pthread_mutex_lock(&host->request_lock);
    while (!waiter->done) {
        if (wait_ms < 0) {
            pthread_cond_wait(&waiter->completed, &host->request_lock);
        } else if (pthread_cond_timedwait(&waiter->completed, &host->request_lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    if (!waiter->done && waiter->state == POSIX_REQUEST_PARKED) {
        /* the host's cancel routine: the core either hands the request back to complete here, or
         * (still parking it, or claimed by it and about to unpark) completes it itself */
        waiter->state = POSIX_REQUEST_CANCELLING;
        host->parked_requests--;
        pthread_mutex_unlock(&host->request_lock);
        if (kc_cancel_request(host->core, &waiter->request)) {
            platform_complete(host, &waiter->request, KMCLB_STATUS_CANCELLED);
        }
        pthread_mutex_lock(&host->request_lock);
    }
    while (!waiter->done) {
        pthread_cond_wait(&waiter->completed, &host->request_lock);
    }
    pthread_mutex_unlock(&host->request_lock);
    return waiter->status;
}

/* Runs a request whose buffers are ready (request.in/out/records_out set): dispatch, then the wait
 * for a parked one. The waiter lives on this stack until its request completed. */
static kc_status run_request(posix_host *host, kc_session *session, uint32_t code, posix_request *waiter,
                             int64_t wait_ms)
{
    waiter->request.platform = waiter;
    waiter->state = POSIX_REQUEST_IDLE;
    pthread_cond_init(&waiter->completed, NULL);
    int in_closed_handler = closed_handler_before_request(&host->closed_handlers, session, code, waiter->request.in,
                                                          waiter->request.in_len);
    if (in_closed_handler) {
        fk_enter_closed_handler();
    }
    kc_status status = kc_dispatch(session, code, &waiter->request);
    if (in_closed_handler) {
        fk_leave_closed_handler();
    }
    if (status == KMCLB_STATUS_PENDING) {
        status = wait_for_completion(host, waiter, wait_ms);
    }
    pthread_cond_destroy(&waiter->completed);
    return status;
}

/* requests up to this size use a system buffer on the stack (no allocation per call) */
#define POSIX_HOST_STACK_BUFFER 8192u

kc_status posix_host_ioctl(posix_host *host, kc_session *session, uint32_t code, const void *in, uint32_t in_len,
                           void *out, uint32_t out_len, int64_t wait_ms, posix_host_output *output)
{
    posix_host_output ignored;
    if (output == NULL) {
        output = &ignored;
    }
    output->reported = 0;
    output->copied = 0;
    uint32_t system_length = in_len > out_len ? in_len : out_len;
    _Alignas(16) uint8_t stack_buffer[POSIX_HOST_STACK_BUFFER];
    uint8_t *system_buffer = system_length <= sizeof(stack_buffer) ? stack_buffer
                                                                    : (uint8_t *)malloc(system_length);
    if (system_buffer == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (in_len > 0) {
        memcpy(system_buffer, in, in_len);
    }
    if (host->poison_output && out_len > in_len) {
        memset(system_buffer + in_len, 0xCD, out_len - in_len);
    }
    posix_request waiter;
    memset(&waiter, 0, sizeof(waiter));
    waiter.request.in = system_buffer;
    waiter.request.in_len = in_len;
    waiter.request.out = out_len ? system_buffer : NULL;
    waiter.request.out_len = out_len;
    kc_status status = run_request(host, session, code, &waiter, wait_ms);
    output->reported = waiter.request.info;
    if (status_carries_output(status) && waiter.request.info > 0 && waiter.request.info <= out_len) {
        memcpy(out, system_buffer, waiter.request.info);
        output->copied = waiter.request.info;
        if (code == IOCTL_KMCLB_RECEIVE && output->copied >= sizeof(kmclb_receive_out)) {
            closed_handler_after_receive(&host->closed_handlers, session, in, in_len, (const kmclb_receive_out *)out,
                                         (const uint8_t *)out + sizeof(kmclb_receive_out),
                                         output->copied - (uint32_t)sizeof(kmclb_receive_out));
        }
    }
    if (system_buffer != stack_buffer) {
        free(system_buffer);
    }
    return status;
}

kc_status posix_host_receive(posix_host *host, kc_session *session, const void *in, uint32_t in_len,
                             kmclb_receive_out *header, void *records, uint32_t capacity, int64_t wait_ms,
                             posix_host_output *output)
{
    output->reported = 0;
    output->copied = 0;
    /* the input is consumed before any output is written, but it must not alias the header */
    _Alignas(16) uint8_t input[POSIX_HOST_STACK_BUFFER];
    if (in_len > sizeof(input) || capacity > UINT32_MAX - sizeof(kmclb_receive_out)) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    memcpy(input, in, in_len);
    posix_request waiter;
    memset(&waiter, 0, sizeof(waiter));
    waiter.request.in = input;
    waiter.request.in_len = in_len;
    waiter.request.out = header;
    waiter.request.out_len = (uint32_t)sizeof(kmclb_receive_out) + capacity;
    waiter.request.records_out = capacity > 0 ? records : NULL;
    kc_status status = run_request(host, session, IOCTL_KMCLB_RECEIVE, &waiter, wait_ms);
    output->reported = waiter.request.info;
    if (status_carries_output(status) && waiter.request.info <= waiter.request.out_len) {
        output->copied = waiter.request.info;
        if (output->copied >= sizeof(kmclb_receive_out)) {
            closed_handler_after_receive(&host->closed_handlers, session, input, in_len, header, records,
                                         output->copied - (uint32_t)sizeof(kmclb_receive_out));
        }
    }
    return status;
}

void posix_host_copy_counts(posix_host *host, uint64_t *copies, uint64_t *under_lock)
{
    *copies = __atomic_load_n(&host->copies, __ATOMIC_RELAXED);
    *under_lock = __atomic_load_n(&host->copies_under_lock, __ATOMIC_RELAXED);
}

uint32_t posix_host_parked_requests(posix_host *host)
{
    pthread_mutex_lock(&host->request_lock);
    uint32_t parked = host->parked_requests;
    pthread_mutex_unlock(&host->request_lock);
    return parked;
}

void posix_host_set_unpark_hook(posix_host *host, posix_host_unpark_hook hook, void *ctx)
{
    pthread_mutex_lock(&host->request_lock);
    host->unpark_hook = hook;
    host->unpark_hook_ctx = ctx;
    pthread_mutex_unlock(&host->request_lock);
}
