/* kmclshim.h - flat C API of the bridge for JNA direct mapping.
 *
 * Rules: primitives and pointers only; every function returns an int32 NTSTATUS; outputs go
 * through pointers; batch calls stay batches. A session is one
 * handle to the driver (win32: a file handle on \\.\KmclBridge; loopback: a session on the
 * in-process driver core over the C fake of KMCL). Sessions are int64 handles. Every function is
 * thread safe; no function may be called with a session after kmclshim_close returned.
 *
 * Each function maps to one Backend SPI method (dev.kmclbridge.spi.Backend) and to exactly one
 * IOCTL (kmclshim_complete_batch: one per 4096 packets). kmclshim_peer_* exist in the loopback
 * build only; the win32 build returns STATUS_NOT_SUPPORTED (0xC00000BB) for them. */
#ifndef KMCLSHIM_H
#define KMCLSHIM_H
#include <stdint.h>

#if defined(_WIN32)
#define KMCLSHIM_API __declspec(dllexport)
#else
#define KMCLSHIM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define KMCLSHIM_TRANSPORT_LOOPBACK 1
#define KMCLSHIM_TRANSPORT_WIN32 2

/* kmclshim_configure values[] indices (KMCLB_CFG_* presence bits say which are applied) */
#define KMCLSHIM_CFG_CLIENT_CONTEXT_SIZE 0
#define KMCLSHIM_CFG_CHANNEL_FLAGS 1
#define KMCLSHIM_CFG_EXT_DATA_SIZE 2
#define KMCLSHIM_CFG_EXT_CHAIN_LENGTH 3
#define KMCLSHIM_CFG_MAX_PACKET_SIZE 4
#define KMCLSHIM_CFG_PROCESSING_COMPLETE 5
#define KMCLSHIM_CFG_STATE_CB_VERSION 6
#define KMCLSHIM_CFG_STATE_CB_SIZE 7
#define KMCLSHIM_CFG_INCOMING_AT_PASSIVE 8
#define KMCLSHIM_CFG_TRANSACTION_QUOTA 9
#define KMCLSHIM_CFG_RING_PAGES_IN 10
#define KMCLSHIM_CFG_RING_PAGES_OUT 11
#define KMCLSHIM_CFG_SERVER_FLAGS 12
#define KMCLSHIM_CFG_MMIO_MB 13
#define KMCLSHIM_CFG_MMIO_MB_OPTIONAL 14
#define KMCLSHIM_CFG_TARGET_VTL 15
#define KMCLSHIM_CFG_VALUES 16
/* guids[] (64 bytes, Windows GUID byte order): pnp type, pnp instance, interface type, interface instance */

/* which transport this library carries: KMCLSHIM_TRANSPORT_LOOPBACK or KMCLSHIM_TRANSPORT_WIN32 */
KMCLSHIM_API int32_t kmclshim_transport(int32_t *out_transport);
KMCLSHIM_API int32_t kmclshim_open(int64_t *out_session);
/* kmclshim_open with the seed of the loopback fake's random choices (instance GUIDs, IRQLs). The
 * process's loopback machine is shared by its sessions: the first session creates it with this seed
 * (kmclshim_open: KMCL_LOOPBACK_SEED from the environment, else 1); while it exists, a session with
 * another seed gets STATUS_INVALID_DEVICE_STATE. win32: STATUS_NOT_SUPPORTED. */
KMCLSHIM_API int32_t kmclshim_open_seeded(int64_t seed, int64_t *out_session);
KMCLSHIM_API int32_t kmclshim_close(int64_t session);
KMCLSHIM_API int32_t kmclshim_query_version(int64_t session, int32_t *out_protocol, int32_t *out_kmcl_version,
                                            char *driver_version32);
KMCLSHIM_API int32_t kmclshim_list_endpoints(int64_t session, int64_t *ids, uint8_t *guids32, char *names64,
                                             int32_t max, int32_t *out_count, int32_t *out_total);
KMCLSHIM_API int32_t kmclshim_allocate_channel(int64_t session, int64_t endpoint, int32_t server,
                                               int64_t *out_channel);
KMCLSHIM_API int32_t kmclshim_configure(int64_t session, int64_t channel, int32_t present, const int32_t *values,
                                        const uint8_t *guids64, const uint16_t *friendly_name,
                                        int32_t friendly_name_bytes, int32_t *out_failed_function);
KMCLSHIM_API int32_t kmclshim_enable(int64_t session, int64_t channel);
KMCLSHIM_API int32_t kmclshim_disable(int64_t session, int64_t channel);
KMCLSHIM_API int32_t kmclshim_pause(int64_t session, int64_t channel);
KMCLSHIM_API int32_t kmclshim_start(int64_t session, int64_t channel);
KMCLSHIM_API int32_t kmclshim_cleanup(int64_t session, int64_t channel);
KMCLSHIM_API int32_t kmclshim_query_channel(int64_t session, int64_t channel, int64_t *out24);
KMCLSHIM_API int32_t kmclshim_set_context(int64_t session, int64_t channel, int64_t value);
KMCLSHIM_API int32_t kmclshim_set_transaction_quota(int64_t session, int64_t channel, int32_t quota);
KMCLSHIM_API int32_t kmclshim_set_interrupt_latency(int64_t session, int64_t channel, int32_t latency100ns,
                                                    int32_t *out_original);
KMCLSHIM_API int32_t kmclshim_send(int64_t session, int64_t channel, int64_t tag, const void *payload, int32_t len,
                                   const void *external, int32_t external_len, int32_t external_form, int32_t flags);
KMCLSHIM_API int32_t kmclshim_send_sync(int64_t session, int64_t channel, const void *payload, int32_t len,
                                        const void *external, int32_t external_len, int32_t flags,
                                        void *completion, int32_t *inout_completion_size, int32_t has_timeout,
                                        int64_t timeout100ns);
/* timeout_ms: 0 poll, < 0 forever. Records are kmclb_event (EventBatch layout) from buf[0]. */
KMCLSHIM_API int32_t kmclshim_receive(int64_t session, int64_t channel, void *buf, int32_t capacity,
                                      int64_t timeout_ms, int32_t *out_bytes, int32_t *out_records,
                                      int32_t *out_needed);
/* kmclshim_receive with primitive arguments only (one cheap JNA crossing): buffer_address is the
 * records' buffer (e.g. a direct ByteBuffer's address), result_address three int32: bytes, records,
 * needed. */
KMCLSHIM_API int32_t kmclshim_receive_direct(int64_t session, int64_t channel, int64_t buffer_address,
                                             int32_t capacity, int64_t timeout_ms, int64_t result_address);
KMCLSHIM_API int32_t kmclshim_complete(int64_t session, int64_t packet, const void *payload, int32_t len);
KMCLSHIM_API int32_t kmclshim_complete_batch(int64_t session, const int64_t *packets, int32_t count,
                                             const void *payloads, const int32_t *offsets, const int32_t *lengths,
                                             int32_t *out_statuses);
/* kmclshim_complete_batch with primitive arguments only: the addresses of int64 packets[count],
 * the payload bytes, int32 offsets[count] and lengths[count] (0 for none) and int32
 * statuses[count] (0 for none). */
KMCLSHIM_API int32_t kmclshim_complete_batch_direct(int64_t session, int64_t packets_address, int32_t count,
                                                    int64_t payloads_address, int64_t offsets_address,
                                                    int64_t lengths_address, int64_t statuses_address);
KMCLSHIM_API int32_t kmclshim_fail(int64_t session, int64_t packet);
KMCLSHIM_API int32_t kmclshim_defer_to_passive(int64_t session, int64_t packet);
/* gives back packets receive returned but never dispatched: to the head of the channel's queue, in
 * order, same ids, counted as never delivered (one IOCTL per 4096 ids; status = first failure) */
KMCLSHIM_API int32_t kmclshim_requeue(int64_t session, int64_t channel, const int64_t *packets, int32_t count);
KMCLSHIM_API int32_t kmclshim_create_gpadl(int64_t session, int64_t channel, int32_t size, int32_t flags,
                                           int32_t *out_handle);
KMCLSHIM_API int32_t kmclshim_delete_gpadl(int64_t session, int64_t channel, int32_t handle);
KMCLSHIM_API int32_t kmclshim_map_gpadl(int64_t session, int64_t channel, int32_t handle, int32_t flags);
KMCLSHIM_API int32_t kmclshim_unmap_gpadl(int64_t session, int64_t channel, int32_t handle);
KMCLSHIM_API int32_t kmclshim_gpadl_access(int64_t session, int64_t channel, int32_t handle, int32_t mapped,
                                           int64_t offset, void *data, int32_t len, int32_t write);

/* ---------------------------------------------------------------- peer (loopback only)
 * The one list of the peer functions: X(name, parameters, arguments), the session always first.
 * It declares them below, and generates the loopback's exported wrappers (src/peer_loopback.c)
 * and the win32 build's STATUS_NOT_SUPPORTED stubs (src/peer_none.c), so the three cannot drift. */
#define KMCLSHIM_PEER_FUNCTIONS(X)                                                                                  \
    X(kmclshim_peer_offer,                                                                                          \
      (int64_t session, const uint8_t *type16, const uint8_t *instance16, int32_t mmio_megabytes,                   \
       int32_t target_vtl, const char *name, int64_t *out_offer, int64_t *out_endpoint),                            \
      (session, type16, instance16, mmio_megabytes, target_vtl, name, out_offer, out_endpoint))                     \
    X(kmclshim_peer_rescind, (int64_t session, int64_t offer), (session, offer))                                    \
    X(kmclshim_peer_offers,                                                                                         \
      (int64_t session, int64_t *offer_ids, int64_t *endpoint_ids, uint8_t *guids32, int32_t max,                   \
       int32_t *out_count),                                                                                         \
      (session, offer_ids, endpoint_ids, guids32, max, out_count))                                                  \
    X(kmclshim_peer_open, (int64_t session, int64_t channel), (session, channel))                                   \
    X(kmclshim_peer_close, (int64_t session, int64_t channel), (session, channel))                                  \
    X(kmclshim_peer_is_open, (int64_t session, int64_t channel, int32_t *out_open), (session, channel, out_open))   \
    X(kmclshim_peer_send,                                                                                           \
      (int64_t session, int64_t channel, const void *payload, int32_t len, int32_t completion_requested,            \
       const void *external, int32_t external_len, int32_t has_external, int64_t *out_tx),                          \
      (session, channel, payload, len, completion_requested, external, external_len, has_external, out_tx))         \
    /* out_kind: 0 completed, 1 failed, 2 pending */                                                                \
    X(kmclshim_peer_await_outcome,                                                                                  \
      (int64_t session, int64_t channel, int64_t tx, int64_t timeout_ms, int32_t *out_kind, void *buf,              \
       int32_t capacity, int32_t *out_len),                                                                         \
      (session, channel, tx, timeout_ms, out_kind, buf, capacity, out_len))                                         \
    /* records in kmclb_event layout: id = tx, flags 0x200 = completion requested, status = ring type,              \
     * aux = external bytes (after the payload) */                                                                  \
    X(kmclshim_peer_received,                                                                                       \
      (int64_t session, int64_t channel, void *buf, int32_t capacity, int32_t *out_bytes, int32_t *out_count),      \
      (session, channel, buf, capacity, out_bytes, out_count))                                                      \
    X(kmclshim_peer_await_received,                                                                                 \
      (int64_t session, int64_t channel, int64_t timeout_ms, void *buf, int32_t capacity, int32_t *out_bytes),      \
      (session, channel, timeout_ms, buf, capacity, out_bytes))                                                     \
    X(kmclshim_peer_complete, (int64_t session, int64_t channel, int64_t tx, const void *payload, int32_t len),     \
      (session, channel, tx, payload, len))                                                                         \
    /* batch calls, one crossing each: payloads back to back (lengths[i] bytes each), sent in order until the      \
     * first failure (*out_sent before it); take: waits up to timeout_ms for the first record, then takes more     \
     * while they fit and count < max (records as await_received); complete: txs in order with one payload, up to  \
     * the first the peer does not hold (*out_completed before it) */                                              \
    X(kmclshim_peer_send_batch,                                                                                     \
      (int64_t session, int64_t channel, const void *payloads, const int32_t *lengths, int32_t count,              \
       int32_t completion_requested, int64_t *out_txs, int32_t *out_sent),                                          \
      (session, channel, payloads, lengths, count, completion_requested, out_txs, out_sent))                        \
    X(kmclshim_peer_take_received,                                                                                  \
      (int64_t session, int64_t channel, int32_t max, int64_t timeout_ms, void *buf, int32_t capacity,             \
       int32_t *out_bytes, int32_t *out_count),                                                                     \
      (session, channel, max, timeout_ms, buf, capacity, out_bytes, out_count))                                     \
    X(kmclshim_peer_complete_batch,                                                                                 \
      (int64_t session, int64_t channel, const int64_t *txs, int32_t count, const void *payload, int32_t len,      \
       int32_t *out_completed),                                                                                     \
      (session, channel, txs, count, payload, len, out_completed))                                                  \
    X(kmclshim_peer_set_reading, (int64_t session, int64_t channel, int32_t reading), (session, channel, reading))  \
    /* incoming size, incoming used, outgoing size, outgoing used, peer queued */                                   \
    X(kmclshim_peer_ring_status, (int64_t session, int64_t channel, int32_t *out5), (session, channel, out5))       \
    X(kmclshim_peer_queue_stopped, (int64_t session, int64_t channel, int32_t *out_stopped),                        \
      (session, channel, out_stopped))                                                                              \
    /* kind: 1 delay(ms) 2 ring full(count) 3 malformed 4 oversized(size) 5 allocation failure(count)               \
     *       6 PnP failure(status; channel may be 0) 7 offer burst(count) */                                        \
    X(kmclshim_peer_inject, (int64_t session, int64_t channel, int32_t kind, int64_t arg),                          \
      (session, channel, kind, arg))                                                                                \
    X(kmclshim_peer_map_gpadl,                                                                                      \
      (int64_t session, int64_t channel, int32_t handle, int32_t read_only, int64_t *out_mapping),                  \
      (session, channel, handle, read_only, out_mapping))                                                           \
    X(kmclshim_peer_mapping_read, (int64_t session, int64_t mapping, int32_t offset, void *buf, int32_t len),       \
      (session, mapping, offset, buf, len))                                                                         \
    X(kmclshim_peer_mapping_write,                                                                                  \
      (int64_t session, int64_t mapping, int32_t offset, const void *buf, int32_t len),                             \
      (session, mapping, offset, buf, len))                                                                         \
    X(kmclshim_peer_mapping_close, (int64_t session, int64_t mapping), (session, mapping))                          \
    X(kmclshim_peer_create_gpadl,                                                                                   \
      (int64_t session, int64_t channel, int32_t size, int32_t read_only, int32_t *out_handle),                     \
      (session, channel, size, read_only, out_handle))                                                              \
    X(kmclshim_peer_read_gpadl,                                                                                     \
      (int64_t session, int64_t channel, int32_t handle, int32_t offset, void *buf, int32_t len),                   \
      (session, channel, handle, offset, buf, len))                                                                 \
    X(kmclshim_peer_write_gpadl,                                                                                    \
      (int64_t session, int64_t channel, int32_t handle, int32_t offset, const void *buf, int32_t len),             \
      (session, channel, handle, offset, buf, len))                                                                 \
    X(kmclshim_peer_seed, (int64_t session, int64_t *out_seed), (session, out_seed))                                \
    /* loopback diagnostics: live handle-table entries, KMCL contract violations seen by the fake */                \
    X(kmclshim_loopback_stats, (int64_t session, int64_t *out_live_handles, int64_t *out_violations),               \
      (session, out_live_handles, out_violations))

/* Every peer function returns an int32 NTSTATUS like the rest of the API. */
#define KMCLSHIM_PEER_DECLARATION(name, parameters, arguments) KMCLSHIM_API int32_t name parameters;
KMCLSHIM_PEER_FUNCTIONS(KMCLSHIM_PEER_DECLARATION)

#ifdef __cplusplus
}
#endif
#endif
