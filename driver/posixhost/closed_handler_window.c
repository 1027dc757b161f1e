/* closed_handler_window.c - see closed_handler_window.h. */
#define _POSIX_C_SOURCE 200809L
#include "closed_handler_window.h"
#include <string.h>
#include "kmclbridge_protocol.h"

void closed_handler_windows_init(closed_handler_windows *w)
{
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
}

void closed_handler_windows_destroy(closed_handler_windows *w)
{
    pthread_mutex_destroy(&w->lock);
}

/* the channel a channel request names (every one has it at offset 8, kmclbridge_protocol.h) */
static int channel_of(const void *in, uint32_t in_len, uint64_t *channel)
{
    if (in == NULL || in_len < 16) {
        return 0;
    }
    memcpy(channel, (const uint8_t *)in + 8, sizeof(*channel));
    return 1;
}

/* lock held: the open window of (session, channel), or NULL */
static closed_handler_window *find_window(closed_handler_windows *w, kc_session *session, uint64_t channel)
{
    for (uint32_t i = 0; i < CLOSED_HANDLER_WINDOWS; i++) {
        closed_handler_window *window = &w->windows[i];
        if (window->open && window->session == session && window->channel == channel) {
            return window;
        }
    }
    return NULL;
}

int closed_handler_before_request(closed_handler_windows *w, kc_session *session, uint32_t code, const void *in,
                                  uint32_t in_len)
{
    uint64_t channel;
    int ends = code == IOCTL_KMCLB_RECEIVE || code == IOCTL_KMCLB_CHANNEL_ENABLE || code == IOCTL_KMCLB_CHANNEL_CLEANUP;
    if ((!ends && code != IOCTL_KMCLB_SET_LATENCY) || !channel_of(in, in_len, &channel)) {
        return 0;
    }
    int inside = 0;
    pthread_mutex_lock(&w->lock);
    closed_handler_window *window = find_window(w, session, channel);
    if (window != NULL) {
        if (ends) {
            window->open = 0; /* the handler has finished (or the channel starts over) */
        } else {
            inside = pthread_equal(window->thread, pthread_self()); /* other threads are outside it */
        }
    }
    pthread_mutex_unlock(&w->lock);
    return inside;
}

/* whether a receive's records leave the channel closed: a CLOSED state record (STATE_OVERFLOW:
 * flags = the newest state) and no OPENED after it */
static int ends_closed(const kmclb_receive_out *header, const uint8_t *records, uint32_t records_len)
{
    int closed = 0;
    uint64_t at = 0;
    uint64_t end = header->bytes < records_len ? header->bytes : records_len;
    for (uint32_t i = 0; i < header->records && at + sizeof(kmclb_event) <= end; i++) {
        kmclb_event e;
        memcpy(&e, records + at, sizeof(e));
        if ((e.kind == KMCLB_EV_STATE || e.kind == KMCLB_EV_STATE_OVERFLOW) && e.flags == KMCLB_ST_CLOSED) {
            closed = 1;
        } else if ((e.kind == KMCLB_EV_STATE || e.kind == KMCLB_EV_STATE_OVERFLOW) && e.flags == KMCLB_ST_OPENED) {
            closed = 0;
        }
        at += KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? (uint64_t)e.aux : 0u));
    }
    return closed;
}

void closed_handler_after_receive(closed_handler_windows *w, kc_session *session, const void *in, uint32_t in_len,
                                  const kmclb_receive_out *header, const void *records, uint32_t records_len)
{
    uint64_t channel;
    if (!channel_of(in, in_len, &channel) || !ends_closed(header, (const uint8_t *)records, records_len)) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    closed_handler_window *window = &w->windows[w->next];
    w->next = (w->next + 1) % CLOSED_HANDLER_WINDOWS;
    window->session = session;
    window->channel = channel;
    window->thread = pthread_self();
    window->open = 1;
    pthread_mutex_unlock(&w->lock);
}
