/* kc_sessions.c - sessions: one per file handle; they own the channels they create. */
#include <string.h>
#include "kc_internal.h"

kc_status kc_session_open(kc_core *c, kc_session **out)
{
    *out = NULL;
    kc_session *s = (kc_session *)kc_alloc(c, sizeof(kc_session));
    if (s == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(s, 0, sizeof(*s));
    s->core = c;
    kc_lock(c);
    c->sessions++;
    s->serial = ++c->next_session;
    kc_unlock(c);
    *out = s;
    return KMCLB_STATUS_SUCCESS;
}

/* lock held: the first channel of the session no other thread is tearing down, or NULL */
static kc_channel *first_live_channel(kc_session *s)
{
    for (kc_list_node *n = s->channels.first; n != NULL; n = n->next) {
        kc_channel *ch = KC_CONTAINER_OF(n, kc_channel, session_link);
        if (!ch->tearing_down) {
            return ch;
        }
    }
    return NULL;
}

int kc_session_enter(kc_session *s)
{
    kc_atomic_increment(&s->inflight);
    if (kc_atomic_load(&s->closing) != 0) {
        kc_session_leave(s);
        return 0;
    }
    return 1;
}

void kc_session_leave(kc_session *s)
{
    kc_atomic_decrement(&s->inflight);
}

void kc_session_shutdown(kc_session *s)
{
    kc_core *c = s->core;
    kc_lock(c);
    kc_atomic_store(&s->closing, 1); /* before the in-flight count is read: see kc_session_enter */
    kc_unlock(c);
    for (;;) {
        kc_lock(c);
        kc_channel *ch = first_live_channel(s);
        if (ch != NULL) {
            ch->tearing_down = 1;
            kc_unlock(c);
            kc_channel_teardown(ch, 1);
            continue;
        }
        int busy = !kc_list_is_empty(&s->channels) || kc_atomic_load(&s->inflight) != 0;
        kc_unlock(c);
        if (!busy) {
            break;
        }
        c->p->sleep_ms(c->p->ctx, 1); /* in-flight calls, or channels other threads tear down */
    }
}

void kc_session_free(kc_session *s)
{
    if (s == NULL) {
        return;
    }
    kc_core *c = s->core;
    kc_lock(c);
    c->sessions--;
    kc_unlock(c);
    kc_free(c, s);
}

void kc_session_close(kc_session *s)
{
    if (s == NULL) {
        return;
    }
    kc_session_shutdown(s);
    kc_session_free(s);
}
