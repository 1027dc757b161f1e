/* bench_shim.c - per-packet cost of the loopback packet path through the shim's public API, driven
 * from one thread (no scheduling between a sender and a receiver thread is measured, only the
 * path itself). Built with the loopback shim, never run by scripts/test; run by hand:
 *
 *     bench_shim [packets] [window] [payload bytes] [only: reference|in|out|rt|wake]
 *
 * Prints ns per operation for: a bare shim call (the reference), an empty polled receive, one-way
 * in (peer sends a window, we receive and complete it in one batch), one-way out (we send a
 * window without completion, the peer takes it, we receive the send completions) and round trips
 * (we send a window with completion requested, the peer completes each, we receive the
 * completions). `wake` (not in the default run) is the one scenario with two threads: a receiver
 * thread parked in the core (receive with a timeout) completes each receive's packets in one
 * batch while the main thread, as the peer, sends batches of `window` packets, keeping at most four
 * windows unreceived; it reports packets per receive, i.e. per wake. Under each single-thread
 * scenario a line says how its time splits between our receives, our complete_batch calls, the
 * peer's calls (where our send completions run) and our sends. Built with BENCH_PEER_BATCH (the
 * CMake target is), it measures the same with the
 * peer's batch calls and the primitive-only receive and complete too; without it, it builds against
 * an older shim, so one run can compare both. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kmclbridge_protocol.h"
#include "kmclshim.h"

#define BENCH_BUFFER_BYTES (64u * 1024u)
#define BENCH_MAX_WINDOW 4096

static uint8_t bench_type[16] = {0xB1, 0xE7, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static uint8_t bench_instance[16] = {0xB1, 0xE8, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
static uint8_t receive_buffer[BENCH_BUFFER_BYTES];
static uint8_t peer_buffer[BENCH_BUFFER_BYTES];
static uint8_t payload[BENCH_BUFFER_BYTES];

static void require(int32_t status, const char *what)
{
    if (status < 0) {
        fprintf(stderr, "bench_shim: %s failed: 0x%08X\n", what, (unsigned)status);
        exit(1);
    }
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* one polled receive; the ids of its packet records go to packets[] (counted in *packet_count),
 * the send completions are counted in *send_completions */
static int32_t receive_once(int64_t session, int64_t channel, int64_t *packets, int32_t *packet_count,
                            int32_t *send_completions)
{
    int32_t bytes = 0, records = 0, needed = 0;
    int32_t status = kmclshim_receive(session, channel, receive_buffer, (int32_t)sizeof(receive_buffer), 0, &bytes,
                                      &records, &needed);
    if (status < 0 || status == KMCLB_STATUS_TIMEOUT) {
        return status;
    }
    for (int32_t at = 0; at + (int32_t)sizeof(kmclb_event) <= bytes;) {
        kmclb_event event;
        memcpy(&event, receive_buffer + at, sizeof(event));
        at += (int32_t)KMCLB_RECORD_SIZE(event.payload_length + (event.kind == KMCLB_EV_PACKET ? event.aux : 0));
        if (event.kind == KMCLB_EV_PACKET && packets != NULL) {
            packets[(*packet_count)++] = (int64_t)event.id;
        } else if (event.kind == KMCLB_EV_SEND_COMPLETE && send_completions != NULL) {
            (*send_completions)++;
        }
    }
    return status;
}

static int64_t open_channel(int64_t session)
{
    int64_t offer = 0, endpoint = 0, channel = 0;
    require(kmclshim_peer_offer(session, bench_type, bench_instance, 0, 0, "bench", &offer, &endpoint), "offer");
    require(kmclshim_allocate_channel(session, endpoint, 0, &channel), "allocate");
    int32_t values[KMCLSHIM_CFG_VALUES] = {0};
    values[KMCLSHIM_CFG_RING_PAGES_IN] = 64;
    values[KMCLSHIM_CFG_RING_PAGES_OUT] = 64;
    int32_t failed = 0;
    require(kmclshim_configure(session, channel, KMCLB_CFG_RING_PAGES, values, NULL, NULL, 0, &failed), "configure");
    require(kmclshim_enable(session, channel), "enable");
    int32_t open = 0;
    for (int tries = 0; tries < 1000 && !open; tries++) {
        (void)receive_once(session, channel, NULL, NULL, NULL);
        require(kmclshim_peer_is_open(session, channel, &open), "is open");
    }
    while (receive_once(session, channel, NULL, NULL, NULL) != KMCLB_STATUS_TIMEOUT) {
    }
    return channel;
}

static void report(const char *name, double nanoseconds, long operations, const char *unit)
{
    double per = nanoseconds / (double)operations;
    printf("%-22s %10.1f ns/%s  %12.0f %s/s\n", name, per, unit, 1e9 / per, unit);
}

/* Where a scenario's time goes: the calls of each phase timed around them (one clock read per call
 * of a window, not per packet), printed per packet under the scenario's line. */
typedef struct phase_times {
    double receive_ns;  /* our receives */
    double complete_ns; /* our complete_batch calls */
    double peer_ns;     /* the peer's calls (its sends, or its takes and completions: our send completions run there) */
    double send_ns;     /* our sends */
} phase_times;

static void report_phases(const phase_times *t, long packets)
{
    double n = (double)packets;
    printf("%-22s %10.1f receive  %6.1f complete  %6.1f peer  %6.1f send  ns/packet\n", "  of which", t->receive_ns / n,
           t->complete_ns / n, t->peer_ns / n, t->send_ns / n);
}

static void bench_reference(int64_t session, int64_t channel, long count)
{
    int32_t transport = 0;
    double start = now_ns();
    for (long i = 0; i < count; i++) {
        (void)kmclshim_transport(&transport);
    }
    report("bare call", now_ns() - start, count, "call");
    start = now_ns();
    for (long i = 0; i < count; i++) {
        (void)receive_once(session, channel, NULL, NULL, NULL);
    }
    report("empty receive", now_ns() - start, count, "call");
}

/* How a one-way-in scenario sends a window as the peer and completes it as us: one call per packet
 * (or the array call) against the batched and primitive calls. */
typedef struct in_steps {
    const char *name;
    void (*peer_sends)(int64_t session, int64_t channel, int32_t window, int32_t size);
    void (*complete)(int64_t session, int64_t *packets, int32_t count, int32_t *statuses);
} in_steps;

static void peer_sends_one_by_one(int64_t session, int64_t channel, int32_t window, int32_t size)
{
    for (int32_t i = 0; i < window; i++) {
        int64_t tx = 0;
        require(kmclshim_peer_send(session, channel, payload, size, 0, NULL, 0, 0, &tx), "peer send");
    }
}

static void complete_with_arrays(int64_t session, int64_t *packets, int32_t count, int32_t *statuses)
{
    require(kmclshim_complete_batch(session, packets, count, NULL, NULL, NULL, statuses), "complete batch");
}

/* the peer sends `window` packets, we receive and complete them in one batch */
static void bench_in(int64_t session, int64_t channel, long count, int32_t window, int32_t size, const in_steps *how)
{
    static int64_t packets[BENCH_MAX_WINDOW];
    static int32_t statuses[BENCH_MAX_WINDOW];
    long done = 0;
    phase_times t = {0, 0, 0, 0};
    double start = now_ns();
    while (done < count) {
        double began = now_ns();
        how->peer_sends(session, channel, window, size);
        double sent = now_ns();
        int32_t received = 0;
        while (received < window) {
            require(receive_once(session, channel, packets, &received, NULL), "receive");
        }
        double got = now_ns();
        how->complete(session, packets, received, statuses);
        t.peer_ns += sent - began;
        t.receive_ns += got - sent;
        t.complete_ns += now_ns() - got;
        done += received;
    }
    report(how->name, now_ns() - start, done, "packet");
    report_phases(&t, done);
}

/* the peer takes every record we sent; returns how many */
static int32_t peer_take(int64_t session, int64_t channel, int64_t *transactions)
{
    int32_t taken = 0;
    for (;;) {
        int32_t bytes = 0;
        int32_t status = kmclshim_peer_await_received(session, channel, 0, peer_buffer, (int32_t)sizeof(peer_buffer),
                                                      &bytes);
        if (status == KMCLB_STATUS_TIMEOUT) {
            return taken;
        }
        require(status, "peer await received");
        kmclb_event event;
        memcpy(&event, peer_buffer, sizeof(event));
        if (transactions != NULL) {
            transactions[taken] = (int64_t)event.id;
        }
        taken++;
    }
}

/* the peer takes the window we sent, one record per call, and completes each when asked */
static void peer_takes_one_by_one(int64_t session, int64_t channel, int32_t window, int completion)
{
    static int64_t transactions[BENCH_MAX_WINDOW];
    int32_t taken = 0;
    while (taken < window) {
        taken += peer_take(session, channel, transactions + taken);
    }
    for (int32_t i = 0; completion && i < taken; i++) {
        require(kmclshim_peer_complete(session, channel, transactions[i], NULL, 0), "peer complete");
    }
}

/* we send `window` packets (completion requested or not); the peer takes (and completes) them; we
 * receive the send completions */
static void bench_out(int64_t session, int64_t channel, long count, int32_t window, int32_t size, int completion,
                      const char *name, void (*peer_takes)(int64_t, int64_t, int32_t, int))
{
    long done = 0;
    phase_times t = {0, 0, 0, 0};
    double start = now_ns();
    while (done < count) {
        double began = now_ns();
        for (int32_t i = 0; i < window; i++) {
            require(kmclshim_send(session, channel, done + i + 1, payload, size, NULL, 0, 0, completion ? 1 : 0),
                    "send");
        }
        double sent = now_ns();
        peer_takes(session, channel, window, completion);
        double peered = now_ns();
        int32_t completions = 0;
        while (completions < window) {
            require(receive_once(session, channel, NULL, NULL, &completions), "receive");
        }
        t.send_ns += sent - began;
        t.peer_ns += peered - sent;
        t.receive_ns += now_ns() - peered;
        done += window;
    }
    report(name, now_ns() - start, done, completion ? "round trip" : "packet");
    report_phases(&t, done);
}

#if defined(BENCH_PEER_BATCH)
static int32_t batch_lengths[BENCH_MAX_WINDOW];
static int64_t batch_transactions[BENCH_MAX_WINDOW];

static void bench_direct_reference(int64_t session, int64_t channel, long count)
{
    int32_t result[3];
    double start = now_ns();
    for (long i = 0; i < count; i++) {
        (void)kmclshim_receive_direct(session, channel, (int64_t)(intptr_t)receive_buffer,
                                      (int32_t)sizeof(receive_buffer), 0, (int64_t)(intptr_t)result);
    }
    report("empty receive_direct", now_ns() - start, count, "call");
}

/* the peer sends the window in one call */
static void peer_sends_batch(int64_t session, int64_t channel, int32_t window, int32_t size)
{
    for (int32_t i = 0; i < window; i++) {
        batch_lengths[i] = size;
    }
    int32_t sent = 0;
    require(kmclshim_peer_send_batch(session, channel, payload, batch_lengths, window, 0, batch_transactions, &sent),
            "peer send batch");
}

static void complete_direct(int64_t session, int64_t *packets, int32_t count, int32_t *statuses)
{
    require(kmclshim_complete_batch_direct(session, (int64_t)(intptr_t)packets, count, 0, 0, 0,
                                           (int64_t)(intptr_t)statuses),
            "complete batch");
}

/* the peer takes the window we sent in as few calls as it can, and completes it in one */
static void peer_takes_batched(int64_t session, int64_t channel, int32_t window, int completion)
{
    int32_t taken = 0;
    while (taken < window) {
        int32_t bytes = 0, records = 0;
        require(kmclshim_peer_take_received(session, channel, window - taken, 1000, peer_buffer,
                                            (int32_t)sizeof(peer_buffer), &bytes, &records),
                "peer take received");
        for (int32_t at = 0, i = 0; i < records; i++) {
            kmclb_event event;
            memcpy(&event, peer_buffer + at, sizeof(event));
            batch_transactions[taken + i] = (int64_t)event.id;
            at += (int32_t)KMCLB_RECORD_SIZE(event.payload_length + event.aux);
        }
        taken += records;
    }
    if (completion) {
        int32_t completed = 0;
        require(kmclshim_peer_complete_batch(session, channel, batch_transactions, taken, NULL, 0, &completed),
                "peer complete batch");
    }
}

/* the receiver of bench_wake: parks in the core until records come */
typedef struct wake_receiver {
    int64_t session, channel;
    long count;
    long received;  /* atomic: packets received and completed */
    long receives;  /* receives that returned packets */
} wake_receiver;

static void *wake_receiver_thread(void *arg)
{
    wake_receiver *w = (wake_receiver *)arg;
    static uint8_t buffer[BENCH_BUFFER_BYTES];
    static int64_t packets[BENCH_BUFFER_BYTES / 32];
    static int32_t statuses[BENCH_BUFFER_BYTES / 32];
    int32_t result[3];
    while (__atomic_load_n(&w->received, __ATOMIC_ACQUIRE) < w->count) {
        int32_t status = kmclshim_receive_direct(w->session, w->channel, (int64_t)(intptr_t)buffer,
                                                 (int32_t)sizeof(buffer), 1000, (int64_t)(intptr_t)result);
        if (status == KMCLB_STATUS_TIMEOUT) {
            continue;
        }
        require(status, "receive (parked)");
        int32_t n = 0;
        for (int32_t at = 0; at + (int32_t)sizeof(kmclb_event) <= result[0];) {
            kmclb_event event;
            memcpy(&event, buffer + at, sizeof(event));
            at += (int32_t)KMCLB_RECORD_SIZE(event.payload_length + (event.kind == KMCLB_EV_PACKET ? event.aux : 0));
            if (event.kind == KMCLB_EV_PACKET) {
                packets[n++] = (int64_t)event.id;
            }
        }
        if (n > 0) {
            require(kmclshim_complete_batch_direct(w->session, (int64_t)(intptr_t)packets, n, 0, 0, 0,
                                                   (int64_t)(intptr_t)statuses),
                    "complete batch");
            w->receives++;
            __atomic_add_fetch(&w->received, n, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

/* one-way in with a parked receiver on its own thread: how many packets each wake brings */
static void bench_wake(int64_t session, int64_t channel, long count, int32_t window, int32_t size)
{
    for (int32_t i = 0; i < window; i++) {
        batch_lengths[i] = size;
    }
    wake_receiver w = {session, channel, count, 0, 0};
    pthread_t thread;
    double start = now_ns();
    if (pthread_create(&thread, NULL, wake_receiver_thread, &w) != 0) {
        exit(1);
    }
    long sent = 0;
    while (sent < count) {
        if (sent - __atomic_load_n(&w.received, __ATOMIC_ACQUIRE) > 4L * window) {
            sched_yield(); /* at most four windows unreceived */
            continue;
        }
        int32_t n = count - sent < window ? (int32_t)(count - sent) : window;
        int32_t done = 0;
        require(kmclshim_peer_send_batch(session, channel, payload, batch_lengths, n, 0, batch_transactions, &done),
                "peer send batch");
        sent += done;
    }
    pthread_join(thread, NULL);
    report("in, parked receiver", now_ns() - start, w.received, "packet");
    printf("%-22s %10.1f packets/wake (%ld wakes)\n", "", (double)w.received / (double)w.receives, w.receives);
}
#endif

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 200000;
    int32_t window = argc > 2 ? atoi(argv[2]) : 64;
    int32_t size = argc > 3 ? atoi(argv[3]) : 64;
    if (count <= 0 || window <= 0 || window > BENCH_MAX_WINDOW || size < 0 || size > 4096) {
        fprintf(stderr, "usage: bench_shim [packets] [window 1..%d] [payload bytes 0..4096]\n", BENCH_MAX_WINDOW);
        return 2;
    }
    int64_t session = 0;
    require(kmclshim_open(&session), "open");
    int64_t channel = open_channel(session);
    const char *only = argc > 4 ? argv[4] : "";
#define BENCH_SELECTED(name) (only[0] == '\0' || strcmp(only, name) == 0)
    printf("packets %ld, window %d, payload %d bytes\n", count, window, size);
    if (BENCH_SELECTED("reference")) {
        bench_reference(session, channel, count);
    }
    if (BENCH_SELECTED("in")) {
        static const in_steps one_by_one = {"in (one-way)", peer_sends_one_by_one, complete_with_arrays};
        bench_in(session, channel, count, window, size, &one_by_one);
    }
    if (BENCH_SELECTED("out")) {
        bench_out(session, channel, count, window, size, 0, "out (one-way)", peer_takes_one_by_one);
    }
    if (BENCH_SELECTED("rt")) {
        bench_out(session, channel, count, window, size, 1, "round trip", peer_takes_one_by_one);
    }
#if defined(BENCH_PEER_BATCH)
    if (BENCH_SELECTED("reference")) {
        bench_direct_reference(session, channel, count);
    }
    if (BENCH_SELECTED("in")) {
        static const in_steps batched = {"in, peer batched", peer_sends_batch, complete_direct};
        bench_in(session, channel, count, window, size, &batched);
    }
    if (BENCH_SELECTED("out")) {
        bench_out(session, channel, count, window, size, 0, "out, peer batched", peer_takes_batched);
    }
    if (BENCH_SELECTED("rt")) {
        bench_out(session, channel, count, window, size, 1, "round trip, batched", peer_takes_batched);
    }
    if (strcmp(only, "wake") == 0) {
        bench_wake(session, channel, count, window, size);
    }
#endif
    require(kmclshim_close(session), "close");
    return 0;
}
