/* kc_platform.h - what the core needs from its host: memory, one lock type, request completion.
 * Implemented by the KMDF glue (non-paged pool, WDFSPINLOCK, WdfRequestComplete) and by the
 * pthread user-mode host (driver/posixhost: loopback transport, tests, fuzzer). The core never blocks while holding a lock and
 * never calls KMCL while holding a lock. */
#ifndef KC_PLATFORM_H
#define KC_PLATFORM_H
#include <stddef.h>
#include <stdint.h>
#include "kc_list.h"
#include "kc_status.h"

typedef struct kc_request kc_request;

/* Where a receive request stands with the core while it waits for records (kc_request.core_state).
 * Only the core reads and writes it, under its lock; hosts never touch it.
 *
 * Who completes a parked request, decided under the core lock so that exactly one side does and
 * the host never completes a request the core still uses:
 *   - the core, after a successful unpark (it claimed the request first);
 *   - the host's cancel routine, when kc_cancel_request returns 1 (the request was PARKED, or the
 *     core's unpark had already failed: UNPARK_REFUSED);
 *   - the core, when its unpark fails after the cancel routine ran on the CLAIMED request
 *     (CANCELLED_WHILE_CLAIMED: kc_cancel_request returned 0);
 *   - the dispatch caller, when the request was cancelled while PARKING (kc_dispatch returns
 *     STATUS_CANCELLED). */
typedef enum kc_request_state {
    KC_REQUEST_NOT_PARKED = 0,          /* the core has not parked it (or no longer tracks it) */
    KC_REQUEST_PARKING = 1,             /* in the channel's list while the host makes it cancelable;
                                           claimers skip it */
    KC_REQUEST_PARKED = 2,              /* cancelable and in the list: the core may claim and complete it */
    KC_REQUEST_CLAIMED = 3,             /* taken out of the list by the core, which calls unpark next */
    KC_REQUEST_CANCEL_WHILE_PARKING = 4, /* cancelled while PARKING: the parking thread fails it */
    KC_REQUEST_CANCELLED_WHILE_CLAIMED = 5, /* the cancel routine ran while CLAIMED: the core's unpark
                                               fails and the core completes it */
    KC_REQUEST_UNPARK_REFUSED = 6       /* the core's unpark failed before the cancel routine ran:
                                           that routine completes it */
} kc_request_state;

/* A device-control request as the core sees it (METHOD_BUFFERED: in and out may be the same
 * memory, so the core consumes its input before it writes output). */
struct kc_request {
    const void *in;
    uint32_t in_len;
    void *out;
    uint32_t out_len;
    uint32_t info;          /* bytes of output written; set by the core */
    /* RECEIVE only, optional: where its records go instead of right after its header in `out` (a
     * host that hands the core the caller's own buffer; `out` then holds the header only, and
     * out_len still counts header plus records). NULL in the KMDF glue. */
    void *records_out;
    void *platform;         /* host's own handle (WDFREQUEST, loopback waiter) */
    /* core-private while parked */
    kc_list_node core_link; /* in its channel's parked receives */
    void *core_channel;
    kc_request_state core_state;
    /* core-private: the detached run of a request that may block (kc_detached.c), or NULL */
    void *core_detached;
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
    /* Makes a request cancelable (WdfRequestMarkCancelableEx). A failure means it was already
     * cancelled; the cancel routine is then never called and the core fails the request. */
    kc_status (*park)(void *ctx, kc_request *req);
    /* Takes a claimed request back before the core completes it (WdfRequestUnmarkCancelable).
     * KMCLB_STATUS_CANCELLED when its cancel routine has run or will run: that routine calls
     * kc_cancel_request and completes the request only when it returns 1 (see kc_request_state;
     * until the core's unpark has failed it returns 0 and the core completes the request). The
     * host must not complete a request from its cancel routine otherwise. park/unpark are never
     * called with the core lock held (a cancel routine takes that lock). */
    kc_status (*unpark)(void *ctx, kc_request *req);
    void (*complete)(void *ctx, kc_request *req, kc_status status);
    uint8_t (*current_irql)(void *ctx);                 /* 0 passive, 2 dispatch */
    /* Memory the host on the other side of VMBus sees (external data of MDL and PFN sends, GPADL
     * buffers): size bytes at the start of whole pages of KC_HOST_PAGE_SIZE that nothing else
     * shares, zeroed to the end of the last page, non-paged; NULL on failure. KMCL hands the host
     * whole pages (and the PFN form has no byte offset), so anything else in those pages would be
     * disclosed to the host. free_host_visible gets the size given to alloc_host_visible. */
    void *(*alloc_host_visible)(void *ctx, size_t size);
    void (*free_host_visible)(void *ctx, void *p, size_t size);
    /* Optional (NULL: requests that may block run on the caller's thread, uncancelably). Runs
     * work(arg) once, at PASSIVE, on a thread of the host's (a system work item in the kernel), so
     * that a request whose KMCL call waits for the host (Disable, Pause, a synchronous request
     * without timeout, Cleanup, DeleteGpadl) is pended and stays cancelable (kc_detached.c). req is
     * the caller's request (parked; the host may take its device from it, not touch it otherwise). A
     * failure means work will not run. */
    kc_status (*run_detached)(void *ctx, const kc_request *req, void (*work)(void *arg), void *arg);
    /* Optional (NULL: memcpy): copies record bodies into a request's output; always called
     * without the core lock (a test host checks that). */
    void (*copy_out)(void *ctx, void *dst, const void *src, size_t n);
} kc_platform;

/* The page size of VMBus (PFNs, GPADLs): 4 KiB on every architecture Hyper-V runs. */
#define KC_HOST_PAGE_SIZE 4096u

#endif
