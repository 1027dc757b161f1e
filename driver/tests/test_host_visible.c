/* What the host sees of the driver's memory (issue 9, defects 5 and 6): the buffers the core hands
 * KMCL for the host (external data of MDL, PFN and synchronous sends, GPADL buffers) start at a
 * page boundary, hold exactly the caller's bytes and zeros to the end of their last page, and share
 * no page with anything else of the core; every system-address mapping of a KMCL MDL the core was
 * given (external data, server GPADL mappings) is handed back. The KMCL table here wraps the C
 * fake's and looks at every host-visible buffer before passing it on. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "test_host.h"

static th_machine *m;
static kc_kmcl_ops wrapped; /* the fake's table with the host-visible calls looked at */

/* what the last host-visible buffer looked like when it reached KMCL */
typedef struct seen_buffer {
    int calls;
    int page_aligned;      /* starts at a page boundary */
    int zero_to_page_end;  /* every byte after the data up to the end of its last page is 0 */
    int shares_no_page;    /* the inline payload (in the core's send record) lies outside its pages */
    uint8_t first_bytes[8];
    uint32_t length;
} seen_buffer;
static seen_buffer seen;

static void look_at(const void *buffer, uint32_t length, const void *inline_payload)
{
    const uint8_t *b = (const uint8_t *)buffer;
    uintptr_t start = (uintptr_t)buffer;
    uintptr_t end = start + ((length + KC_HOST_PAGE_SIZE - 1) / KC_HOST_PAGE_SIZE) * KC_HOST_PAGE_SIZE;
    seen.calls++;
    seen.length = length;
    seen.page_aligned = (start % KC_HOST_PAGE_SIZE) == 0;
    seen.zero_to_page_end = 1;
    if (seen.page_aligned) {
        for (uintptr_t i = length; i < end - start; i++) {
            if (b[i] != 0) {
                seen.zero_to_page_end = 0;
                break;
            }
        }
    }
    uintptr_t p = (uintptr_t)inline_payload;
    seen.shares_no_page = inline_payload == NULL || p < (start & ~(uintptr_t)(KC_HOST_PAGE_SIZE - 1)) || p >= end;
    memcpy(seen.first_bytes, b, length < 8 ? length : 8);
}

static kc_status send_mdl(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                          uint32_t flags)
{
    look_at(ext, ext_len, buf);
    return fk_ops()->packet_send_with_external_mdl(p, buf, len, ext, ext_len, flags);
}

static kc_status send_pfns(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                           uint32_t flags)
{
    look_at(ext, ext_len, buf);
    return fk_ops()->packet_send_with_external_pfns(p, buf, len, ext, ext_len, flags);
}

/* looked at only; answered as a request whose timeout passed, so no peer has to reply */
static kc_status send_synchronous(kc_vmbchannel ch, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                                  uint32_t flags, void *cbuf, uint32_t *csize, const int64_t *timeout)
{
    (void)ch, (void)len, (void)flags, (void)cbuf, (void)csize, (void)timeout;
    look_at(ext, ext_len, buf);
    return KMCLB_STATUS_CANCELLED;
}

static kc_status create_gpadl(kc_vmbchannel ch, uint32_t flags, void *buf, uint32_t size, uint32_t *handle)
{
    look_at(buf, size, NULL);
    return fk_ops()->create_gpadl_from_buffer(ch, flags, buf, size, handle);
}

static th_machine *create_machine(void)
{
    wrapped = *fk_ops();
    wrapped.packet_send_with_external_mdl = send_mdl;
    wrapped.packet_send_with_external_pfns = send_pfns;
    wrapped.send_synchronous_request = send_synchronous;
    wrapped.create_gpadl_from_buffer = create_gpadl;
    const posix_host_options options = {
        .max_handles = 4096, .driver_version = "test", .seed = 7, .poison_output = 1, .kmcl_ops = &wrapped};
    th_machine *machine = calloc(1, sizeof(*machine));
    if (machine == NULL || posix_host_create(&options, &machine->host) < 0) {
        abort();
    }
    machine->core = posix_host_core(machine->host);
    machine->world = posix_host_world(machine->host);
    return machine;
}

/* a SEND with payload and external data in the given form */
static kc_status send_external(kc_session *s, uint64_t ch, uint32_t form, const void *payload, uint32_t len,
                               const void *ext, uint32_t ext_len)
{
    kmclb_send_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.tag = 1;
    in.flags = 1; /* completion requested: KMCL requires it with external data */
    in.external_form = form;
    in.payload_length = len;
    in.external_length = ext_len;
    uint8_t *buf = malloc(sizeof(in) + len + ext_len);
    memcpy(buf, &in, sizeof(in));
    memcpy(buf + sizeof(in), payload, len);
    memcpy(buf + sizeof(in) + len, ext, ext_len);
    kc_status st = th_ioctl(s, m, IOCTL_KMCLB_SEND, buf, (uint32_t)(sizeof(in) + len + ext_len), NULL, 0, NULL, -1);
    free(buf);
    return st;
}

/* a client channel of ep, enabled and open */
static uint64_t open_client(kc_session *s, uint64_t ep)
{
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) != 0);
    return ch;
}

static uint8_t *pattern(uint32_t n, uint8_t seed)
{
    uint8_t *p = malloc(n);
    for (uint32_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7u) | 1u; /* never 0, so a zero tail is the driver's */
    }
    return p;
}

/* Defect 6: VmbPacketSendWithExternalPfns has no byte offset; the external data must own its pages. */
static void test_external_data_of_a_send_owns_whole_pages(uint64_t ep, uint32_t form)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    kmclb_event e;
    CHECK(th_wait_event(s, m, ch, KMCLB_EV_STATE, KMCLB_ST_POST_STARTED, 1000, &e, NULL, 0) != 0);
    const uint32_t lengths[] = {1, 100, 4096, 5000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        uint8_t *ext = pattern(lengths[i], (uint8_t)i);
        memset(&seen, 0, sizeof(seen));
        CHECK_ST(send_external(s, ch, form, "header!", 7, ext, lengths[i]), 0);
        CHECK(seen.calls == 1 && seen.length == lengths[i]);
        CHECK(seen.page_aligned);
        CHECK(seen.zero_to_page_end);
        CHECK(seen.shares_no_page);
        CHECK(memcmp(seen.first_bytes, ext, lengths[i] < 8 ? lengths[i] : 8) == 0);
        /* and the peer gets exactly those bytes */
        uint8_t rec[sizeof(kmclb_event) + 8 + 5000 + 8];
        uint32_t got = 0;
        CHECK_ST(fk_peer_await_received(th_kch(m, ch), 1000, rec, sizeof(rec), &got), 0);
        kmclb_event r;
        memcpy(&r, rec, sizeof(r));
        CHECK(r.payload_length == 7 && r.aux == lengths[i]);
        CHECK(memcmp(rec + sizeof(r) + 7, ext, lengths[i]) == 0);
        free(ext);
    }
    CHECK(fk_violations(m->world) == 0);
    th_close_session(s, m);
}

static void test_external_data_of_a_synchronous_send_owns_whole_pages(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = th_open_channel(s, m, ep, 0);
    uint8_t *ext = pattern(300, 3);
    kmclb_send_sync_in in;
    memset(&in, 0, sizeof(in));
    in.hdr = th_header();
    in.channel = ch;
    in.external_form = KMCLB_EXTERNAL_MDL;
    in.payload_length = 4;
    in.external_length = 300;
    in.has_timeout = 1;
    in.timeout_100ns = -10000;
    uint8_t buf[sizeof(in) + 4 + 300];
    memcpy(buf, &in, sizeof(in));
    memcpy(buf + sizeof(in), "sync", 4);
    memcpy(buf + sizeof(in) + 4, ext, 300);
    memset(&seen, 0, sizeof(seen));
    uint8_t out[sizeof(kmclb_send_sync_out)];
    CHECK_ST(th_ioctl(s, m, IOCTL_KMCLB_SEND_SYNC, buf, sizeof(buf), out, sizeof(out), NULL, -1),
             KMCLB_STATUS_CANCELLED);
    CHECK(seen.calls == 1 && seen.length == 300 && seen.page_aligned && seen.zero_to_page_end);
    CHECK(memcmp(seen.first_bytes, ext, 8) == 0);
    free(ext);
    th_close_session(s, m);
}

/* A GPADL buffer is all the host's: page-aligned, zeroed, nothing of the core in its pages. */
static void test_gpadl_buffer_owns_whole_pages(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_client(s, ep);
    const uint32_t sizes[] = {1, 4096, 5000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(&seen, 0, sizeof(seen));
        uint32_t handle;
        CHECK_ST(th_gpadl_create(s, m, ch, sizes[i], &handle), 0);
        CHECK(seen.calls == 1 && seen.length == sizes[i] && seen.page_aligned && seen.zero_to_page_end);
        uint8_t zero[8] = {0};
        CHECK(memcmp(seen.first_bytes, zero, sizes[i] < 8 ? sizes[i] : 8) == 0);
    }
    CHECK(fk_violations(m->world) == 0);
    th_close_session(s, m);
}

/* Defect 5: the core hands back the mapping of an incoming packet's external data as soon as it
 * has its copy (before the packet ends), and a server GPADL mapping when it unmaps the GPADL or
 * the channel goes. */
static void test_mappings_of_kmcl_mdls_are_ended(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_client(s, ep);
    kmclb_event e;
    uint64_t tx;
    CHECK_ST(fk_peer_send(th_kch(m, ch), "in", 2, 1, "external", 8, 1, &tx), 0);
    uint8_t body[16];
    uint64_t pkt = th_wait_event(s, m, ch, KMCLB_EV_PACKET, 0, 1000, &e, body, sizeof(body));
    CHECK(pkt != 0 && e.aux == 8 && memcmp(body + 2, "external", 8) == 0);
    CHECK(fk_system_mappings(m->world) == 0); /* the packet is still held: the copy is the core's */
    CHECK_ST(th_complete(s, m, pkt, NULL, 0), 0);

    uint64_t sv = th_open_channel(s, m, ep, 1);
    kc_vmbchannel ks = th_kch(m, sv);
    CHECK_ST(fk_peer_open(ks), 0);
    CHECK(th_wait_event(s, m, sv, KMCLB_EV_STATE, KMCLB_ST_OPENED, 1000, &e, NULL, 0) != 0);
    uint32_t gh;
    CHECK_ST(fk_peer_create_gpadl(ks, 8192, 0, &gh), 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, sv, gh, 0), 0);
    CHECK(fk_system_mappings(m->world) == 1);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_UNMAP, sv, gh, 0), 0);
    CHECK(fk_system_mappings(m->world) == 0);
    CHECK_ST(th_gpadl_op(s, m, IOCTL_KMCLB_GPADL_MAP, sv, gh, 0), 0);
    CHECK(fk_system_mappings(m->world) == 1);
    th_close_session(s, m); /* teardown unmaps what is still mapped */
    CHECK(fk_system_mappings(m->world) == 0);
}

/* The fake refuses, and counts as a contract violation, host-visible buffers that do not start at
 * a page boundary: real KMCL would show the host other bytes (PFN form, GPADLs). */
static void test_fake_refuses_unaligned_host_visible_buffers(uint64_t ep)
{
    kc_session *s = th_open_session(m);
    uint64_t ch = open_client(s, ep);
    kc_vmbchannel k = th_kch(m, ch);
    const kc_kmcl_ops *o = fk_ops();
    uint8_t *pages = aligned_alloc(KC_HOST_PAGE_SIZE, 2 * KC_HOST_PAGE_SIZE);
    memset(pages, 0, 2 * KC_HOST_PAGE_SIZE);
    uint64_t before = fk_violations(m->world);
    uint32_t handle;
    CHECK_ST(o->create_gpadl_from_buffer(k, 0, pages + 16, 100, &handle), KMCLB_STATUS_INVALID_PARAMETER);
    kc_vmbpacket p = o->packet_allocate(k);
    CHECK_ST(o->packet_send_with_external_pfns(p, "x", 1, pages + 16, 100, 0), KMCLB_STATUS_INVALID_PARAMETER);
    o->packet_free(p);
    CHECK(fk_violations(m->world) == before + 2);
    free(pages);
    th_close_session(s, m);
}

int main(void)
{
    m = create_machine();
    uint64_t ep = th_offer(m, 1, NULL);
    test_external_data_of_a_send_owns_whole_pages(ep, KMCLB_EXTERNAL_PFNS);
    test_external_data_of_a_send_owns_whole_pages(ep, KMCLB_EXTERNAL_MDL);
    test_external_data_of_a_synchronous_send_owns_whole_pages(ep);
    test_gpadl_buffer_owns_whole_pages(ep);
    test_mappings_of_kmcl_mdls_are_ended(ep);
    test_fake_refuses_unaligned_host_visible_buffers(ep);
    th_destroy(m);
    TEST_MAIN_END();
}
