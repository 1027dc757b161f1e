/* Requests whose KMCL call waits for the host run detached (kc_detached.c): the caller's request
 * stays cancelable, results still reach it, and a device the driver is function driver of admits
 * one channel at a time (KMCLB_STATUS_CHANNEL_ALREADY_OPEN). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include "test_host.h"
#include "kc_internal.h"

static th_machine *create_detaching_machine(void)
{
    th_machine *m = calloc(1, sizeof(*m));
    const posix_host_options options = {.max_handles = 4096, .driver_version = "test", .seed = 7,
                                        .poison_output = 1, .detach_blocking_requests = 1};
    if (m == NULL || posix_host_create(&options, &m->host) < 0) {
        abort();
    }
    m->core = posix_host_core(m->host);
    m->world = posix_host_world(m->host);
    return m;
}

/* SEND_SYNC input: "question" and room for an 8-byte completion */
static uint32_t sync_request(uint64_t ch, int has_timeout, uint8_t *buf)
{
    kmclb_send_sync_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.flags = KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    in.payload_length = 8;
    in.completion_capacity = 8;
    in.has_timeout = (uint32_t)has_timeout;
    memcpy(buf, &in, sizeof(in));
    memcpy(buf + sizeof(in), "question", 8);
    return (uint32_t)sizeof(in) + 8;
}

static void may_block_names_the_requests_that_wait_for_the_host(void)
{
    uint8_t in[sizeof(kmclb_send_sync_in) + 8];
    uint32_t len = sync_request(1, 0, in);
    CHECK(kc_request_may_block(IOCTL_KMCLB_SEND_SYNC, in, len));
    sync_request(1, 1, in);
    CHECK(!kc_request_may_block(IOCTL_KMCLB_SEND_SYNC, in, len)); /* bounded by its own timeout */
    CHECK(!kc_request_may_block(IOCTL_KMCLB_SEND_SYNC, in, 8));   /* too short: refused inline */
    CHECK(kc_request_may_block(IOCTL_KMCLB_CHANNEL_DISABLE, NULL, 0));
    CHECK(kc_request_may_block(IOCTL_KMCLB_CHANNEL_PAUSE, NULL, 0));
    CHECK(kc_request_may_block(IOCTL_KMCLB_CHANNEL_CLEANUP, NULL, 0));
    CHECK(kc_request_may_block(IOCTL_KMCLB_GPADL_DELETE, NULL, 0));
    CHECK(!kc_request_may_block(IOCTL_KMCLB_RECEIVE, NULL, 0));
    CHECK(!kc_request_may_block(IOCTL_KMCLB_CHANNEL_ENABLE, NULL, 0));
}

/* Without the detached run this waits forever: nobody answers and nothing cancels a wait on the
 * caller's thread. */
static void synchronous_request_without_timeout_ends_cancelled_when_its_caller_gives_up(void)
{
    th_machine *m = create_detaching_machine();
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, th_offer(m, 1, NULL), 0);
    uint8_t in[sizeof(kmclb_send_sync_in) + 8];
    uint32_t len = sync_request(ch, 0, in);
    uint8_t out[16];
    uint32_t info = 99;
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND_SYNC, in, len, out, sizeof(out), &info, 50), KMCLB_STATUS_CANCELLED);
    CHECK(info == 0);
    /* the request KMCL still waits on goes with the channel; nothing leaks, nothing hangs */
    th_close_session(s, m);
    th_destroy(m);
}

typedef struct sync_caller {
    kc_session *s;
    th_machine *m;
    uint64_t ch;
    kc_status st;
    uint32_t info;
    uint8_t out[16];
} sync_caller;

static void *call_sync(void *p)
{
    sync_caller *c = (sync_caller *)p;
    uint8_t in[sizeof(kmclb_send_sync_in) + 8];
    uint32_t len = sync_request(c->ch, 0, in);
    c->st = th_ioctl(c->s, c->m, IOCTL_KMCLB_SEND_SYNC, in, len, c->out, sizeof(c->out), &c->info, -1);
    return NULL;
}

static void detached_synchronous_request_returns_the_peers_completion(void)
{
    th_machine *m = create_detaching_machine();
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, th_offer(m, 1, NULL), 0);
    sync_caller caller = {.s = s, .m = m, .ch = ch};
    pthread_t t;
    pthread_create(&t, NULL, call_sync, &caller);
    uint8_t rec[256];
    uint32_t bytes = 0;
    CHECK_ST(fk_peer_await_received(th_kch(m, ch), 10000, rec, sizeof(rec), &bytes), 0);
    kmclb_event ev;
    memcpy(&ev, rec, sizeof(ev));
    CHECK(bytes >= sizeof(ev) + 8 && memcmp(rec + sizeof(ev), "question", 8) == 0);
    CHECK_ST(fk_peer_complete(th_kch(m, ch), ev.id, "answer!!", 8), 0);
    pthread_join(t, NULL);
    CHECK_ST(caller.st, 0);
    kmclb_send_sync_out head;
    memcpy(&head, caller.out, sizeof(head));
    CHECK(caller.info == 16 && head.completion_size == 8 && memcmp(caller.out + 8, "answer!!", 8) == 0);
    th_close_session(s, m);
    th_destroy(m);
}

static void detached_disable_and_cleanup_complete_with_their_results(void)
{
    th_machine *m = create_detaching_machine();
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, th_offer(m, 1, NULL), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_PAUSE, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_START, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_DISABLED);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), KMCLB_STATUS_STALE_ID); /* errors too */
    th_close_session(s, m);
    th_destroy(m);
}

/* The caller's cancel and the worker's end race: whichever wins, the request completes exactly once
 * (a lost one hangs the waiter, a doubled one or a late write is a sanitizer finding) and a cancelled
 * Disable still disables. */
static void cancel_racing_the_detached_run_completes_the_request_once(void)
{
    th_machine *m = create_detaching_machine();
    kc_session *s = th_open_session(m);
    uint64_t endpoint = th_offer(m, 1, NULL);
    int cancelled = 0, succeeded = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t ch = th_open_channel(s, m, endpoint, 0);
        kmclb_channel_in in;
        memset(&in, 0, sizeof(in));
        in.hdr = th_header();
        in.channel = ch;
        kc_status st = th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, &in, sizeof(in), NULL, 0, NULL, 0);
        CHECK(st == 0 || st == KMCLB_STATUS_CANCELLED);
        cancelled += st == KMCLB_STATUS_CANCELLED;
        succeeded += st == 0;
        uint64_t q[KMCLB_QUERY_SLOTS];
        for (int spin = 0; spin < 10000; spin++) { /* a cancelled Disable finishes on its worker */
            th_query(s, m, ch, q);
            if (q[KMCLB_Q_STATE] == KMCLB_STATE_DISABLED) {
                break;
            }
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        CHECK(q[KMCLB_Q_STATE] == KMCLB_STATE_DISABLED);
        CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, ch), 0);
    }
    CHECK(cancelled + succeeded == 200);
    printf("disable raced with its cancel: %d cancelled, %d completed\n", cancelled, succeeded);
    th_close_session(s, m);
    th_destroy(m);
}

static void single_channel_device_refuses_a_second_channel_until_the_first_is_cleaned_up(void)
{
    th_machine *m = th_create();
    kc_session *s = th_open_session(m);
    uint64_t endpoint = th_offer(m, 1, NULL);
    uint64_t other = th_offer(m, 2, NULL);
    CHECK_ST(kc_endpoint_set_single_channel(m->core, endpoint, 1), 0);
    CHECK_ST(kc_endpoint_set_single_channel(m->core, 12345, 1), KMCLB_STATUS_NOT_FOUND);
    uint64_t first = th_open_channel(s, m, endpoint, 0);
    uint64_t second = 0;
    CHECK_ST(th_create_channel(s, m, endpoint, 0, &second), KMCLB_STATUS_CHANNEL_ALREADY_OPEN);
    CHECK(second == 0);
    kc_session *s2 = th_open_session(m); /* another handle is refused as well */
    CHECK_ST(th_create_channel(s2, m, endpoint, 0, &second), KMCLB_STATUS_CHANNEL_ALREADY_OPEN);
    /* endpoints without the flag keep admitting many channels */
    uint64_t a = th_open_channel(s, m, other, 0);
    uint64_t b = th_open_channel(s, m, other, 0);
    CHECK(a != 0 && b != 0 && a != b);
    /* disabled is not enough: the channel exists until its cleanup */
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, first), 0);
    CHECK_ST(th_create_channel(s2, m, endpoint, 0, &second), KMCLB_STATUS_CHANNEL_ALREADY_OPEN);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_CLEANUP, first), 0);
    CHECK_ST(th_create_channel(s2, m, endpoint, 0, &second), 0);
    /* a session closing with the channel frees the device too */
    kc_session_close(s2);
    CHECK_ST(th_create_channel(s, m, endpoint, 0, &second), 0);
    th_close_session(s, m);
    th_destroy(m);
}

int main(void)
{
    may_block_names_the_requests_that_wait_for_the_host();
    synchronous_request_without_timeout_ends_cancelled_when_its_caller_gives_up();
    detached_synchronous_request_returns_the_peers_completion();
    detached_disable_and_cleanup_complete_with_their_results();
    cancel_racing_the_detached_run_completes_the_request_once();
    single_channel_device_refuses_a_second_channel_until_the_first_is_cleaned_up();
    TEST_MAIN_END();
}
