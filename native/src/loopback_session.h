/* loopback_session.h - a loopback transport session: one session of the in-process driver core,
 * on the process's one POSIX host (the core + the fake KMCL world). What transport_loopback.c
 * hands the shim as its transport, and what the loopback peer functions work on. */
#ifndef LOOPBACK_SESSION_H
#define LOOPBACK_SESSION_H
#include "kc_core.h"
#include "posix_host.h"

typedef struct loopback_session {
    posix_host *host;
    kc_session *session;
} loopback_session;

#endif
