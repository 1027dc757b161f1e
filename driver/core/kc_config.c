/* kc_config.c - a channel's settings: the Init* calls of CONFIGURE (before Enable), the run-time
 * settings (context, transaction quota, interrupt latency) and the QUERY snapshot. */
#include <string.h>
#include "kc_internal.h"

/* KMCL's quota never exceeds what the core can hold; user mode still reads back its own value */
static uint32_t effective_quota(uint32_t q)
{
    return q > KMCLB_MAX_PENDING_PACKETS ? KMCLB_MAX_PENDING_PACKETS : q;
}

static void set_quota(kc_channel *ch, uint32_t q)
{
    ch->ops->set_transaction_quota(ch->kch, effective_quota(q));
    kc_lock(ch->core);
    ch->user_quota = q;
    kc_unlock(ch->core);
}

static void guid_from_wire(kc_guid *g, const uint8_t wire[16])
{
    memcpy(g->b, wire, 16);
}

/* Applies each present setting in KMCL's order; stops at the first failure and names its function
 * in *failed. */
kc_status kc_apply_config(kc_channel *ch, const kmclb_channel_config *cfg, const uint16_t *name, uint32_t *failed)
{
    const kc_kmcl_ops *o = ch->ops;
    kc_vmbchannel k = ch->kch;
    uint32_t pr = cfg->present;
    kc_status st;
    *failed = KMCLB_FUNC_NONE;
#define KC_TRY(bit, fn, call)          \
    if ((pr & (bit)) != 0) {           \
        st = (call);                   \
        if (!KC_SUCCESS(st)) {         \
            *failed = (fn);            \
            return st;                 \
        }                              \
    }
    KC_TRY(KMCLB_CFG_CLIENT_CONTEXT_SIZE, KMCLB_FUNC_CLIENT(10), o->init_set_client_context_size(k, cfg->client_context_size));
    KC_TRY(KMCLB_CFG_FLAGS, KMCLB_FUNC_CLIENT(11), o->init_set_flags(k, cfg->channel_flags));
    KC_TRY(KMCLB_CFG_FRIENDLY_NAME, KMCLB_FUNC_CLIENT(12), o->init_set_friendly_name(k, name, cfg->friendly_name_bytes));
    KC_TRY(KMCLB_CFG_MAX_EXTERNAL_DATA, KMCLB_FUNC_CLIENT(13),
           o->init_set_maximum_external_data(k, cfg->max_external_data_size, cfg->max_external_chain_length));
    KC_TRY(KMCLB_CFG_MAX_PACKET_SIZE, KMCLB_FUNC_CLIENT(14), o->init_set_maximum_packet_size(k, cfg->max_packet_size));
    /* the two callback registrations name their function themselves */
    if ((pr & KMCLB_CFG_PROCESSING_COMPLETE) != 0) {
        st = kc_register_packet_callbacks(ch, cfg->processing_complete != 0, failed);
        if (!KC_SUCCESS(st)) {
            return st;
        }
    }
    if ((pr & KMCLB_CFG_STATE_CB_HEADER) != 0) {
        st = kc_register_state_callbacks(ch, cfg->state_cb_version, cfg->state_cb_size, failed);
        if (!KC_SUCCESS(st)) {
            return st;
        }
    }
    if ((pr & KMCLB_CFG_INCOMING_AT_PASSIVE) != 0) {
        o->set_incoming_processing_at_passive(k, cfg->incoming_at_passive != 0);
    }
    if ((pr & KMCLB_CFG_TRANSACTION_QUOTA) != 0) {
        set_quota(ch, cfg->transaction_quota);
    }
    KC_TRY(KMCLB_CFG_RING_PAGES, KMCLB_FUNC_CLIENT(29),
           o->client_init_set_ring_buffer_page_count(k, cfg->ring_pages_incoming, cfg->ring_pages_outgoing));
    kc_guid type, instance;
    guid_from_wire(&type, cfg->target_pnp_type);
    guid_from_wire(&instance, cfg->target_pnp_instance);
    KC_TRY(KMCLB_CFG_TARGET_PNP, KMCLB_FUNC_CLIENT(30),
           o->client_init_set_target_pnp(k, &type, (pr & KMCLB_CFG_TARGET_PNP_INSTANCE) ? &instance : NULL,
                                         kc_on_pnp_failure));
    KC_TRY(KMCLB_CFG_SERVER_FLAGS, KMCLB_FUNC_SERVER(8), o->server_init_set_flags(k, cfg->server_flags));
    KC_TRY(KMCLB_CFG_MMIO, KMCLB_FUNC_SERVER(9),
           o->server_init_set_mmio_megabytes(k, cfg->mmio_megabytes, cfg->mmio_megabytes_optional));
    guid_from_wire(&type, cfg->target_interface_type);
    guid_from_wire(&instance, cfg->target_interface_instance);
    KC_TRY(KMCLB_CFG_TARGET_INTERFACE, KMCLB_FUNC_SERVER(11),
           o->server_init_set_target_interface_id(k, &type, &instance));
    KC_TRY(KMCLB_CFG_TARGET_VTL, KMCLB_FUNC_SERVER(12), o->server_init_set_target_vtl(k, (uint8_t)cfg->target_vtl));
#undef KC_TRY
    return KMCLB_STATUS_SUCCESS;
}

void kc_op_set_context(kc_channel *ch, uint64_t v)
{
    kc_lock(ch->core);
    ch->context = v;
    kc_unlock(ch->core);
}

void kc_op_set_quota(kc_channel *ch, uint32_t q)
{
    set_quota(ch, q);
}

/* What KMCL answers is what user mode gets: KMCL accepts the call until its Closed callback
 * returns (B53), and the core does not stretch that window to the end of user mode's Closed
 * handler (the loopback host does that for the C fake, docs/fake-choices.md). */
kc_status kc_op_set_latency(kc_channel *ch, uint16_t latency, uint16_t *original)
{
    kc_status st = ch->ops->set_interrupt_latency(ch->kch, latency, original);
    if (KC_SUCCESS(st)) {
        kc_lock(ch->core);
        ch->latency = latency;
        kc_unlock(ch->core);
    }
    return st;
}

/* The instance GUID in two query slots: Data1, Data2, Data3 (stored little-endian) as the high
 * half ... */
static uint64_t guid_msb(const kc_guid *g)
{
    const uint8_t *b = g->b;
    uint64_t d1 = (uint64_t)b[0] | ((uint64_t)b[1] << 8) | ((uint64_t)b[2] << 16) | ((uint64_t)b[3] << 24);
    uint64_t d2 = (uint64_t)b[4] | ((uint64_t)b[5] << 8);
    uint64_t d3 = (uint64_t)b[6] | ((uint64_t)b[7] << 8);
    return (d1 << 32) | (d2 << 16) | d3;
}

/* ... and the eight Data4 bytes in order as the low half. */
static uint64_t guid_lsb(const kc_guid *g)
{
    uint64_t v = 0;
    for (int i = 8; i < 16; i++) {
        v = (v << 8) | g->b[i];
    }
    return v;
}

/* KMCL is asked first, without the lock; the core's own counters are copied in one locked step. */
void kc_op_query(kc_channel *ch, uint64_t out[KMCLB_QUERY_SLOTS])
{
    kc_core *c = ch->core;
    kc_guid inst;
    memset(&inst, 0, sizeof(inst));
    ch->ops->get_interface_instance(ch->kch, &inst);
    uint32_t sz = ch->ops->sizeof_packet(ch->kch);
    kc_ring_info ri;
    memset(&ri, 0, sizeof(ri));
    if (ch->ops->query_ring != NULL) {
        ch->ops->query_ring(ch->kch, &ri);
    }
    /* Only the size of the MMIO space reaches user mode: KMCL's address may be a kernel virtual
     * address (its documentation says both, docs/kmcl-api.md Q16), and no kernel pointer leaves
     * the driver. User mode could not use a physical one either. */
    uint64_t mmio_address = 0, mmio_size = 0;
    kc_lock(c);
    int mmio_valid = (ch->flags & KMCLB_QF_MMIO_VALID) != 0;
    kc_unlock(c);
    if (mmio_valid) {
        ch->ops->get_mmio_space(ch->kch, &mmio_address, &mmio_size);
    }
    kc_lock(c);
    memcpy(out, ch->ctr, sizeof(ch->ctr));
    out[KMCLB_Q_STATE] = ch->state;
    out[KMCLB_Q_FLAGS] = ch->flags | (ri.outgoing_stalled ? KMCLB_QF_OUTGOING_STALLED : 0);
    out[KMCLB_Q_INSTANCE_MSB] = guid_msb(&inst);
    out[KMCLB_Q_INSTANCE_LSB] = guid_lsb(&inst);
    out[KMCLB_Q_PENDING_INCOMING] = ch->held_packets; /* received by user mode, not ended (KMCL has no count) */
    out[KMCLB_Q_PENDING_OUTGOING] = ch->pending_sends;
    out[KMCLB_Q_QUEUED_OUTGOING] = ri.queued_outgoing;
    out[KMCLB_Q_RING_FULL_EVENTS] = ri.ring_full_events;
    out[KMCLB_Q_OUTGOING_RING_FREE] = ri.outgoing_free;
    out[KMCLB_Q_INCOMING_RING_USED] = ri.incoming_used;
    out[KMCLB_Q_SIZEOF_PACKET] = sz;
    out[KMCLB_Q_CONTEXT] = ch->context;
    out[KMCLB_Q_RESERVED_21] = 0; /* was the MMIO address: never reported (see above) */
    out[KMCLB_Q_MMIO_SIZE] = mmio_size;
    out[KMCLB_Q_INTERRUPT_LATENCY] = ch->latency;
    kc_unlock(c);
}
