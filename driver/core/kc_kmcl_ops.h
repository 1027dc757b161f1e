/* kc_kmcl_ops.h - KMCL as the core calls it: KMCL_CLIENT_INTERFACE_V1 (slot order) plus the
 * KMCL_SERVER_ONLY_METHODS the bridge uses, with portable types. The KMDF glue fills it with thin
 * wrappers around the real table; driver/fakekmcl fills it with the C fake.
 *
 * Portable adaptations (the only ones):
 *  - callbacks receive the value stored with set_pointer (channel) or packet_set_pointer
 *    (packet) instead of the KMCL handle; the KMDF trampolines do the Get*Pointer call.
 *  - MDLs and PFN arrays are replaced by (pointer, length) of locked memory; the glue builds the
 *    MDL / PFN list and maps returned MDLs (external data, GPADL mappings). A mapping the glue
 *    made comes back as an opaque token (NULL: nothing was mapped) that the core hands to
 *    unmap_system_address once it no longer reads the memory: KMCL frees its MDLs but never
 *    unmaps what its client mapped. Buffers the core passes for the host to see (external data,
 *    GPADL buffers) start at a page boundary and own their pages (kc_platform alloc_host_visible),
 *    since the PFN form has no byte offset.
 *  - query_ring and packet_completion_requested are bridge extensions; NULL on real KMCL.
 * Not used by the bridge and therefore absent: save/restore, packet restore, VmbPacketInitialize,
 * VmbConvertVmbusHandleToKernelHandle, VmbServerChannelInitSetVmbusHandle,
 * VmbServerChannelInitSetSaveRestorePacketCallbacks, VmbChannelCreateGpadlFromMdl. */
#ifndef KC_KMCL_OPS_H
#define KC_KMCL_OPS_H
#include <stdint.h>
#include "kc_status.h"

typedef struct kc_vmbchannel_s *kc_vmbchannel;
typedef struct kc_vmbpacket_s *kc_vmbpacket;
typedef struct kc_vmbcompletion_s *kc_vmbcompletion;

typedef struct kc_guid {
    uint8_t b[16];
} kc_guid;

typedef kc_status (*kc_evt_opened)(void *chctx);
typedef void (*kc_evt_channel)(void *chctx);
typedef void (*kc_evt_process_packet)(void *chctx, kc_vmbcompletion pkt, const void *buf, uint32_t len, uint32_t flags);
typedef void (*kc_evt_processing_complete)(void *chctx, uint32_t count);
typedef void (*kc_evt_packet_completion)(void *pktctx, kc_status status, const void *buf, uint32_t len);
typedef void (*kc_evt_pnp_failure)(void *chctx, kc_status status);

/* VMB_CHANNEL_STATE_CHANGE_CALLBACKS with the header values passed through (48 = V1 size on x64) */
typedef struct kc_state_callbacks {
    uint32_t version;
    uint32_t size;
    kc_evt_opened opened;
    kc_evt_channel closed;
    kc_evt_channel suspend;
    kc_evt_channel started;
    kc_evt_channel post_started;
} kc_state_callbacks;
#define KC_STATE_CALLBACKS_VERSION 1u
#define KC_STATE_CALLBACKS_SIZE 48u

typedef struct kc_ring_info {
    uint32_t outgoing_free;
    uint32_t incoming_used;
    uint64_t ring_full_events;
    uint32_t queued_outgoing;
    uint32_t outgoing_stalled;
} kc_ring_info;

typedef struct kc_kmcl_ops {
    /* client table, slot order */
    kc_status (*channel_allocate)(void *device, int is_server, kc_vmbchannel *out);          /* 0 */
    void (*channel_cleanup)(kc_vmbchannel ch);                                               /* 1 */
    kc_status (*create_gpadl_from_buffer)(kc_vmbchannel ch, uint32_t flags, void *buf, uint32_t size, uint32_t *handle); /* 2 */
    void (*delete_gpadl)(kc_vmbchannel ch, uint32_t handle);                                 /* 4 */
    void (*disable)(kc_vmbchannel ch);                                                       /* 5 */
    kc_status (*enable)(kc_vmbchannel ch);                                                   /* 6 */
    void (*get_interface_instance)(kc_vmbchannel ch, kc_guid *out);                          /* 7 */
    void (*get_mmio_space)(kc_vmbchannel ch, uint64_t *address, uint64_t *size);             /* 8 */
    void *(*get_pointer)(kc_vmbchannel ch);                                                  /* 9 */
    kc_status (*init_set_client_context_size)(kc_vmbchannel ch, uint32_t size);              /* 10 */
    kc_status (*init_set_flags)(kc_vmbchannel ch, uint32_t flags);                           /* 11 */
    kc_status (*init_set_friendly_name)(kc_vmbchannel ch, const uint16_t *name, uint32_t bytes); /* 12 */
    kc_status (*init_set_maximum_external_data)(kc_vmbchannel ch, uint32_t size, uint32_t chain); /* 13 */
    kc_status (*init_set_maximum_packet_size)(kc_vmbchannel ch, uint32_t size);              /* 14 */
    kc_status (*init_set_process_packet_callbacks)(kc_vmbchannel ch, kc_evt_process_packet pp, kc_evt_processing_complete pc); /* 15 */
    kc_status (*init_set_state_change_callbacks)(kc_vmbchannel ch, const kc_state_callbacks *cb); /* 16 */
    void (*packet_complete)(kc_vmbcompletion pkt, const void *buf, uint32_t len);            /* 17 */
    void (*packet_defer_to_passive)(kc_vmbcompletion pkt);                                   /* 18 */
    void (*packet_fail)(kc_vmbcompletion pkt);                                               /* 19 */
    kc_status (*packet_get_external_data)(kc_vmbcompletion pkt, uint32_t flags, const void **data, uint32_t *len,
                                          void **mapping);                                  /* 20 */
    void (*pause)(kc_vmbchannel ch);                                                         /* 21 */
    kc_status (*send_synchronous_request)(kc_vmbchannel ch, const void *buf, uint32_t len, const void *ext,
                                          uint32_t ext_len, uint32_t flags, void *cbuf, uint32_t *csize,
                                          const int64_t *timeout100ns);                      /* 22 */
    void (*set_incoming_processing_at_passive)(kc_vmbchannel ch, int require_passive);       /* 23 */
    kc_status (*set_interrupt_latency)(kc_vmbchannel ch, uint16_t latency, uint16_t *original); /* 24 */
    void (*set_pointer)(kc_vmbchannel ch, void *p);                                          /* 25 */
    void (*set_transaction_quota)(kc_vmbchannel ch, uint32_t quota);                         /* 26 */
    uint32_t (*sizeof_packet)(kc_vmbchannel ch);                                             /* 27 */
    void (*start)(kc_vmbchannel ch);                                                         /* 28 */
    kc_status (*client_init_set_ring_buffer_page_count)(kc_vmbchannel ch, uint32_t in_pages, uint32_t out_pages); /* 29 */
    kc_status (*client_init_set_target_pnp)(kc_vmbchannel ch, const kc_guid *type, const kc_guid *instance /* opt */,
                                            kc_evt_pnp_failure on_failure);                  /* 30 */
    kc_vmbpacket (*packet_allocate)(kc_vmbchannel ch);                                       /* 31 */
    void (*packet_free)(kc_vmbpacket p);                                                     /* 32 */
    void *(*packet_get_pointer)(kc_vmbpacket p);                                             /* 34 */
    kc_status (*packet_send)(kc_vmbpacket p, const void *buf, uint32_t len, uint32_t flags); /* 36 */
    kc_status (*packet_send_with_external_mdl)(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext,
                                               uint32_t ext_len, uint32_t flags);            /* 37 */
    kc_status (*packet_send_with_external_pfns)(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext,
                                                uint32_t ext_len, uint32_t flags);           /* 38 */
    void (*packet_set_completion_routine)(kc_vmbpacket p, kc_evt_packet_completion fn);      /* 39 */
    void (*packet_set_pointer)(kc_vmbpacket p, void *ctx);                                   /* 40 */
    /* server-only methods */
    kc_status (*map_gpadl)(kc_vmbchannel ch, uint32_t flags, uint32_t handle, void **address, uint32_t *size,
                           void **mapping);                                                  /* S0 */
    void (*unmap_gpadl)(kc_vmbchannel ch, uint32_t handle);                                  /* S5 */
    kc_status (*server_init_set_flags)(kc_vmbchannel ch, uint32_t flags);                    /* S8 */
    kc_status (*server_init_set_mmio_megabytes)(kc_vmbchannel ch, uint16_t mb, uint16_t mb_optional); /* S9 */
    kc_status (*server_init_set_target_interface_id)(kc_vmbchannel ch, const kc_guid *type, const kc_guid *instance); /* S11 */
    kc_status (*server_init_set_target_vtl)(kc_vmbchannel ch, uint8_t vtl);                  /* S12 */
    /* bridge extensions, optional (NULL on real KMCL, which exposes neither) */
    void (*query_ring)(kc_vmbchannel ch, kc_ring_info *out);
    int (*packet_completion_requested)(kc_vmbcompletion pkt);
    /* bridge adaptation: ends a mapping packet_get_external_data or map_gpadl made (the token they
     * returned, never NULL here); NULL when the ops never return a token */
    void (*unmap_system_address)(void *mapping);
} kc_kmcl_ops;

#endif
