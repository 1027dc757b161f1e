/* posix_host.h - the driver core hosted in user mode on POSIX threads, over the C fake of KMCL.
 *
 * What the KMDF glue does in the kernel, this does in a process: it implements kc_platform
 * (calloc, page-aligned host-visible pages, pthread mutexes that report DISPATCH_LEVEL while held
 * like a spin lock, nanosleep, cancelable parked requests), runs device-control requests
 * the way the I/O manager runs METHOD_BUFFERED ones, and publishes every offer of the fake world
 * to the core as an endpoint (removed again when the offer is rescinded). For the C fake it also
 * marks the requests a thread makes inside a channel's Closed handler (closed_handler_window.h).
 * Used by the driver tests, the IOCTL fuzzer and the shim's loopback transport (native/). */
#ifndef POSIX_HOST_H
#define POSIX_HOST_H
#include <stdint.h>
#include "kc_core.h"
#include "fakekmcl.h"
#include "kmclbridge_protocol.h"

typedef struct posix_host posix_host;

typedef struct posix_host_options {
    uint32_t max_handles;       /* size of the core's handle table */
    const char *driver_version; /* what QUERY_VERSION reports */
    uint64_t seed;              /* seed of the fake world's random choices */
    /* Fill the output part of every system buffer with 0xCD before dispatch, so output the core
     * reports but never wrote shows up in tests (the I/O manager does not zero it either). */
    int poison_output;
    /* the KMCL the core's endpoints get: NULL for the fake's (fk_ops()); a test may pass a table
     * that wraps it to see what the core hands KMCL */
    const kc_kmcl_ops *kmcl_ops;
    /* Run the requests that may block (Disable, Pause, Cleanup, DeleteGpadl, a synchronous request
     * without timeout) on a thread of their own while the caller's request stays cancelable, as the
     * KMDF glue does with a work item (kc_platform.run_detached). 0: on the caller's thread. */
    int detach_blocking_requests;
} posix_host_options;

/* Creates the core and the fake world and wires offers to endpoints. */
kc_status posix_host_create(const posix_host_options *options, posix_host **out);
/* Every session must be closed first. */
void posix_host_destroy(posix_host *host);
kc_core *posix_host_core(posix_host *host);
fk_world *posix_host_world(posix_host *host);
/* The endpoint id the core gave a fake offer; 0 when the offer is unknown, rescinded, or the core
 * refused the endpoint. */
uint64_t posix_host_endpoint_of_offer(posix_host *host, uint64_t offer);

/* Output bytes of one request, as the core reported them and as the caller received them. */
typedef struct posix_host_output {
    uint32_t reported; /* kc_request.info as the core set it, whatever the status */
    uint32_t copied;   /* bytes copied to the caller's buffer: `reported` when the status is a success
                          or a warning and it fits out_len, else 0 (IoStatus.Information as a Windows
                          caller of DeviceIoControl sees it) */
} posix_host_output;

/* Runs one device-control request like the I/O manager runs a METHOD_BUFFERED one: a system buffer
 * of max(in_len, out_len) bytes holds the input and receives the output. When the core parks the
 * request, waits for its completion: wait_ms < 0 forever, otherwise at most wait_ms, then cancels
 * it like CancelIoEx and waits until the cancel has completed it. Returns the final status;
 * output (optional) says how many bytes came back. */
kc_status posix_host_ioctl(posix_host *host, kc_session *session, uint32_t code, const void *in, uint32_t in_len,
                           void *out, uint32_t out_len, int64_t wait_ms, posix_host_output *output);

/* RECEIVE with the records written straight into the caller's memory (no system buffer): the
 * header goes to *header, the records to records[0, capacity). Same waiting and cancel as
 * posix_host_ioctl; output->copied counts header plus records. */
kc_status posix_host_receive(posix_host *host, kc_session *session, const void *in, uint32_t in_len,
                             kmclb_receive_out *header, void *records, uint32_t capacity, int64_t wait_ms,
                             posix_host_output *output);

/* How many record-body copies the core made (copy_out) and how many of them with a platform lock
 * held by the copying thread (defect: must stay 0, the KMDF lock is a spin lock at DISPATCH). */
void posix_host_copy_counts(posix_host *host, uint64_t *copies, uint64_t *under_lock);

/* How many requests are parked (cancelable, waiting for the core) right now: lets a test wait until
 * a receive has really parked instead of sleeping and hoping. */
uint32_t posix_host_parked_requests(posix_host *host);

/* Test seam: a function the host calls at the start of every unpark (the core taking a parked
 * request back), before it looks at the request, so a test can hold the core between its claim of
 * a request and the unpark while the waiter times out and cancels. NULL removes it. */
typedef void (*posix_host_unpark_hook)(void *ctx);
void posix_host_set_unpark_hook(posix_host *host, posix_host_unpark_hook hook, void *ctx);

#endif
