/* kc_sends.c - packets we send: asynchronous sends (their end comes back as a SEND_COMPLETE record
 * from KMCL's completion routine) and synchronous requests. */
#include <string.h>
#include "kc_internal.h"

/* lock held: the send counts against its session's KMCLB_MAX_SESSION_SEND_BYTES until it ends */
static void link_send(kc_channel *ch, kc_send *sd)
{
    kc_list_insert_head(&ch->sends, &sd->link);
    ch->pending_sends++;
    ch->owner->send_bytes += sd->charge;
}

/* lock held */
static void unlink_send(kc_channel *ch, kc_send *sd)
{
    kc_list_remove(&ch->sends, &sd->link);
    ch->pending_sends--;
    ch->owner->send_bytes -= sd->charge;
}

/* The memory a send holds: its record with the inline payload, and its external data's pages. */
static uint64_t send_charge(uint32_t len, uint32_t ext_len)
{
    uint64_t pages = ((uint64_t)ext_len + KC_HOST_PAGE_SIZE - 1) / KC_HOST_PAGE_SIZE;
    return sizeof(kc_send) + (uint64_t)len + pages * KC_HOST_PAGE_SIZE;
}

/* A send's copy of what user mode gave: the inline payload in the record (KMCL copies it into the
 * ring) and the external data in host-visible pages of their own; NULL when memory is short. */
static kc_send *new_send(kc_core *c, const void *payload, uint32_t len, const void *ext, uint32_t ext_len)
{
    kc_send *sd = (kc_send *)kc_alloc(c, sizeof(kc_send) + (size_t)len);
    if (sd == NULL) {
        return NULL;
    }
    memset(sd, 0, sizeof(*sd));
    if (ext_len > 0) {
        sd->external = (uint8_t *)kc_alloc_host_visible(c, ext_len);
        if (sd->external == NULL) {
            kc_free(c, sd);
            return NULL;
        }
        memcpy(sd->external, ext, ext_len);
        sd->external_len = ext_len;
    }
    if (len > 0) {
        memcpy(kc_send_payload(sd), payload, len);
    }
    sd->charge = send_charge(len, ext_len);
    return sd;
}

static void free_send(kc_core *c, kc_send *sd)
{
    kc_free_host_visible(c, sd->external, sd->external_len);
    kc_free(c, sd);
}

/* KMCL's completion routine for a send: the transaction's end, with the peer's completion payload.
 * Sends complete one by one, many per receive: only the completion that makes the channel's
 * stream deliverable wakes a parked receive. Once something deliverable is queued, a wake is
 * already due (its producer delivers after its own lock hold, a batch's packets at the batch end,
 * a receive being parked looks once it is parked), and the receive it wakes takes this record too.
 * A completion that does not wake holds no channel reference: KMCL's packet is freed first, while
 * the send is still listed (teardown waits for the list to empty), and after the one lock hold
 * only the core's memory is touched. */
static void cb_send_complete(void *ctx, kc_status status, const void *buf, uint32_t len)
{
    kc_send *sd = (kc_send *)ctx;
    kc_channel *ch = sd->ch;
    kc_core *c = ch->core;
    if (buf == NULL || len > KMCLB_MAX_PAYLOAD) {
        len = 0;
    }
    kmclb_event hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.kind = KMCLB_EV_SEND_COMPLETE;
    hdr.payload_length = len;
    hdr.id = sd->tag;
    hdr.status = status;
    kc_event *e = kc_event_new(c, &hdr, buf); /* buf is KMCL's until the routine returns: copied first */
    ch->ops->packet_free(sd->kp);
    kc_lock(c);
    unlink_send(ch, sd);
    ch->ctr[KMCLB_Q_COMPLETIONS_RECEIVED]++;
    int was_deliverable = kc_events_deliverable(ch);
    e = kc_event_queue_or_drop(ch, e, !ch->closing);
    int wake = e == NULL && !was_deliverable;
    if (wake) {
        ch->refs++; /* teardown waits until the wake is done with the channel */
    }
    kc_unlock(c);
    kc_free(c, e);
    free_send(c, sd);
    if (wake) {
        kc_deliver_parked(ch);
        kc_channel_put(ch);
    }
}

/* lock held: one more packet out */
static void count_out(kc_channel *ch, uint64_t bytes)
{
    ch->ctr[KMCLB_Q_PACKETS_OUT]++;
    ch->ctr[KMCLB_Q_BYTES_OUT] += bytes;
}

/* lock held: why a send may not go to KMCL now, or SUCCESS */
static kc_status send_refusal(const kc_channel *ch)
{
    if (ch->shutdowns_in_progress > 0) {
        return KMCLB_STATUS_DEVICE_REMOVED; /* being shut down (KMCL's answer to a synchronous request, B130) */
    }
    if (ch->suspended || ch->run_changes_in_progress > 0) {
        return KMCLB_STATUS_CONTRACT_VIOLATION; /* B93: no sends between Suspend and Started/Closed */
    }
    return KMCLB_STATUS_SUCCESS;
}

void kc_sends_stop(kc_channel *ch, kc_send_stop why)
{
    kc_core *c = ch->core;
    kc_lock(c);
    if (why == KC_SENDS_STOP_SHUTDOWN) {
        ch->shutdowns_in_progress++;
    } else {
        ch->run_changes_in_progress++;
    }
    kc_unlock(c);
    kc_wait_until_zero(c, &ch->sends_in_flight);
}

void kc_sends_restart(kc_channel *ch, kc_send_stop why)
{
    kc_lock(ch->core);
    if (why == KC_SENDS_STOP_SHUTDOWN) {
        ch->shutdowns_in_progress--;
    } else {
        ch->run_changes_in_progress--;
    }
    kc_unlock(ch->core);
}

/* An admitted send (counted in sends_in_flight by the caller): the packet goes to KMCL. */
static kc_status send_admitted(kc_channel *ch, uint64_t tag, uint32_t flags, uint32_t form, const void *payload,
                               uint32_t len, const void *ext, uint32_t ext_len)
{
    kc_core *c = ch->core;
    kc_send *sd = new_send(c, payload, len, ext, ext_len);
    if (sd == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    sd->ch = ch;
    sd->tag = tag;
    sd->kp = ch->ops->packet_allocate(ch->kch);
    if (sd->kp == NULL) {
        free_send(c, sd);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    ch->ops->packet_set_pointer(sd->kp, sd);
    ch->ops->packet_set_completion_routine(sd->kp, cb_send_complete);
    uint64_t bytes = (uint64_t)len + ext_len;
    kc_lock(c);
    if (ch->owner->send_bytes + sd->charge > KMCLB_MAX_SESSION_SEND_BYTES) {
        kc_unlock(c);
        ch->ops->packet_free(sd->kp);
        free_send(c, sd);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    link_send(ch, sd);
    count_out(ch, bytes);
    kc_unlock(c);
    kc_vmbpacket kp = sd->kp;
    const uint8_t *inline_payload = kc_send_payload(sd);
    const uint8_t *external = sd->external;
    kc_status st;
    /* from here sd may be freed at any time by the completion routine */
    if (form == KMCLB_EXTERNAL_MDL) {
        st = ch->ops->packet_send_with_external_mdl(kp, inline_payload, len, external, ext_len, flags);
    } else if (form == KMCLB_EXTERNAL_PFNS) {
        st = ch->ops->packet_send_with_external_pfns(kp, inline_payload, len, external, ext_len, flags);
    } else {
        st = ch->ops->packet_send(kp, inline_payload, len, flags);
    }
    if (!KC_SUCCESS(st)) {
        /* KMCL did not take the packet: no completion routine will run */
        kc_lock(c);
        unlink_send(ch, sd);
        ch->ctr[KMCLB_Q_PACKETS_OUT]--; /* it never went out */
        ch->ctr[KMCLB_Q_BYTES_OUT] -= bytes;
        kc_unlock(c);
        ch->ops->packet_free(kp);
        free_send(c, sd);
    }
    return st;
}

kc_status kc_op_send(kc_channel *ch, uint64_t tag, uint32_t flags, uint32_t form, const void *payload, uint32_t len,
                     const void *ext, uint32_t ext_len)
{
    kc_core *c = ch->core;
    kc_lock(c);
    kc_status st = send_refusal(ch);
    if (KC_SUCCESS(st)) {
        ch->sends_in_flight++; /* a Pause or Disable waits until it has left KMCL */
    }
    kc_unlock(c);
    if (!KC_SUCCESS(st)) {
        return st;
    }
    st = send_admitted(ch, tag, flags, form, payload, len, ext, ext_len);
    kc_lock(c);
    ch->sends_in_flight--;
    kc_unlock(c);
    return st;
}

/* The external data goes to KMCL in host-visible pages of its own, as for asynchronous sends (it
 * arrives in the request's buffer, whose pages hold other memory too). */
kc_status kc_op_send_sync(kc_channel *ch, uint32_t flags, const void *payload, uint32_t len, const void *ext,
                          uint32_t ext_len, void *cbuf, uint32_t *csize, const int64_t *timeout)
{
    kc_core *c = ch->core;
    uint8_t *external = NULL;
    if (ext_len > 0) {
        external = (uint8_t *)kc_alloc_host_visible(c, ext_len);
        if (external == NULL) {
            return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
        }
        memcpy(external, ext, ext_len);
    }
    kc_status st = ch->ops->send_synchronous_request(ch->kch, payload, len, external, ext_len, flags, cbuf, csize, timeout);
    kc_free_host_visible(c, external, ext_len);
    if (KC_SUCCESS(st)) {
        kc_lock(c);
        count_out(ch, (uint64_t)len + ext_len);
        kc_unlock(c);
    }
    return st;
}
