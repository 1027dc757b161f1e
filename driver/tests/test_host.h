/* test_host.h - what the C tests and the fuzzer share: one POSIX host of the driver core over the
 * fake KMCL (driver/posixhost) with test settings, request helpers and the CHECK macros. */
#ifndef TEST_HOST_H
#define TEST_HOST_H
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kc_core.h"
#include "fakekmcl.h"
#include "kmclbridge_protocol.h"
#include "posix_host.h"

typedef struct th_machine {
    posix_host *host;
    kc_core *core;   /* the host's, for the tests' convenience */
    fk_world *world; /* the host's */
} th_machine;

/* 4096 handles, fake world seed 7, output buffers poisoned; aborts on failure */
th_machine *th_create(void);
/* the same with a handle table of max_handles (ids run short sooner) */
th_machine *th_create_with_handles(uint32_t max_handles);
void th_destroy(th_machine *m);
/* One IOCTL; wait_ms applies when the request parks (< 0 forever; on expiry it is cancelled).
 * *info (optional) is the byte count the core reported, even with an error status; the process
 * aborts when the core reports more than out_len. */
kc_status th_ioctl(kc_session *s, th_machine *m, uint32_t code, const void *in, uint32_t in_len, void *out,
                   uint32_t out_len, uint32_t *info, int64_t wait_ms);
/* offer a device; returns the endpoint id */
uint64_t th_offer(th_machine *m, uint8_t tag, uint64_t *out_offer);
kc_status th_create_channel(kc_session *s, th_machine *m, uint64_t endpoint, int server, uint64_t *out);
kc_status th_channel_op(kc_session *s, th_machine *m, uint32_t code, uint64_t ch);
/* receive into buf (records after the 16-byte header); returns in-band status */
kc_status th_receive(kc_session *s, th_machine *m, uint64_t ch, uint8_t *buf, uint32_t cap, int64_t wait_ms,
                     kmclb_receive_out *hdr);
/* drains events until one of kind/flags arrives (flags 0 = any); returns its id, 0 on timeout */
uint64_t th_wait_event(kc_session *s, th_machine *m, uint64_t ch, uint16_t kind, uint16_t flags, int64_t wait_ms,
                       kmclb_event *out_ev, uint8_t *payload, uint32_t cap);
kc_status th_complete(kc_session *s, th_machine *m, uint64_t pkt, const void *payload, uint32_t len);
kc_vmbchannel th_kch(th_machine *m, uint64_t ch);

/* The steps the driver tests share. Each CHECKs what it must succeed at (counted like the
 * caller's own checks) and returns what the test goes on with. */

/* the protocol header of this version */
kmclb_in_header th_header(void);
/* creates a channel on endpoint and enables it (both must succeed); returns its id */
uint64_t th_open_channel(kc_session *s, th_machine *m, uint64_t endpoint, int server);
/* the peer sends msg (completion requested or not) and the packet is received (both must succeed);
 * returns its id, *tx the peer's transaction, *out_ev (optional) its record */
uint64_t th_deliver(kc_session *s, th_machine *m, uint64_t ch, const char *msg, int completion, uint64_t *tx,
                    kmclb_event *out_ev);
/* a session (must open) */
kc_session *th_open_session(th_machine *m);
/* closes the session, the only one with live ids: afterwards the core holds none */
void th_close_session(kc_session *s, th_machine *m);
/* the peer's transaction tx ends as kind within wait_ms; a completion carries exactly len bytes of
 * payload */
void th_expect_outcome(kc_vmbchannel k, uint64_t tx, int64_t wait_ms, int kind, const void *payload, uint32_t len);
/* FAIL or DEFER of one packet */
kc_status th_packet_op(kc_session *s, th_machine *m, uint32_t code, uint64_t pkt);
/* REQUEUE of count packets of ch */
kc_status th_requeue(kc_session *s, th_machine *m, uint64_t ch, const uint64_t *ids, uint32_t count);
/* every way to end or give back pkt (of ch) - COMPLETE, FAIL, DEFER, REQUEUE - fails with status */
void th_expect_packet_refused(kc_session *s, th_machine *m, uint64_t ch, uint64_t pkt, kc_status status);
/* the channel's QUERY snapshot (must succeed with every slot) */
void th_query(kc_session *s, th_machine *m, uint64_t ch, uint64_t q[KMCLB_QUERY_SLOTS]);
/* SEND of len payload bytes (at most 256), no external data */
kc_status th_send(kc_session *s, th_machine *m, uint64_t ch, uint64_t tag, uint32_t flags, const void *payload,
                  uint32_t len);
/* GPADL_CREATE of size bytes; *handle on success */
kc_status th_gpadl_create(kc_session *s, th_machine *m, uint64_t ch, uint32_t size, uint32_t *handle);
/* GPADL_DELETE, GPADL_MAP or GPADL_UNMAP */
kc_status th_gpadl_op(kc_session *s, th_machine *m, uint32_t code, uint64_t ch, uint32_t handle, uint32_t flags);

/* A receive without timeout on its own thread, parked in the core until records arrive or the
 * channel goes. */
typedef struct th_parked_receive {
    kc_session *s;
    th_machine *m;
    uint64_t ch;
    int64_t wait_ms;     /* < 0: no bound */
    kc_status st;        /* set when it ended */
    kmclb_receive_out h; /* likewise */
    uint8_t buf[1024];   /* the records */
    pthread_t thread;
} th_parked_receive;
/* starts the receive and waits (up to 10 s) until the core has parked it, so the test acts on a
 * parked receive whatever the scheduling (no other request may be parked meanwhile) */
void th_park_receive(th_parked_receive *r, kc_session *s, th_machine *m, uint64_t ch);
/* the same, cancelled after wait_ms (a wake that never comes fails the test's checks, not hangs it) */
void th_park_receive_bounded(th_parked_receive *r, kc_session *s, th_machine *m, uint64_t ch, int64_t wait_ms);
/* waits until the parked receive has ended */
void th_join_receive(th_parked_receive *r);

extern int th_failures;
extern int th_checks;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        __atomic_add_fetch(&th_checks, 1, __ATOMIC_RELAXED);                         \
        if (!(cond)) {                                                               \
            __atomic_add_fetch(&th_failures, 1, __ATOMIC_RELAXED);                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)
#define CHECK_ST(expr, want)                                                                              \
    do {                                                                                                  \
        int32_t got_ = (int32_t)(expr);                                                                   \
        __atomic_add_fetch(&th_checks, 1, __ATOMIC_RELAXED);                                              \
        if (got_ != (int32_t)(want)) {                                                                    \
            __atomic_add_fetch(&th_failures, 1, __ATOMIC_RELAXED);                                        \
            fprintf(stderr, "%s:%d: %s = 0x%08X, want 0x%08X\n", __FILE__, __LINE__, #expr, (unsigned)got_, \
                    (unsigned)(int32_t)(want));                                                           \
        }                                                                                                 \
    } while (0)
#define TEST_MAIN_END()                                                   \
    do {                                                                  \
        printf("%d checks, %d failures\n", th_checks, th_failures);       \
        return th_failures == 0 ? 0 : 1;                                  \
    } while (0)

#endif
