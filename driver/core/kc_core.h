/* kc_core.h - the portable driver core: sessions (one per file handle), endpoints (one per filter
 * instance / KMCL provider), IOCTL dispatch, KMCL callbacks. Portable C11, no WDK headers. */
#ifndef KC_CORE_H
#define KC_CORE_H
#include <stdint.h>
#include "kc_platform.h"
#include "kc_kmcl_ops.h"

typedef struct kc_core kc_core;
typedef struct kc_session kc_session;

kc_status kc_core_create(const kc_platform *p, uint32_t max_handles, const char *driver_version, kc_core **out);
/* All sessions must be closed first. */
void kc_core_destroy(kc_core *c);

/* An endpoint = a device whose KMCL table the core may use. ops and device must stay valid until
 * every channel allocated on the endpoint has been cleaned up. */
kc_status kc_endpoint_add(kc_core *c, const kc_kmcl_ops *ops, void *device, const kc_guid *type,
                          const kc_guid *instance, const char *name, uint64_t *out_id);
/* An endpoint that admits one channel at a time: a VMBus offer admits one open, so a device the
 * driver is function driver of gets one channel; creating a second while the first exists (until its
 * cleanup) fails with KMCLB_STATUS_CHANNEL_ALREADY_OPEN. Endpoints admit many channels by default
 * (the fake's offers, loopback). */
kc_status kc_endpoint_set_single_channel(kc_core *c, uint64_t id, int single);
/* Unlists an endpoint (new allocations fail); existing channels are not touched. */
kc_status kc_endpoint_remove(kc_core *c, uint64_t id);
/* Device removal: disables and cleans up every channel allocated on the endpoint (their ids go
 * stale, parked receives end with STATUS_CANCELLED, held packets are retired), then unlists it.
 * After it returns the core no longer uses the endpoint's ops or device. PASSIVE only. */
kc_status kc_endpoint_teardown(kc_core *c, uint64_t id);

kc_status kc_session_open(kc_core *c, kc_session **out);
/* File cleanup (IRP_MJ_CLEANUP): retires every held packet, disables and cleans up every owned
 * channel, completes every parked request. Afterwards every dispatch on the session fails with
 * STATUS_INVALID_HANDLE. Blocks (PASSIVE) until in-flight calls finish. Idempotent. */
void kc_session_shutdown(kc_session *s);
/* Frees a session after kc_session_shutdown (IRP_MJ_CLOSE: no request can arrive any more). */
void kc_session_free(kc_session *s);
/* kc_session_shutdown + kc_session_free */
void kc_session_close(kc_session *s);

/* Decodes, validates and executes one device-control request. Returns KMCLB_STATUS_PENDING when the
 * request was parked (it is completed later through kc_platform.complete); otherwise the caller
 * completes it with the returned status and req->info bytes of output. A request whose KMCL call may
 * wait for the host (kc_detached.c) is parked and run on kc_platform.run_detached when the host has
 * one. */
kc_status kc_dispatch(kc_session *s, uint32_t code, kc_request *req);

/* Host cancel routine (called once, only for a request the host made cancelable in park): takes
 * the request away from the core. Returns 1 when the host must complete it with STATUS_CANCELLED
 * now, 0 when the host must leave it alone because the core completes it: it was still being
 * parked (kc_dispatch then returns STATUS_CANCELLED for it), or the core has claimed it and
 * completes it with STATUS_CANCELLED once its unpark fails (kc_platform.h, kc_request_state). */
int kc_cancel_request(kc_core *c, kc_request *req);

/* Test only: the KMCL channel behind a channel id, ignoring ownership (no reference). */
kc_status kc_peer_resolve_channel(kc_core *c, uint64_t id, kc_vmbchannel *out);
/* Loopback peer: the KMCL channel behind a channel id, ignoring ownership, with a reference that
 * keeps the channel from being cleaned up until kc_peer_release(token). */
kc_status kc_peer_acquire(kc_core *c, uint64_t id, kc_vmbchannel *out, void **token);
void kc_peer_release(kc_core *c, void *token);
/* Diagnostics for leak tests. */
uint32_t kc_core_live_handles(kc_core *c);
uint32_t kc_core_session_count(kc_core *c);

#endif
