/* closed_handler_window.h - which thread is inside which channel's Closed handler, as the loopback
 * host sees it from the requests it runs (the fake's side: fk_enter_closed_handler).
 *
 * A thread whose RECEIVE returned a channel's CLOSED record (and no OPENED after it) is inside that
 * channel's Closed handler until it next asks that channel for records, enables it or cleans it up.
 * A SET_LATENCY that thread makes on that channel meanwhile runs inside the fake's
 * fk_enter_closed_handler scope. Only the C fake is told: the driver core knows nothing of it. */
#ifndef CLOSED_HANDLER_WINDOW_H
#define CLOSED_HANDLER_WINDOW_H
#include <pthread.h>
#include <stdint.h>
#include "kc_core.h"
#include "kmclbridge_protocol.h"

#define CLOSED_HANDLER_WINDOWS 64u /* at once; past that the oldest is forgotten (a test host bound) */

typedef struct closed_handler_window {
    kc_session *session;
    uint64_t channel;
    pthread_t thread;
    int open;
} closed_handler_window;

typedef struct closed_handler_windows {
    pthread_mutex_t lock;
    uint32_t next; /* the slot the next window takes */
    closed_handler_window windows[CLOSED_HANDLER_WINDOWS];
} closed_handler_windows;

void closed_handler_windows_init(closed_handler_windows *w);
void closed_handler_windows_destroy(closed_handler_windows *w);
/* Before a request runs: ends the windows it ends; returns 1 when it runs inside one (the caller
 * then brackets it with fk_enter_closed_handler / fk_leave_closed_handler). */
int closed_handler_before_request(closed_handler_windows *w, kc_session *session, uint32_t code, const void *in,
                                  uint32_t in_len);
/* After a RECEIVE returned its header and records (records_len bytes copied after the header): opens
 * a window when its last state record is CLOSED. */
void closed_handler_after_receive(closed_handler_windows *w, kc_session *session, const void *in, uint32_t in_len,
                                  const kmclb_receive_out *header, const void *records, uint32_t records_len);

#endif
