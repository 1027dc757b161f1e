/* kc_internal.h - the core's objects and the functions its files share (not for hosts).
 * One file per concern; the declarations below are grouped by the file that defines them, in
 * layering order: a file calls only into groups above its own (teardown and dispatch sit on top). */
#ifndef KC_INTERNAL_H
#define KC_INTERNAL_H
#include "kc_atomic.h"
#include "kc_core.h"
#include "kc_handles.h"
#include "kc_list.h"
#include "kmclbridge_protocol.h"

typedef struct kc_packet kc_packet;
typedef struct kc_channel kc_channel;

typedef struct kc_event {
    kc_list_node link; /* in its channel's events while queued */
    kmclb_event hdr;
    kc_packet *pkt; /* PACKET events are embedded in their packet and use its data */
    uint32_t out_offset; /* while a receive copies it (kc_receive_take): where its record starts */
    /* non-packet events: body bytes follow the struct (see KC_EVENT_DATA) */
} kc_event;
#define KC_EVENT_DATA(e) ((uint8_t *)((e) + 1))

struct kc_packet {
    uint64_t id;
    kc_channel *ch;
    kc_vmbcompletion kp;
    kc_list_node link; /* in its channel's packets until it ends */
    int held;       /* delivered to user mode (receive returned it) */
    int redelivery; /* deferred once: every later delivery is a redelivery at PASSIVE */
    int deferred;   /* deferred and not yet received again (its id is refused meanwhile, B71) */
    int requeued;   /* given back by REQUEUE and not yet received again */
    uint32_t len, ext_len;
    kc_event ev;
    /* the body (payload, then external data) follows the struct in the same allocation: see
     * kc_packet_body (no flexible array member, which MSVC warns about under /W4) */
};
/* the body of a packet allocated with kc_packet_alloc_size(body) bytes */
static inline uint8_t *kc_packet_body(kc_packet *pk)
{
    return (uint8_t *)(pk + 1);
}
static inline size_t kc_packet_alloc_size(uint64_t body)
{
    return sizeof(kc_packet) + (size_t)body;
}

typedef struct kc_send {
    kc_channel *ch;
    uint64_t tag;
    kc_vmbpacket kp;
    kc_list_node link; /* in its channel's sends until its completion routine ran */
    /* External data of the MDL and PFN forms: host-visible pages of their own (kc_platform
     * alloc_host_visible), since the host sees whole pages and the PFN form has no byte offset;
     * NULL when the send has none. */
    uint8_t *external;
    uint32_t external_len;
    uint64_t charge; /* bytes counted in the owner's send_bytes until the send ends */
    /* the inline payload follows the struct in the same allocation: see kc_send_payload */
} kc_send;
/* the inline payload of a send allocated with sizeof(kc_send) + its length */
static inline uint8_t *kc_send_payload(kc_send *sd)
{
    return (uint8_t *)(sd + 1);
}

typedef struct kc_gpadl {
    kc_list_node link; /* in its channel's gpadls */
    uint32_t handle;
    uint32_t size;
    void *buf;     /* ours: host-visible pages (kc_platform alloc_host_visible); else KMCL's mapping */
    void *mapping; /* a server mapping's system-address mapping, for ops->unmap_system_address; else NULL */
    int ours; /* 1: created by us (buf owned by the core); 0: a server mapping */
} kc_gpadl;

struct kc_channel {
    kc_core *core;
    kc_session *owner;
    uint64_t id;
    const kc_kmcl_ops *ops;
    kc_vmbchannel kch;
    int server;
    uint32_t state;
    uint64_t flags;
    int local_disable;
    int suspended; /* between the Suspend callback and the next Started/Closed (B93) */
    /* Sends in flight and the calls that stop them, so that no send of ours reaches KMCL between a
     * Suspend and the end of the next Started the core itself causes (B93), and a disable is not
     * held up by new sends: */
    uint32_t sends_in_flight;         /* admitted sends until KMCL's send call returned */
    uint32_t run_changes_in_progress; /* local Pause, or Start of a suspended channel: new sends are refused */
    uint32_t shutdowns_in_progress;   /* local Disable or forced teardown: likewise */
    int closing;
    int tearing_down;
    uint32_t refs;
    uint64_t ctr[KMCLB_QUERY_SLOTS];
    uint64_t context;
    uint32_t latency;
    uint32_t user_quota;
    kc_list events; /* kc_event.link: the receive stream, oldest first */
    uint32_t ev_count, state_events;
    kc_event overflow; /* the STATE_OVERFLOW record: state callbacks past KMCLB_MAX_STATE_EVENTS merge here */
    /* The queued PROCESSING_COMPLETE record a new batch end merges into: the last one queued, while
     * no STATE record follows it (kc_event_push keeps it; the overflow record does not reset it,
     * see kc_callbacks.c), else NULL. Merging is O(1) instead of a walk over the queued packets. */
    kc_event *mergeable_batch_end;
    /* KMCL calls our ProcessingComplete at the end of every batch of ProcessPacket calls (B67):
     * packets then wake a parked receive once per batch, at its end, not once per packet */
    int batch_ends_registered;
    uint64_t dropped_events, dropped_packets;
    kc_list parked; /* kc_request.core_link: parked receives, oldest first */
    kc_list packets; /* kc_packet.link: delivered by KMCL and not ended */
    uint32_t pending_packets; /* in packets: KMCL waits for each to end */
    uint32_t held_packets;    /* of those, received by user mode and not ended (PENDING_INCOMING) */
    kc_list sends; /* kc_send.link: sent and not completed */
    uint32_t pending_sends;
    kc_list gpadls; /* kc_gpadl.link */
    kc_list_node session_link; /* in its owner's channels */
    uint64_t endpoint;
    int holds_endpoint; /* counted in its endpoint's channels until freed */
    kc_list_node core_link; /* in the core's all_channels (endpoint teardown) */
};

struct kc_session {
    kc_core *core;
    uint64_t serial;
    kc_list channels; /* kc_channel.session_link */
    /* Both outside the lock (kc_session_enter): a request counts itself in flight and then checks
     * closing, shutdown sets closing and then waits for in-flight requests; sequentially
     * consistent, so one of the two always sees the other. closing is written under the lock
     * too, so code holding the lock may read it plainly. */
    kc_atomic32 closing;
    kc_atomic32 inflight;
    uint64_t send_bytes; /* memory held by the session's sends not yet completed (KMCLB_MAX_SESSION_SEND_BYTES) */
};

typedef struct kc_endpoint {
    kc_list_node link; /* in the core's endpoints, oldest first */
    uint64_t id;
    const kc_kmcl_ops *ops;
    void *device;
    kc_guid type, instance;
    char name[KMCLB_ENDPOINT_NAME_BYTES];
    int single_channel; /* one channel at a time (a device the driver is function driver of) */
    uint32_t channels;  /* channels allocated on it and not yet freed (kc_channel.holds_endpoint) */
} kc_endpoint;

struct kc_core {
    const kc_platform *p;
    void *lock;
    kc_handle_table ht;
    kc_list endpoints; /* kc_endpoint.link */
    uint32_t endpoint_count;
    uint64_t next_endpoint;
    uint64_t next_session;
    uint32_t sessions;
    kc_list all_channels; /* kc_channel.core_link */
    char version[32];
};

/* kc_core.c - base: memory, the core lock, channel references, the loopback peer's access */
void *kc_alloc(kc_core *c, size_t n);
void kc_free(kc_core *c, void *p);
/* host-visible memory (kc_platform alloc_host_visible): n bytes at the start of whole zeroed pages
 * of their own, so what the host sees is exactly what the core put there */
static inline void *kc_alloc_host_visible(kc_core *c, size_t n)
{
    return c->p->alloc_host_visible(c->p->ctx, n);
}
static inline void kc_free_host_visible(kc_core *c, void *ptr, size_t n)
{
    if (ptr != NULL) {
        c->p->free_host_visible(c->p->ctx, ptr, n);
    }
}
void kc_lock(kc_core *c);
void kc_unlock(kc_core *c);
/* lock not held: copies bytes into a request's output (the host's copy_out when it has one) */
void kc_copy_out(kc_core *c, void *dst, const void *src, size_t n);
/* a packet's body as the core keeps it: the payload, then the external data (either may be empty) */
void kc_copy_body(uint8_t *dst, const void *payload, uint32_t len, const void *ext, uint32_t ext_len);
/* lock held: a channel id of the session that is not being torn down (no reference taken) */
kc_status kc_channel_lookup(kc_session *s, uint64_t id, kc_channel **out);
kc_status kc_channel_get(kc_session *s, uint64_t id, kc_channel **out);
void kc_channel_put(kc_channel *ch);
/* Waits (PASSIVE only, polling without the lock) until *count, a counter guarded by the lock, is
 * zero; the caller has stopped whatever increments it. */
void kc_wait_until_zero(kc_core *c, const uint32_t *count);

/* kc_events.c - a channel's queue of receive records. All but kc_event_new with the lock held. */
/* a non-packet record: the header and hdr->payload_length bytes of body; NULL when memory is short */
kc_event *kc_event_new(kc_core *c, const kmclb_event *hdr, const void *body);
/* queues e when it exists and there is room, else counts a dropped record; returns what the caller
 * frees once it has released the lock (NULL when queued) */
kc_event *kc_event_queue_or_drop(kc_channel *ch, kc_event *e, int room);
/* queues the STATE record e (flags = code, status = status); past KMCLB_MAX_STATE_EVENTS, or when
 * e is NULL (memory short), merges the callback into the channel's STATE_OVERFLOW record instead:
 * a state callback is never dropped. Returns what the caller frees (NULL when e was queued). */
kc_event *kc_event_queue_state(kc_channel *ch, kc_event *e, uint16_t code, kc_status status);
void kc_event_push(kc_channel *ch, kc_event *e);
/* queues e at the head of the stream (a packet given back by REQUEUE) */
void kc_event_push_head(kc_channel *ch, kc_event *e);
/* whether e is in its channel's queue */
int kc_event_is_queued(const kc_channel *ch, const kc_event *e);
/* takes a queued e out of the queue */
void kc_event_unlink(kc_channel *ch, kc_event *e);
/* frees a non-packet event (packet events are embedded in their packet) */
void kc_event_free(kc_core *c, kc_event *e);
/* drops every queued record (teardown) */
void kc_events_discard(kc_channel *ch);
/* whether a receive would return a record now (packets wait while the queue is stopped) */
int kc_events_deliverable(const kc_channel *ch);
/* A receive's records between kc_receive_take (lock held: the events leave the queue, their
 * headers are written) and kc_receive_finish (lock not held: bodies copied, packets held). */
typedef struct kc_receive_batch {
    kc_list events; /* taken, bodies still to copy, in order */
    kmclb_receive_out header;
    uint64_t used;
} kc_receive_batch;
uint8_t *kc_receive_records(kc_request *r);
void kc_receive_take(kc_channel *ch, kc_request *r, kc_receive_batch *batch); /* lock held */
void kc_receive_copy(kc_core *c, kc_request *r, kc_receive_batch *batch);    /* lock not held */
/* lock not held: bodies copied, packets held; drops the channel reference kc_receive_take took
 * (after the lock hold only when packets had to be failed at KMCL: the channel must outlive that) */
void kc_receive_finish(kc_channel *ch, kc_request *r, kc_receive_batch *batch);

/* kc_parked.c - parked receives (inverted calls) */
void kc_deliver_parked(kc_channel *ch);
/* Ends parked receives with in-band STATUS_CANCELLED. all: also requests still being parked. */
void kc_cancel_parked(kc_channel *ch, int all);
/* RECEIVE on the session's channel: SUCCESS (filled), PENDING (parked), CANCELLED (the host
 * refused to park it) or why the channel id is refused */
kc_status kc_receive_or_park(kc_session *s, uint64_t channel, kc_request *r, int may_park);

/* kc_packets.c - packets KMCL delivered */
/* lock held: puts a new packet on / takes it off the channel's list of pending packets */
void kc_packet_link(kc_channel *ch, kc_packet *pk);
void kc_packet_unlink(kc_channel *ch, kc_packet *pk);
/* frees packets taken off a channel (fail_at_kmcl: each is first ended with VmbChannelPacketFail,
 * as user mode never processed it) */
void kc_packets_free(kc_core *c, kc_list *list, int fail_at_kmcl);
/* ends every queued packet not held by user mode with VmbChannelPacketFail (Disable) */
void kc_packets_retire_queued(kc_channel *ch);
/* one entry of a COMPLETE batch */
typedef struct kc_completion {
    uint64_t id;          /* the packet */
    const void *payload;  /* the completion's payload (length bytes) */
    uint32_t length;
    kc_status status;     /* in: SUCCESS, or why the entry is refused already; out: the entry's status */
    kc_packet *packet;    /* kc_op_complete_batch's own: the packet while it is being completed */
} kc_completion;
/* completes every entry whose status is SUCCESS, in order; each entry's status as if alone */
void kc_op_complete_batch(kc_session *s, kc_completion *batch, uint32_t count);
kc_status kc_op_fail(kc_session *s, uint64_t id);
kc_status kc_op_defer(kc_session *s, uint64_t id);
kc_status kc_op_requeue(kc_channel *ch, const uint64_t *ids, uint32_t count);

/* kc_callbacks.c - what KMCL calls (state changes and incoming packets) */
kc_status kc_register_packet_callbacks(kc_channel *ch, int processing_complete, uint32_t *failed);
kc_status kc_register_state_callbacks(kc_channel *ch, uint32_t version, uint32_t size, uint32_t *failed);
void kc_on_pnp_failure(void *ctx, kc_status status);

/* kc_config.c - settings: at init (CONFIGURE) and at run time, and the QUERY snapshot */
kc_status kc_apply_config(kc_channel *ch, const kmclb_channel_config *cfg, const uint16_t *name, uint32_t *failed);
void kc_op_query(kc_channel *ch, uint64_t out[KMCLB_QUERY_SLOTS]);
void kc_op_set_context(kc_channel *ch, uint64_t v);
void kc_op_set_quota(kc_channel *ch, uint32_t q);
kc_status kc_op_set_latency(kc_channel *ch, uint16_t latency, uint16_t *original);

/* kc_sends.c - packets we send */
/* Why a local call stops the channel's sends (it decides the status a refused send gets). */
typedef enum kc_send_stop {
    KC_SENDS_STOP_RUN_CHANGE, /* Pause, or Start of a suspended channel: CONTRACT_VIOLATION as while suspended (B93) */
    KC_SENDS_STOP_SHUTDOWN    /* Disable / teardown: the channel is being shut down (DEVICE_REMOVED) */
} kc_send_stop;
/* Refuses new sends and waits until no admitted send is inside KMCL; PASSIVE only, before the
 * KMCL call that may Suspend (or restart) the channel. */
void kc_sends_stop(kc_channel *ch, kc_send_stop why);
/* Ends one kc_sends_stop after that KMCL call returned. */
void kc_sends_restart(kc_channel *ch, kc_send_stop why);
kc_status kc_op_send(kc_channel *ch, uint64_t tag, uint32_t flags, uint32_t form, const void *payload, uint32_t len,
                     const void *ext, uint32_t ext_len);
kc_status kc_op_send_sync(kc_channel *ch, uint32_t flags, const void *payload, uint32_t len, const void *ext,
                          uint32_t ext_len, void *cbuf, uint32_t *csize, const int64_t *timeout);

/* kc_gpadls.c - GPADLs we create (client) and guest GPADLs we map (server) */
kc_status kc_op_gpadl_create(kc_channel *ch, uint32_t size, uint32_t flags, uint32_t *handle);
kc_status kc_op_gpadl_delete(kc_channel *ch, uint32_t handle);
kc_status kc_op_gpadl_map(kc_channel *ch, uint32_t handle, uint32_t flags);
kc_status kc_op_gpadl_unmap(kc_channel *ch, uint32_t handle);
kc_status kc_op_gpadl_access(kc_channel *ch, uint32_t handle, int mapped, uint64_t offset, void *data, uint32_t len,
                             int write);
/* lock held: takes the server mappings off the channel (kc_gpadls_release unmaps them) */
kc_list kc_gpadls_take_mapped(kc_channel *ch);
/* deletes (ours) or unmaps (mappings), and frees, a list taken off a channel */
void kc_gpadls_release(kc_channel *ch, kc_list *list);

/* kc_teardown.c */
/* The channel's tearing_down flag is already set. */
void kc_channel_teardown(kc_channel *ch, int force);
kc_status kc_op_cleanup(kc_session *s, uint64_t id);

/* kc_sessions.c: a request in flight on a session, without the core lock (requests are the fast
 * path; shutdown waits for them). enter returns 0, counting nothing, once the session is closing. */
int kc_session_enter(kc_session *s);
void kc_session_leave(kc_session *s);

/* kc_endpoints.c */
/* lock held: the listed endpoint with this id, or NULL */
const kc_endpoint *kc_endpoint_find(kc_core *c, uint64_t id);
/* lock held: counts a new channel on the endpoint; KMCLB_STATUS_CHANNEL_ALREADY_OPEN when it admits
 * one channel at a time and has one, NO_SUCH_DEVICE when it is not listed. On success the channel
 * holds the endpoint until kc_endpoint_release_channel. */
kc_status kc_endpoint_claim_channel(kc_core *c, kc_channel *ch);
/* lock held: the channel no longer counts on its endpoint (idempotent; the endpoint may be gone) */
void kc_endpoint_release_channel(kc_core *c, kc_channel *ch);

/* kc_dispatch.c: a request on the calling thread (kc_dispatch decides whether to detach it first) */
kc_status kc_dispatch_inline(kc_session *s, uint32_t code, kc_request *r);

/* kc_detached.c - requests that may block, run on a host worker while the caller's stays cancelable */
/* whether the request's KMCL call may wait for the host (Disable, Pause, Cleanup, DeleteGpadl, a
 * synchronous request without timeout) */
int kc_request_may_block(uint32_t code, const void *in, uint32_t in_len);
/* copies the request, parks it and queues its run (kc_platform.run_detached): PENDING, or the status
 * the caller completes it with (CANCELLED, INVALID_HANDLE, INSUFFICIENT_RESOURCES) */
kc_status kc_detach(kc_session *s, uint32_t code, kc_request *r);
/* the cancel routine of a detached request: 1 when the host completes it now (see kc_cancel_request) */
int kc_detached_cancel(kc_core *c, kc_request *req);

/* kc_lifecycle.c - create, enable, disable, pause, start */
kc_status kc_op_create(kc_session *s, uint64_t endpoint, int server, const kmclb_channel_config *cfg,
                       const uint16_t *name, uint64_t *out_id, uint32_t *failed);
kc_status kc_op_enable(kc_channel *ch);
kc_status kc_op_disable(kc_channel *ch);
kc_status kc_op_pause(kc_channel *ch);
kc_status kc_op_start(kc_channel *ch);

#endif
