/* The driver reports what KMCL did and nothing user mode must not see (issue 9, defects 4, 11, 12):
 * a packet's IRQL is the level KMCL called the core at, not the one the core's spin lock raises it
 * to; the channel query carries the MMIO space's size but never KMCL's address; SetInterruptLatency
 * answers as KMCL answered (the Closed-handler window of the Java fake lives in the loopback host
 * and the C fake, not in the core); pending sends are bounded by the memory they hold per session. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;

static kc_status configure(kc_session *s, uint64_t ch, const kmclb_channel_config *cfg)
{
    kmclb_configure_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.config = *cfg;
    kmclb_configure_out out;
    memset(&out, 0, sizeof(out));
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_CHANNEL_CONFIGURE, &in, sizeof(in), &out, sizeof(out), NULL, -1);
    return st < 0 ? st : out.status;
}

static kc_status set_latency(kc_session *s, uint64_t ch, uint32_t latency, uint32_t *original)
{
    kmclb_set_u32_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.value = latency;
    kmclb_u32_out out;
    memset(&out, 0, sizeof(out));
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_SET_LATENCY, &in, sizeof(in), &out, sizeof(out), NULL, -1);
    if (original != NULL) {
        *original = out.value;
    }
    return st;
}

/* Defect 4: the posix host reports DISPATCH_LEVEL while a core lock is held, as a WDFSPINLOCK
 * raises it; a packet KMCL delivers at PASSIVE_LEVEL must still say PASSIVE. */
static void test_packet_irql_is_the_level_kmcl_called_at(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    kmclb_channel_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.present = KMCLB_CFG_INCOMING_AT_PASSIVE;
    cfg.incoming_at_passive = 1;
    CHECK_ST(configure(s, ch, &cfg), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    for (int i = 0; i < 8; i++) {
        kmclb_event e;
        uint64_t tx;
        uint64_t pkt = th_deliver(s, m, ch, "at passive", 0, &tx, &e);
        CHECK(pkt != 0 && e.status == KMCLB_IRQL_PASSIVE);
        CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);
    }
    th_close_session(s, m);
}

/* Defect 11: VmbChannelGetMmioSpace's address may be a kernel virtual address; user mode gets
 * whether the space is valid and its size, and slot 21 stays 0. */
static void test_query_reports_mmio_size_but_never_the_address(void)
{
    kc_guid type, instance;
    memset(&type, 0x5A, sizeof(type));
    memset(&instance, 0x5B, sizeof(instance));
    uint64_t offer = 0;
    CHECK_ST(fk_peer_offer(m->world, &type, &instance, 2, 0, "mmio device", &offer, NULL), 0);
    uint64_t ep = posix_host_endpoint_of_offer(m->host, offer);
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) != 0);
    uint64_t kmcl_address = 0, kmcl_size = 0;
    fk_ops()->get_mmio_space(th_kch(m, ch), &kmcl_address, &kmcl_size);
    CHECK(kmcl_address != 0 && kmcl_size == 2u << 20); /* what KMCL said */
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK((q[KMCLB_Q_FLAGS] & KMCLB_QF_MMIO_VALID) != 0);
    CHECK(q[KMCLB_Q_MMIO_SIZE] == 2u << 20);
    CHECK(q[KMCLB_Q_RESERVED_21] == 0);
    for (uint32_t i = 0; i < KMCLB_QUERY_SLOTS; i++) {
        CHECK(q[i] != kmcl_address);
    }
    th_close_session(s, m);
}

typedef struct latency_call {
    kc_session *s;
    uint64_t ch;
    kc_status st;
} latency_call;

static void *set_latency_thread(void *arg)
{
    latency_call *call = (latency_call *)arg;
    call->st = set_latency(call->s, call->ch, 70, NULL);
    return NULL;
}

/* Defect 12 (B53): the core no longer answers SUCCESS after KMCL refused. On loopback, the host and
 * the C fake count user mode's Closed handler (the thread that received CLOSED, until it asks for
 * more) as part of EvtChannelClosed, as the Java fake does; every other call is refused by KMCL. */
static void test_latency_after_closed_is_what_kmcl_answers(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) != 0);
    uint32_t original = 99;
    CHECK_ST(set_latency(s, ch, 50, &original), 0);
    CHECK(original == 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_DISABLE, ch), 0);
    CHECK_ST(set_latency(s, ch, 55, NULL), KMCLB_STATUS_INVALID_DEVICE_STATE); /* CLOSED not received yet */
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_CLOSED, 1000, &e, NULL, 0) != 0);
    /* another thread is not inside this thread's Closed handler: KMCL's refusal reaches it */
    latency_call other = {s, ch, 0};
    pthread_t thread;
    pthread_create(&thread, NULL, set_latency_thread, &other);
    pthread_join(thread, NULL);
    CHECK_ST(other.st, KMCLB_STATUS_INVALID_DEVICE_STATE);
    /* the receiving thread, inside its Closed handler (loopback's choice, docs/fake-choices.md) */
    CHECK_ST(set_latency(s, ch, 60, &original), 0);
    CHECK(original == 50);
    uint64_t q[KMCLB_QUERY_SLOTS];
    th_query(s, m, ch, q);
    CHECK(q[KMCLB_Q_INTERRUPT_LATENCY] == 60);
    /* asking for more records ends the handler */
    kmclb_receive_out h;
    uint8_t buf[256];
    th_receive(s, m, ch, buf, sizeof(buf), 0, &h);
    CHECK_ST(set_latency(s, ch, 65, NULL), KMCLB_STATUS_INVALID_DEVICE_STATE);
    th_close_session(s, m);
}

/* a SEND of one payload byte and ext_len bytes of MDL external data (the peer completes it) */
static kc_status send_external(kc_session *s, uint64_t ch, const uint8_t *ext, uint32_t ext_len)
{
    kmclb_send_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.flags = 1; /* completion requested: KMCL requires it with external data */
    in.external_form = KMCLB_EXTERNAL_MDL;
    in.payload_length = 1;
    in.external_length = ext_len;
    uint8_t *buf = malloc(sizeof(in) + 1 + ext_len);
    memcpy(buf, &in, sizeof(in));
    buf[sizeof(in)] = 'x';
    memcpy(buf + sizeof(in) + 1, ext, ext_len);
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_SEND, buf, (uint32_t)(sizeof(in) + 1 + ext_len), NULL, 0, NULL, -1);
    free(buf);
    return st;
}

/* a client channel of a new offer, taking external data up to the driver's limit, whose peer does
 * not read yet */
static uint64_t open_unread_channel(kc_session *s, uint8_t offer_tag)
{
    uint64_t ep = th_offer(m, offer_tag, NULL);
    uint64_t ch;
    CHECK_ST(th_create_channel(s, m, ep, 0, &ch), 0);
    kmclb_channel_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.present = KMCLB_CFG_MAX_EXTERNAL_DATA;
    cfg.max_external_data_size = KMCLB_MAX_PAYLOAD;
    cfg.max_external_chain_length = 1;
    CHECK_ST(configure(s, ch, &cfg), 0);
    CHECK_ST(th_channel_op(s, m, IOCTL_KMCLB_CHANNEL_ENABLE, ch), 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) != 0);
    CHECK_ST(fk_peer_set_reading(th_kch(m, ch), 0), 0);
    return ch;
}

/* Defect 12: the cap on pending sends is the memory a session holds in them
 * (KMCLB_MAX_SESSION_SEND_BYTES), whichever of its channels they are on; other sessions are not
 * affected, and a completion gives the memory back. */
static void test_pending_sends_are_bounded_by_memory_per_session(void)
{
    const uint32_t big = KMCLB_MAX_PAYLOAD;
    uint8_t *ext = calloc(1, big);
    kc_session *s = th_open_session(m);
    uint64_t ch = open_unread_channel(s, 10);
    uint64_t sibling = open_unread_channel(s, 11);
    uint32_t accepted = 0;
    while (accepted < 16 && send_external(s, ch, ext, big) == KMCLB_STATUS_SUCCESS) {
        accepted++;
    }
    CHECK(accepted == KMCLB_MAX_SESSION_SEND_BYTES / big - 1); /* each also holds its record and payload */
    CHECK_ST(send_external(s, sibling, ext, big), KMCLB_STATUS_INSUFFICIENT_RESOURCES);
    kc_session *other = th_open_session(m);
    uint64_t elsewhere = open_unread_channel(other, 12);
    CHECK_ST(send_external(other, elsewhere, ext, big), 0);
    /* the peer reads and completes one: its memory is free again */
    kc_vmbchannel k = th_kch(m, ch);
    CHECK_ST(fk_peer_set_reading(k, 1), 0);
    const uint32_t record_size = (uint32_t)KMCLB_RECORD_SIZE(1u + big);
    uint8_t *record = malloc(record_size);
    uint32_t got = 0;
    CHECK_ST(fk_peer_await_received(k, 1000, record, record_size, &got), 0);
    kmclb_event r;
    memcpy(&r, record, sizeof(r));
    free(record);
    CHECK_ST(fk_peer_complete(k, r.id, NULL, 0), 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_SEND_COMPLETE, 0, 2000, &e, NULL, 0) != 0);
    CHECK_ST(send_external(s, sibling, ext, big), 0);
    CHECK_ST(fk_peer_set_reading(th_kch(m, sibling), 1), 0);
    CHECK_ST(fk_peer_set_reading(th_kch(m, elsewhere), 1), 0);
    kc_session_close(other);
    th_close_session(s, m);
    free(ext);
}

int main(void)
{
    m = th_create();
    uint64_t ep = th_offer(m, 1, NULL);
    test_packet_irql_is_the_level_kmcl_called_at(ep);
    test_query_reports_mmio_size_but_never_the_address();
    test_latency_after_closed_is_what_kmcl_answers(ep);
    test_pending_sends_are_bounded_by_memory_per_session();
    CHECK(fk_violations(m->world) == 0);
    th_destroy(m);
    TEST_MAIN_END();
}
