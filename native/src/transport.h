/* transport.h - what the shim needs from a transport: open, close, one device-control call.
 * win32: overlapped NtDeviceIoControlFile on \\.\KmclBridge (NTSTATUS preserved, CancelIoEx on
 * timeout and at shutdown, CloseHandle only in tr_free). loopback: a direct call into driver/core's
 * dispatch with METHOD_BUFFERED semantics (one buffer shared by input and output), over the C fake
 * of KMCL. */
#ifndef SHIM_TRANSPORT_H
#define SHIM_TRANSPORT_H
#include <stdint.h>
#include "kmclbridge_protocol.h"

/* which transport this is: KMCLSHIM_TRANSPORT_LOOPBACK or KMCLSHIM_TRANSPORT_WIN32 */
extern const int32_t tr_kind;
/* seed: the seed for the fake KMCL world a loopback transport creates (NULL: the transport's
 * default); a transport that cannot honour it fails. */
int32_t tr_open(const uint64_t *seed, void **out);
/* Ends the session's waiting: parked requests complete, blocked calls return, and a call that
 * starts later returns without waiting on the driver. Called once, while other threads may still
 * be inside tr_ioctl; it must not close what those threads use (win32: the handle stays open). */
void tr_shutdown(void *t);
/* Closes and frees the transport. The shim calls it exactly once, after tr_shutdown, when no thread
 * is inside tr_ioctl any more (the session's last reference is gone). */
void tr_free(void *t);
/* wait_ms applies when the driver parks the request (receive): < 0 forever; on expiry the
 * request is cancelled and the call returns STATUS_CANCELLED unless it completed meanwhile. */
int32_t tr_ioctl(void *t, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms);

/* RECEIVE (in: a kmclb_receive_in) with its output split: the header to *header, the records to
 * records[0, capacity). loopback: written in place by the driver core; win32: through one
 * METHOD_BUFFERED output buffer (receive_buffered.c). Waiting as tr_ioctl; *info counts header plus
 * records. */
int32_t tr_receive(void *t, const void *in, uint32_t in_len, kmclb_receive_out *header, void *records,
                   uint32_t capacity, uint32_t *info, int64_t wait_ms);

/* What the shim offers a transport that exports calls of its own (the loopback peer functions):
 * the transport behind a session handle, pinned until kmclshim_internal_release(token); NULL
 * for a closed or forged handle. */
void *kmclshim_internal_acquire(int64_t session, void **token);
void kmclshim_internal_release(void *token);

#endif
