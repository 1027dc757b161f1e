/* fakekmcl.h - a C fake of KMCL (the kc_kmcl_ops table) with the documented behaviours of
 * docs (behaviour catalog B10..B144, open questions answered as "Fake:" recommends), plus the
 * scriptable opposite endpoint ("peer") with fault injection. User mode only (pthreads).
 *
 * Defaults (KMCL does not document them, Q13) are the ones both fakes share, listed in
 * fake_defaults.h: e.g. ring 16 pages per direction (data area = pages * 4096 bytes), maximum
 * packet size 16384, transaction quota 4096 until set. */
#ifndef FAKEKMCL_H
#define FAKEKMCL_H
#include <stdint.h>
#include "fake_defaults.h"
#include "kc_kmcl_ops.h"

typedef struct fk_world fk_world;

#define FK_DEFAULT_RING_PAGES ((uint32_t)FAKE_DEFAULT_OUTGOING_RING_PAGES) /* either direction */
#define FK_PAGE_SIZE 4096u
#define FK_DEFAULT_MAX_PACKET ((uint32_t)FAKE_DEFAULT_MAXIMUM_PACKET_SIZE)

kc_status fk_world_create(uint64_t seed, fk_world **out);
/* Frees every offer, channel and packet still present. */
void fk_world_destroy(fk_world *w);
const kc_kmcl_ops *fk_ops(void);
/* IRQL the fake is simulating on the calling thread (0 passive, 2 dispatch). */
uint8_t fk_current_irql(void);
uint64_t fk_seed(fk_world *w);
/* Contract violations seen (double complete, cleanup of a non-disabled channel, ...). */
uint64_t fk_violations(fk_world *w);
/* Called (without locks held) when an offer appears or is rescinded. */
void fk_world_set_hooks(fk_world *w, void *ctx, void (*on_offer)(void *ctx, uint64_t offer, void *device),
                        void (*on_rescind)(void *ctx, uint64_t offer));

/* Ends of the system-address mappings the fake handed out (external data, GPADL mappings) not
 * yet given back through unmap_system_address: 0 once the core is done with them. */
uint64_t fk_system_mappings(fk_world *w);

/* Loopback only: the calling thread runs a request for code inside a channel's Closed handler (it
 * received the CLOSED record and has not asked for more records); until fk_leave_closed_handler
 * the fake answers SetInterruptLatency on a closed channel as inside EvtChannelClosed (B53, as
 * the Java fake; docs/fake-choices.md). */
void fk_enter_closed_handler(void);
void fk_leave_closed_handler(void);

/* ---------------------------------------------------------------- peer (host or guest side) */
kc_status fk_peer_offer(fk_world *w, const kc_guid *type, const kc_guid *instance, uint32_t mmio_megabytes,
                        uint32_t target_vtl, const char *name, uint64_t *out_offer, void **out_device);
kc_status fk_peer_rescind(fk_world *w, uint64_t offer);
/* Offers not rescinded: ids and 32 bytes of GUIDs (type, instance) each. */
kc_status fk_peer_offers(fk_world *w, uint64_t *ids, uint8_t *guids, uint32_t max, uint32_t *out_count);
const char *fk_offer_name(void *device);
void fk_offer_guids(void *device, kc_guid *type, kc_guid *instance);

kc_status fk_peer_open(kc_vmbchannel ch);
kc_status fk_peer_close(kc_vmbchannel ch);
int fk_peer_is_open(kc_vmbchannel ch);
kc_status fk_peer_send(kc_vmbchannel ch, const void *payload, uint32_t len, int completion_requested,
                       const void *ext, uint32_t ext_len, int has_ext, uint64_t *out_tx);
#define FK_OUTCOME_COMPLETED 0
#define FK_OUTCOME_FAILED 1
#define FK_OUTCOME_PENDING 2
/* Does not consume the outcome; PENDING (SUCCESS) when the packet did not end within the timeout
 * or is unknown, as the Java fake. */
kc_status fk_peer_await_outcome(kc_vmbchannel ch, uint64_t tx, int64_t timeout_ms, int *kind, void *buf,
                                uint32_t cap, uint32_t *out_len);
/* Our packets awaiting the peer's completion plus those without a completion request not yet taken
 * by fk_peer_await_received. Records in kmclb_event layout: id = tx, flags = completion requested,
 * status = ring type, payload_length, aux = external length; payload then external bytes. */
kc_status fk_peer_received(kc_vmbchannel ch, void *buf, uint32_t cap, uint32_t *out_bytes, uint32_t *out_count);
kc_status fk_peer_await_received(kc_vmbchannel ch, int64_t timeout_ms, void *buf, uint32_t cap, uint32_t *out_bytes);
kc_status fk_peer_complete(kc_vmbchannel ch, uint64_t tx, const void *payload, uint32_t len);
/* Batch peer calls, each one peer action under one lock hold (packet by packet under a Delay fault):
 * send_batch sends payloads (lengths[i] bytes each, back to back) in order and stops at the first
 * failure (*out_sent sent before it); take_received waits up to timeout_ms for the first unread
 * record as await_received, then takes more while they fit and count < max; complete_batch
 * completes txs in order with the same payload and stops at the first it does not hold. */
kc_status fk_peer_send_batch(kc_vmbchannel ch, const void *payloads, const uint32_t *lengths, uint32_t count,
                             int completion_requested, uint64_t *out_txs, uint32_t *out_sent);
kc_status fk_peer_take_received(kc_vmbchannel ch, uint32_t max, int64_t timeout_ms, void *buf, uint32_t cap,
                                uint32_t *out_bytes, uint32_t *out_count);
kc_status fk_peer_complete_batch(kc_vmbchannel ch, const uint64_t *txs, uint32_t count, const void *payload,
                                 uint32_t len, uint32_t *out_completed);
kc_status fk_peer_set_reading(kc_vmbchannel ch, int reading);
/* incoming size, incoming used, outgoing size, outgoing used, peer queued */
kc_status fk_peer_ring_status(kc_vmbchannel ch, uint32_t out[5]);
kc_status fk_peer_queue_stopped(kc_vmbchannel ch, int *stopped);

#define FK_FAULT_DELAY 1             /* arg: milliseconds */
#define FK_FAULT_RING_FULL 2         /* arg: count */
#define FK_FAULT_MALFORMED_PACKET 3
#define FK_FAULT_OVERSIZED_PACKET 4  /* arg: size */
#define FK_FAULT_ALLOCATION_FAILURE 5 /* arg: count */
#define FK_FAULT_PNP_FAILURE 6       /* arg: NTSTATUS; channel may be NULL */
#define FK_FAULT_OFFER_BURST 7       /* arg: count */
kc_status fk_peer_inject(fk_world *w, kc_vmbchannel ch /* opt */, int kind, int64_t arg);

kc_status fk_peer_map_gpadl(kc_vmbchannel ch, uint32_t handle, int read_only, uint64_t *out_mapping);
kc_status fk_mapping_read(fk_world *w, uint64_t mapping, uint32_t offset, void *buf, uint32_t len);
kc_status fk_mapping_write(fk_world *w, uint64_t mapping, uint32_t offset, const void *buf, uint32_t len);
kc_status fk_mapping_close(fk_world *w, uint64_t mapping);
kc_status fk_peer_create_gpadl(kc_vmbchannel ch, uint32_t size, int read_only, uint32_t *out_handle);
kc_status fk_peer_read_gpadl(kc_vmbchannel ch, uint32_t handle, uint32_t offset, void *buf, uint32_t len);
kc_status fk_peer_write_gpadl(kc_vmbchannel ch, uint32_t handle, uint32_t offset, const void *buf, uint32_t len);

/* on-ring size of an in-band packet with `len` payload bytes, or a GPA-direct one with ext bytes */
uint32_t fk_ring_size(uint32_t len, uint32_t ext_len, int has_ext);

#endif
