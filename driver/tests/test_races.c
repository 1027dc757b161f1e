/* Races between user-mode requests on several threads and the channel's life: a parked receive
 * taken back by the core while its waiter cancels it, sends while the channel is being closed.
 * Each test forces or floods the window and asserts what must hold under any timing. Run under
 * ASan/UBSan (with stack-use-after-return detection) and TSan. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include "test_host.h"

static th_machine *m;

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* a channel of a fresh session that is active (Opened, Started, PostStarted received) */
static uint64_t open_active_channel(kc_session *s, uint64_t ep)
{
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) == KMCLB_ST_POST_STARTED);
    return ch;
}

/* ------------------------------------------------------------------ claimed while cancelled */
/* A receive that parks, waits at most wait_ms and then cancels itself (CancelIoEx after a timeout). */
typedef struct timed_receive {
    kc_session *s;
    uint64_t ch;
    int64_t wait_ms;
    kc_status st;
    int returned; /* atomic */
    pthread_t thread;
} timed_receive;

static void *timed_receive_thread(void *p)
{
    timed_receive *r = p;
    uint8_t buf[256];
    kmclb_receive_out h;
    r->st = th_receive(r->s, m, r->ch, buf, sizeof(buf), r->wait_ms, &h);
    __atomic_store_n(&r->returned, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Holds the core between its claim of the parked receive and the unpark until the waiter has
 * timed out and run its cancel, then gives the waiter time to (wrongly) return. */
typedef struct claim_window {
    timed_receive *receive;
    int calls;              /* atomic */
    int returned_in_window; /* the waiter finished while the core still held its request */
} claim_window;

static void hold_claimed_request(void *p)
{
    claim_window *w = p;
    __atomic_add_fetch(&w->calls, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 10000 && posix_host_parked_requests(m->host) != 0; i++) {
        sleep_ms(1); /* the waiter's timeout moves it from parked to cancelling */
    }
    for (int i = 0; i < 300 && !__atomic_load_n(&w->receive->returned, __ATOMIC_SEQ_CST); i++) {
        sleep_ms(1);
    }
    w->returned_in_window = __atomic_load_n(&w->receive->returned, __ATOMIC_SEQ_CST);
}

/* Issue 8 item 1: the host never completes a request the core has claimed until the core's unpark
 * failed; the cancelled receive ends once, as CANCELLED, and the record that woke it stays queued. */
static void test_parked_receive_claimed_while_cancelled_ends_once_after_the_unpark(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    timed_receive r = {.s = s, .ch = ch, .wait_ms = 300};
    if (pthread_create(&r.thread, NULL, timed_receive_thread, &r) != 0) {
        abort();
    }
    for (int i = 0; i < 10000 && posix_host_parked_requests(m->host) == 0; i++) {
        sleep_ms(1);
    }
    CHECK(posix_host_parked_requests(m->host) == 1);
    claim_window w = {.receive = &r};
    posix_host_set_unpark_hook(m->host, hold_claimed_request, &w);
    uint64_t tx;
    CHECK_ST(fk_peer_send(th_kch(m, ch), "woke", 4, 0, NULL, 0, 0, &tx), 0); /* the core claims the receive */
    pthread_join(r.thread, NULL);
    posix_host_set_unpark_hook(m->host, NULL, NULL);
    CHECK(__atomic_load_n(&w.calls, __ATOMIC_SEQ_CST) == 1);
    CHECK(!w.returned_in_window);
    CHECK_ST(r.st, KMCLB_STATUS_CANCELLED);
    kmclb_event e;
    uint8_t payload[8];
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, payload, sizeof(payload)) != 0);
    CHECK(e.payload_length == 4 && memcmp(payload, "woke", 4) == 0);
    CHECK(posix_host_parked_requests(m->host) == 0);
    th_close_session(s, m);
}

/* ------------------------------------------------------------------ close under send */
#define SENDERS 8

typedef struct send_flood {
    kc_session *s;
    uint64_t ch;
    int retry_refused; /* keep sending after a refusal (until the id goes stale) */
    int stop;          /* atomic: the test is done with the channel */
    int sent;          /* atomic: sends KMCL took */
    pthread_t threads[SENDERS];
} send_flood;

/* Sends with completion requested: the peer never completes them, so they pile up in KMCL and
 * Disable has every one of them to cancel while the senders go on. */
static void *sender_thread(void *p)
{
    send_flood *f = p;
    while (!__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) {
        kc_status st = th_send(f->s, m, f->ch, 1, 1, "flood", 5);
        if (st == KMCLB_STATUS_SUCCESS) {
            __atomic_add_fetch(&f->sent, 1, __ATOMIC_SEQ_CST);
        } else if (st == KMCLB_STATUS_STALE_ID || (st != KMCLB_STATUS_INSUFFICIENT_RESOURCES && !f->retry_refused)) {
            break; /* the channel is gone, or a refusal stops this sender (as an exception stops a Java one) */
        }
    }
    return NULL;
}

static void start_flood(send_flood *f, kc_session *s, uint64_t ch, int retry_refused)
{
    memset(f, 0, sizeof(*f));
    f->s = s;
    f->ch = ch;
    f->retry_refused = retry_refused;
    for (int i = 0; i < SENDERS; i++) {
        if (pthread_create(&f->threads[i], NULL, sender_thread, f) != 0) {
            abort();
        }
    }
}

/* waits (bounded) until the senders got `more` further sends into KMCL */
static void await_sends(send_flood *f, int more)
{
    int target = __atomic_load_n(&f->sent, __ATOMIC_SEQ_CST) + more;
    for (int i = 0; i < 10000 && __atomic_load_n(&f->sent, __ATOMIC_SEQ_CST) < target; i++) {
        sleep_ms(1);
    }
    CHECK(__atomic_load_n(&f->sent, __ATOMIC_SEQ_CST) >= target);
}

static void stop_flood(send_flood *f)
{
    __atomic_store_n(&f->stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < SENDERS; i++) {
        pthread_join(f->threads[i], NULL);
    }
}

/* Issue 8 items 3 and 6: SENDERS threads send while another disables and cleans up the channel.
 * No send reaches KMCL between Suspend and Closed (B93: the fake counts each as a violation), and
 * close finishes within a generous bound however busy the senders keep the core. */
static void close_under_send(uint64_t ep, int retry_refused)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    send_flood f;
    start_flood(&f, s, ch, retry_refused);
    await_sends(&f, 20000);
    uint64_t violations_before = fk_violations(m->world);
    int64_t started = now_ms();
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    /* B93. (What the cleanup below does with sends queued on the disabled channel is another
     * matter: KMCL never sends them.) */
    CHECK(fk_violations(m->world) == violations_before);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    int64_t closed = now_ms();
    stop_flood(&f);
    CHECK(closed - started < 5000);
    if (closed - started >= 5000) {
        fprintf(stderr, "close under send took %lld ms\n", (long long)(closed - started));
    }
    th_close_session(s, m);
}

static void test_close_under_send_sends_nothing_after_suspend_and_finishes_b93(uint64_t ep)
{
    close_under_send(ep, 0);
    close_under_send(ep, 1);
}

/* Issue 8 item 3, the Pause path: while SENDERS threads keep sending, Pause lets no send reach KMCL
 * after its Suspend, sends are refused until Start, and go to KMCL again after it. */
static void test_pause_under_send_sends_nothing_after_suspend_b93(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    send_flood f;
    start_flood(&f, s, ch, 1);
    await_sends(&f, 2000);
    uint64_t violations_before = fk_violations(m->world);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_PAUSE, ch), 0);
    CHECK(fk_violations(m->world) == violations_before);
    CHECK_ST(th_send(s, m, ch, 2, 1, "late", 4), KMCLB_STATUS_CONTRACT_VIOLATION);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_START, ch), 0);
    await_sends(&f, 100);
    stop_flood(&f);
    CHECK(fk_violations(m->world) == violations_before);
    th_close_session(s, m);
}

/* ------------------------------------------------------------------ disable under delivery */
typedef struct background_disable {
    kc_session *s;
    uint64_t ch;
    kc_status st;
    int done; /* atomic */
    pthread_t thread;
} background_disable;

static void *disable_thread(void *p)
{
    background_disable *d = p;
    d->st = th_channel_op(d->s, m, IOCTL_KMCLB_CHANNEL_DISABLE, d->ch);
    __atomic_store_n(&d->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Found by fuzz_sequence: Disable ends the packets queued for user mode, and ending one frees
 * transaction quota, so KMCL delivers the next packet from the ring before its Suspend stops
 * delivery (B86). That packet must be ended too, or Disable waits for it forever (B94). Returns
 * 0 when Disable hung (the test then leaves its thread behind). */
static int test_disable_ends_packets_delivered_while_it_runs_b94(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    kmclb_set_u32_in quota = {th_header(), ch, 1, 0};
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SET_QUOTA, &quota, sizeof(quota), NULL, 0, NULL, -1), 0);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t first, second;
    CHECK_ST(fk_peer_send(k, "one", 3, 1, NULL, 0, 0, &first), 0);  /* delivered, queued for user mode */
    CHECK_ST(fk_peer_send(k, "two", 3, 1, NULL, 0, 0, &second), 0); /* waits in the ring for quota */
    background_disable d = {.s = s, .ch = ch};
    if (pthread_create(&d.thread, NULL, disable_thread, &d) != 0) {
        abort();
    }
    for (int i = 0; i < 5000 && !__atomic_load_n(&d.done, __ATOMIC_SEQ_CST); i++) {
        sleep_ms(1);
    }
    CHECK(__atomic_load_n(&d.done, __ATOMIC_SEQ_CST));
    if (!__atomic_load_n(&d.done, __ATOMIC_SEQ_CST)) {
        fprintf(stderr, "disable still waiting after 5 s\n");
        return 0;
    }
    pthread_join(d.thread, NULL);
    CHECK_ST(d.st, 0);
    int kind = -1;
    uint32_t len = 0;
    CHECK_ST(fk_peer_await_outcome(k, first, 0, &kind, NULL, 0, &len), 0);
    CHECK(kind == FK_OUTCOME_FAILED); /* never received by user mode: failed, not completed */
    /* the second either stayed in the ring (failing the first stopped the queue; dropped at Closed,
     * no outcome) or was delivered late and ended at Suspend: never completed */
    CHECK_ST(fk_peer_await_outcome(k, second, 0, &kind, NULL, 0, &len), 0);
    CHECK(kind != FK_OUTCOME_COMPLETED);
    th_close_session(s, m);
    return 1;
}


/* ------------------------------------------------------------------ receive copies and wake-ups */
/* Issue 9 defect 8: RECEIVE copies the records' bodies (up to 32 MiB per request) without the core
 * lock, which the KMDF glue holds at DISPATCH_LEVEL; the POSIX host counts every copy made with
 * one of its locks held. Both ways a receive fills: at once, and a parked one filled by the
 * packet's arrival. The records land in the caller's memory exactly (split output, no system
 * buffer), with their padding zeroed. */
static void test_receive_copies_bodies_without_the_core_lock(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    kc_vmbchannel k = th_kch(m, ch);
    uint64_t copies_before = 0, under_lock = 0;
    posix_host_copy_counts(m->host, &copies_before, &under_lock);
    static uint8_t payload[3001];
    for (uint32_t i = 0; i < sizeof(payload); i++) {
        payload[i] = (uint8_t)(i * 7u + 1u);
    }
    uint64_t tx = 0;
    CHECK_ST(fk_peer_send(k, payload, sizeof(payload), 0, NULL, 0, 0, &tx), 0);
    CHECK_ST(fk_peer_send(k, payload, 5, 0, NULL, 0, 0, &tx), 0);
    static uint8_t records[8192];
    memset(records, 0xEE, sizeof(records));
    kmclb_receive_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    kmclb_receive_out h;
    posix_host_output output;
    CHECK_ST(posix_host_receive(m->host, s, &in, sizeof(in), &h, records, sizeof(records), 0, &output), 0);
    CHECK(h.status == 0 && h.records >= 2 && output.copied == sizeof(h) + h.bytes);
    CHECK(records[h.bytes] == 0xEE); /* nothing past the records reported is written */
    uint64_t ids[2] = {0, 0};
    int packets = 0;
    for (uint32_t at = 0; at + sizeof(kmclb_event) <= h.bytes;) {
        kmclb_event e;
        memcpy(&e, records + at, sizeof(e));
        uint32_t size = (uint32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
        if (e.kind == KMCLB_EV_PACKET && packets < 2) {
            uint32_t length = packets == 0 ? (uint32_t)sizeof(payload) : 5u;
            CHECK(e.payload_length == length && memcmp(records + at + sizeof(e), payload, length) == 0);
            CHECK(records[at + sizeof(e) + length] == 0 && records[at + size - 1] == 0); /* padding zeroed */
            ids[packets++] = e.id;
        }
        at += size;
    }
    CHECK(packets == 2);
    kmclb_event e;
    th_parked_receive parked;
    th_park_receive(&parked, s, m, ch);
    CHECK_ST(fk_peer_send(k, payload, 100, 0, NULL, 0, 0, &tx), 0);
    th_join_receive(&parked);
    /* the packet and its batch's end: one wake per batch (test_wakes.c) */
    CHECK(parked.st == 0 && parked.h.records == 2);
    uint64_t copies = 0;
    posix_host_copy_counts(m->host, &copies, &under_lock);
    CHECK(copies >= copies_before + 3);
    CHECK(under_lock == 0);
    memcpy(&e, parked.buf, sizeof(e));
    CHECK_ST(th_complete(s, m, e.id, NULL, 0), 0);
    CHECK_ST(th_complete(s, m, ids[0], NULL, 0), 0);
    CHECK_ST(th_complete(s, m, ids[1], NULL, 0), 0);
    th_close_session(s, m);
}

#define WAKE_ROUNDS 2000
#define WAKE_BOUND_MS 5000 /* a lost wake-up shows as a wait that runs into this bound ... */
#define WAKE_LOST_MS 2500  /* ... or close to it (the awaited record is there when it ends) */

typedef struct wake_pair {
    kc_session *s;
    uint64_t ch;
    kc_vmbchannel k;
    int lost; /* waits that ended by the bound instead of a wake-up */
} wake_pair;

/* the peer takes each of our packets as it comes, one blocking await each */
static void *peer_taker_thread(void *p)
{
    wake_pair *w = p;
    uint8_t buf[256];
    for (int i = 0; i < WAKE_ROUNDS; i++) {
        uint32_t bytes = 0;
        int64_t start = now_ms();
        if (fk_peer_await_received(w->k, WAKE_BOUND_MS, buf, sizeof(buf), &bytes) != 0 ||
            now_ms() - start >= WAKE_LOST_MS) {
            w->lost++;
            return NULL;
        }
    }
    return NULL;
}

/* our receiver takes each of the peer's packets with a blocking (parked) receive and completes it */
static void *receiver_thread(void *p)
{
    wake_pair *w = p;
    uint8_t buf[4096];
    int received = 0;
    while (received < WAKE_ROUNDS) {
        kmclb_receive_out h;
        int64_t start = now_ms();
        if (th_receive(w->s, m, w->ch, buf, sizeof(buf), WAKE_BOUND_MS, &h) != 0 || now_ms() - start >= WAKE_LOST_MS) {
            w->lost++;
            return NULL;
        }
        for (uint32_t at = 0; at + sizeof(kmclb_event) <= h.bytes;) {
            kmclb_event e;
            memcpy(&e, buf + at, sizeof(e));
            at += (uint32_t)KMCLB_RECORD_SIZE(e.payload_length + (e.kind == KMCLB_EV_PACKET ? e.aux : 0));
            if (e.kind == KMCLB_EV_PACKET) {
                CHECK_ST(th_complete(w->s, m, e.id, NULL, 0), 0);
                received++;
            }
        }
    }
    return NULL;
}

/* Wake-ups happen only on empty -> non-empty and only for the waiters concerned: a wake that is
 * skipped when it was needed leaves a waiter asleep until its bound. Each side here waits for
 * every single packet the other produces one at a time, the tightest interleaving for a lost
 * wake-up; the test would hang (bounded) if one were lost. */
static void test_no_wake_up_is_lost_between_producer_and_waiter(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_active_channel(s, ep);
    wake_pair w = {s, ch, th_kch(m, ch), 0};
    pthread_t thread;
    /* our sends, one at a time, taken by a waiting peer */
    pthread_create(&thread, NULL, peer_taker_thread, &w);
    for (int i = 0; i < WAKE_ROUNDS; i++) {
        CHECK_ST(th_send(s, m, ch, (uint64_t)i + 1u, 0, "out", 3), 0);
        if (i % 64 == 63) { /* drain the send completions now and then */
            uint8_t buf[4096];
            kmclb_receive_out h;
            (void)th_receive(s, m, ch, buf, sizeof(buf), 0, &h);
        }
    }
    pthread_join(thread, NULL);
    CHECK(w.lost == 0);
    /* the peer's packets, one at a time, taken by a parked receive */
    pthread_create(&thread, NULL, receiver_thread, &w);
    for (int i = 0; i < WAKE_ROUNDS; i++) {
        uint64_t tx = 0;
        CHECK_ST(fk_peer_send(w.k, "in", 2, 1, NULL, 0, 0, &tx), 0);
        if (i % 97 == 96) { /* and the peer waits for an outcome now and then */
            int kind = FK_OUTCOME_PENDING;
            uint32_t length = 0;
            int64_t start = now_ms();
            CHECK_ST(fk_peer_await_outcome(w.k, tx, WAKE_BOUND_MS, &kind, NULL, 0, &length), 0);
            CHECK(kind == FK_OUTCOME_COMPLETED && now_ms() - start < WAKE_LOST_MS);
        }
    }
    pthread_join(thread, NULL);
    CHECK(w.lost == 0);
    th_close_session(s, m);
}

int main(void)
{
    m = th_create();
    uint64_t ep = th_offer(m, 1, NULL);
    test_parked_receive_claimed_while_cancelled_ends_once_after_the_unpark(ep);
    test_receive_copies_bodies_without_the_core_lock(ep);
    test_no_wake_up_is_lost_between_producer_and_waiter(ep);
    test_close_under_send_sends_nothing_after_suspend_and_finishes_b93(ep);
    test_pause_under_send_sends_nothing_after_suspend_b93(ep);
    if (!test_disable_ends_packets_delivered_while_it_runs_b94(ep)) {
        TEST_MAIN_END(); /* a thread is stuck in the core: the machine cannot be destroyed */
    }
    th_destroy(m);
    TEST_MAIN_END();
}
