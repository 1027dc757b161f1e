/* Concurrency: peer and driver traffic in both directions on several threads through the shim,
 * then close with traffic in flight. Run under ASan/UBSan in ctest; also usable with TSan. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "test_host.h"
#include "kmclshim.h"

#define N 20000 /* more than B110 keeps in flight; KMCLB_MAX_PENDING_SENDS back-pressure is retried below */

static int64_t s, ch;
static int received_packets, completions_seen; /* receiver thread only */

static void *peer_sender(void *p)
{
    (void)p;
    for (int i = 0; i < N; i++) {
        int64_t tx;
        uint32_t v = (uint32_t)i;
        if (kmclshim_peer_send(s, ch, &v, 4, 1, NULL, 0, 0, &tx) != 0) {
            break; /* only after the session was closed */
        }
    }
    return NULL;
}

static void *receiver(void *p)
{
    (void)p;
    uint8_t *buf = malloc(1 << 16);
    int64_t ids[4096];
    int32_t offs[4096], lens[4096], sts[4096];
    int idle = 0;
    while ((received_packets < N || completions_seen < N) && idle < 50) {
        int32_t bytes, recs, needed;
        int32_t st = kmclshim_receive(s, ch, buf, 1 << 16, 100, &bytes, &recs, &needed);
        if (st != 0) {
            if (st != KMCLB_STATUS_TIMEOUT || idle == 0) {
                fprintf(stderr, "receive status %08X\n", (unsigned)st);
            }
            idle++;
            continue;
        }
        idle = 0;
        int n = 0;
        for (int32_t at = 0; at < bytes;) {
            kmclb_event e;
            memcpy(&e, buf + at, sizeof(e));
            at += (int32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
            if (e.kind == KMCLB_EV_PACKET && n < 4096) {
                ids[n] = (int64_t)e.id;
                offs[n] = 0;
                lens[n] = 2;
                n++;
                received_packets++;
            } else if (e.kind == KMCLB_EV_SEND_COMPLETE) {
                completions_seen++;
            }
        }
        if (n > 0) {
            CHECK_ST(kmclshim_complete_batch(s, ids, n, "ok", offs, lens, sts), 0);
        }
    }
    free(buf);
    return NULL;
}

static void *sender(void *p)
{
    (void)p;
    for (int i = 0; i < N; i++) {
        int32_t st;
        /* back-pressure: at most KMCLB_MAX_PENDING_SENDS transactions in flight per channel */
        while ((st = kmclshim_send(s, ch, i, "data", 4, NULL, 0, 0, 1)) == KMCLB_STATUS_INSUFFICIENT_RESOURCES) {
            struct timespec ts = {0, 100000L};
            nanosleep(&ts, NULL);
        }
        CHECK_ST(st, 0);
    }
    return NULL;
}

static void *peer_completer(void *p)
{
    (void)p;
    uint8_t buf[256];
    int done = 0;
    while (done < N) {
        int32_t n;
        if (kmclshim_peer_await_received(s, ch, 100, buf, sizeof(buf), &n) == 0) {
            kmclb_event e;
            memcpy(&e, buf, sizeof(e));
            CHECK_ST(kmclshim_peer_complete(s, ch, (int64_t)e.id, "ack!", 4), 0);
            done++;
        }
    }
    return NULL;
}

int main(void)
{
    uint8_t type[16] = {7}, inst[16] = {8};
    int64_t offer, ep;
    CHECK_ST(kmclshim_open(&s), 0);
    CHECK_ST(kmclshim_peer_offer(s, type, inst, 0, 0, "stress", &offer, &ep), 0);
    CHECK_ST(kmclshim_allocate_channel(s, ep, 0, &ch), 0);
    CHECK_ST(kmclshim_enable(s, ch), 0);
    pthread_t t[4];
    pthread_create(&t[0], NULL, peer_sender, NULL);
    pthread_create(&t[1], NULL, receiver, NULL);
    pthread_create(&t[2], NULL, sender, NULL);
    pthread_create(&t[3], NULL, peer_completer, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    CHECK(received_packets == N && completions_seen == N);
    if (received_packets != N || completions_seen != N) {
        fprintf(stderr, "received %d completions %d\n", received_packets, completions_seen);
        int32_t rs[5];
        kmclshim_peer_ring_status(s, ch, rs);
        int64_t q2[KMCLB_QUERY_SLOTS];
        kmclshim_query_channel(s, ch, q2);
        fprintf(stderr, "ring in %d/%d out %d/%d peerq %d; core pending in %lld batches %lld\n", rs[1], rs[0], rs[3],
                rs[2], rs[4], (long long)q2[KMCLB_Q_PENDING_INCOMING], (long long)q2[KMCLB_Q_BATCHES]);
    }
    int64_t q[24];
    CHECK_ST(kmclshim_query_channel(s, ch, q), 0);
    CHECK(q[KMCLB_Q_PACKETS_IN] == N && q[KMCLB_Q_COMPLETIONS_SENT] == N && q[KMCLB_Q_COMPLETIONS_RECEIVED] == N);
    CHECK(q[KMCLB_Q_PENDING_INCOMING] == 0 && q[KMCLB_Q_PENDING_OUTGOING] == 0);
    int64_t live, viol;
    CHECK_ST(kmclshim_loopback_stats(s, &live, &viol), 0);
    CHECK(viol == 0);
    /* close with traffic in flight */
    pthread_create(&t[0], NULL, peer_sender, NULL);
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK_ST(kmclshim_close(s), 0);
    pthread_join(t[0], NULL); /* peer sends fail with INVALID_HANDLE after the close and the loop ends */
    TEST_MAIN_END();
}
