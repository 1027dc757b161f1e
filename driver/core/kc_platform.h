/* kc_platform.h - what the core needs from its host: memory, one lock type, request completion.
 * Implemented by the KMDF glue (non-paged pool, WDFSPINLOCK, WdfRequestComplete) and by the
 * pthread user-mode host (native/src/loopback). The core never blocks while holding a lock and
 * never calls KMCL while holding a lock. */
#ifndef KC_PLATFORM_H
#define KC_PLATFORM_H
#include <stddef.h>
#include <stdint.h>
#include "kc_status.h"

typedef struct kc_request kc_request;

/* A device-control request as the core sees it (METHOD_BUFFERED: in and out may be the same
 * memory, so the core consumes its input before it writes output). */
struct kc_request {
    const void *in;
    uint32_t in_len;
    void *out;
    uint32_t out_len;
    uint32_t info;          /* bytes of output written; set by the core */
    void *platform;         /* host's own handle (WDFREQUEST, loopback waiter) */
    /* core-private while parked */
    kc_request *core_next;
    kc_request *core_prev;
    void *core_channel;
};

typedef struct kc_platform {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);              /* zeroed, non-paged; NULL on failure */
    void (*free)(void *ctx, void *p);
    kc_status (*lock_create)(void *ctx, void **lock);
    void (*lock_destroy)(void *ctx, void *lock);
    void (*lock_acquire)(void *ctx, void *lock);
    void (*lock_release)(void *ctx, void *lock);
    void (*sleep_ms)(void *ctx, uint32_t ms);            /* PASSIVE only: used while waiting for in-flight calls */
    /* A parked request is about to be completed by the core: returns KC_STATUS_SUCCESS when the
     * core may complete it, KC_STATUS_CANCELLED when a cancel is already running (the host's
     * cancel routine then calls kc_cancel_request and completes the request itself). */
    kc_status (*unpark)(void *ctx, kc_request *req);
    /* Marks a request cancelable before the core parks it; a failure status means it was
     * already cancelled (the core then completes it with STATUS_CANCELLED at once). */
    kc_status (*park)(void *ctx, kc_request *req);
    void (*complete)(void *ctx, kc_request *req, kc_status status);
    uint8_t (*current_irql)(void *ctx);                 /* 0 passive, 2 dispatch */
} kc_platform;

#endif
