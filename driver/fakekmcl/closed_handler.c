/* closed_handler.c - user mode's Closed handler as part of EvtChannelClosed (loopback only).
 * KMCL accepts SetInterruptLatency until its Closed callback returns (B53). On loopback the
 * callback returns as soon as the driver core has queued the CLOSED record; the Java code's
 * Closed handler runs later, on the thread that received the record. The Java fake counts that
 * handler as part of the callback, so the fake does too: the loopback host marks a request it
 * runs for that thread before the thread asks for more records (docs/fake-choices.md). The driver
 * core knows nothing of this and reports what KMCL answered. */
#include "fakekmcl_internal.h"

static _Thread_local int fake_thread_in_closed_handler;

void fk_enter_closed_handler(void)
{
    fake_thread_in_closed_handler = 1;
}

void fk_leave_closed_handler(void)
{
    fake_thread_in_closed_handler = 0;
}

int fake_in_closed_handler(void)
{
    return fake_thread_in_closed_handler;
}
