/* fakekmcl_internal.h - what the files of the C fake of KMCL share: the objects (world, offers,
 * channels, packets, GPADLs), their queues and the functions one file offers another. Not for
 * users of the fake: tests and the loopback transport use fakekmcl.h.
 *
 * Locking: one world lock. Callbacks into the driver are always invoked without it, by the thread
 * that caused them. Per channel, state transitions are serialized (busy flag) and packet delivery
 * runs on one thread at a time (delivering flag), so ProcessPacket is serialized (Q10). Functions
 * below say "lock held" when the caller must hold the world lock. */
#ifndef FAKEKMCL_INTERNAL_H
#define FAKEKMCL_INTERNAL_H
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "fakekmcl.h"
#include "kmclbridge_protocol.h"

#define FAKE_CHANNEL_MAGIC 0x464B4348u /* "FKCH": the handle is one of our channels */
#define FAKE_PACKET_MAGIC 0x464B504Bu  /* "FKPK": the handle is one of our packets */

#define FAKE_IRQL_PASSIVE 0u
#define FAKE_IRQL_DISPATCH 2u

#define FAKE_FINISHED_BUCKETS 4096u
#define FAKE_AWAITING_BUCKETS 1024u /* our packets in the peer's view that await its completion, by transaction */

/* a FIFO of nodes linked through their `next` member */
#define FAKE_QUEUE_TYPE(queue_type, node_type) \
    typedef struct queue_type {                \
        node_type *head, *tail;                \
        uint32_t count;                        \
    } queue_type

/* push, pop and remove for one queue type (static inline, so every file may include them) */
#define FAKE_QUEUE_FUNCTIONS(queue_type, node_type)                                  \
    static inline void queue_type##_push(queue_type *queue, node_type *node)         \
    {                                                                                \
        node->next = NULL;                                                           \
        if (queue->tail != NULL) {                                                   \
            queue->tail->next = node;                                                \
        } else {                                                                     \
            queue->head = node;                                                      \
        }                                                                            \
        queue->tail = node;                                                          \
        queue->count++;                                                              \
    }                                                                                \
    static inline node_type *queue_type##_pop(queue_type *queue)                     \
    {                                                                                \
        node_type *node = queue->head;                                               \
        if (node != NULL) {                                                          \
            queue->head = node->next;                                                \
            if (queue->head == NULL) {                                               \
                queue->tail = NULL;                                                  \
            }                                                                        \
            queue->count--;                                                          \
            node->next = NULL;                                                       \
        }                                                                            \
        return node;                                                                 \
    }                                                                                \
    /* returns 1 if the node was in the queue */                                     \
    static inline int queue_type##_remove(queue_type *queue, node_type *node)        \
    {                                                                                \
        node_type *previous = NULL;                                                  \
        for (node_type *n = queue->head; n != NULL; previous = n, n = n->next) {     \
            if (n == node) {                                                         \
                if (previous != NULL) {                                              \
                    previous->next = n->next;                                        \
                } else {                                                             \
                    queue->head = n->next;                                           \
                }                                                                    \
                if (queue->tail == n) {                                              \
                    queue->tail = previous;                                          \
                }                                                                    \
                queue->count--;                                                      \
                n->next = NULL;                                                      \
                return 1;                                                            \
            }                                                                        \
        }                                                                            \
        return 0;                                                                    \
    }

/* add and remove for a doubly linked list of nodes (next_of_channel, previous_of_channel) whose
 * head is *head: removing one of many does not walk them */
#define FAKE_CHANNEL_LIST_FUNCTIONS(node_type)                                         \
    static inline void node_type##_list_add(node_type **head, node_type *node)         \
    {                                                                                  \
        node->previous_of_channel = NULL;                                              \
        node->next_of_channel = *head;                                                 \
        if (*head != NULL) {                                                           \
            (*head)->previous_of_channel = node;                                       \
        }                                                                              \
        *head = node;                                                                  \
    }                                                                                  \
    static inline void node_type##_list_remove(node_type **head, node_type *node)      \
    {                                                                                  \
        if (node->previous_of_channel != NULL) {                                       \
            node->previous_of_channel->next_of_channel = node->next_of_channel;        \
        } else {                                                                       \
            *head = node->next_of_channel;                                             \
        }                                                                              \
        if (node->next_of_channel != NULL) {                                           \
            node->next_of_channel->previous_of_channel = node->previous_of_channel;    \
        }                                                                              \
    }

typedef struct fake_channel fake_channel;
typedef struct outgoing_packet outgoing_packet;

/* the connection of a channel to its peer */
enum connection_state { CONNECTION_DISABLED, CONNECTION_ENABLED, CONNECTION_OPEN, CONNECTION_CLOSED };

/* where a peer packet is on its way to us. COMPLETING: completed by us, the completion (type 0xB)
 * is in or queued for our outgoing ring (B64) */
enum incoming_state {
    INCOMING_IN_PEER_QUEUE,
    INCOMING_IN_RING,
    INCOMING_DELIVERING,
    INCOMING_DELIVERED,
    INCOMING_COMPLETING,
    INCOMING_DONE
};

/* where one of our transactions is */
enum outgoing_state { OUTGOING_IDLE, OUTGOING_QUEUED, OUTGOING_AWAITING_COMPLETION, OUTGOING_DONE };

/* a host offer (an endpoint a client channel binds to) */
typedef struct fake_offer {
    struct fake_offer *next;
    fk_world *world;
    uint64_t id;
    kc_guid type, instance;
    uint32_t mmio_megabytes, target_vtl;
    char name[64];
    int rescinded;
    fake_channel *bound;
} fake_offer;

/* a packet from the peer to us; the handle KMCL calls VMBPACKETCOMPLETION */
typedef struct incoming_packet {
    uint32_t magic;
    struct incoming_packet *next;          /* peer queue, incoming ring or finished list */
    struct incoming_packet *next_in_bucket; /* finished: the channel's finished_buckets chain */
    struct incoming_packet *previous_in_bucket; /* doubly linked: forgetting the oldest is O(1) */
    struct incoming_packet *next_of_channel, *previous_of_channel; /* every live packet of the channel */
    fake_channel *channel;
    uint64_t transaction;
    int completion_requested;
    int has_external;
    enum incoming_state state;
    int deferred;
    int outcome; /* FK_OUTCOME_* */
    uint32_t length, external_length, ring_size;
    uint8_t *completion_payload;
    uint32_t completion_length;
    uint8_t *data; /* payload, then external bytes */
} incoming_packet;

/* one of our packets (or our completion of a peer packet) as the peer reads it from our outgoing ring */
typedef struct received_record {
    struct received_record *next;
    struct received_record *next_awaiting; /* while owner != NULL: the channel's awaiting chain */
    uint64_t transaction;
    int completion_requested;
    int consumed;      /* returned by fk_peer_await_received */
    int read_by_peer;  /* in peer_read (the peer read it from our outgoing ring) */
    int completed;     /* the peer completed it (or no completion was requested) */
    int ring_type;     /* 6 in-band, 9 GPA-direct, 0xB completion */
    int is_completion; /* our type-0xB completion of the peer's packet `transaction` (B64) */
    uint32_t length, external_length, ring_size;
    outgoing_packet *owner;    /* while its completion is awaited (then hashed in the channel's awaiting[]) */
    incoming_packet *completes; /* is_completion: the peer packet it completes (COMPLETING until read) */
    uint8_t *data;             /* payload, then external bytes */
} received_record;

/* our packet; the handle KMCL calls VMBPACKET */
struct outgoing_packet {
    uint32_t magic;
    struct outgoing_packet *next;             /* send queue */
    struct outgoing_packet *next_of_channel, *previous_of_channel; /* every packet of the channel */
    fake_channel *channel;
    kc_evt_packet_completion completion_routine;
    int custom_routine;
    void *context;
    enum outgoing_state state;
    int held_by_fault;
    uint32_t flags, length, external_length, ring_size;
    int has_external, ring_type;
    uint64_t transaction;
    uint8_t *data; /* payload, then external bytes */
    /* synchronous request */
    int synchronous, synchronous_done;
    kc_status synchronous_status;
    uint8_t *synchronous_reply;
    uint32_t synchronous_reply_length;
};

/* shared memory of one channel */
typedef struct fake_gpadl {
    struct fake_gpadl *next;
    uint32_t handle;
    int ours; /* created by our channel (client side); else created by the peer */
    int read_only;
    uint8_t *buffer;
    uint32_t size;
    int mapped; /* peer mapping (ours) or our server mapping (peer's) */
    uint64_t mapping_id;
} fake_gpadl;

FAKE_QUEUE_TYPE(incoming_queue, incoming_packet);
FAKE_QUEUE_TYPE(record_queue, received_record);
FAKE_QUEUE_TYPE(send_queue, outgoing_packet);
FAKE_QUEUE_FUNCTIONS(incoming_queue, incoming_packet)
FAKE_QUEUE_FUNCTIONS(record_queue, received_record)
FAKE_QUEUE_FUNCTIONS(send_queue, outgoing_packet)
FAKE_CHANNEL_LIST_FUNCTIONS(incoming_packet)
FAKE_CHANNEL_LIST_FUNCTIONS(outgoing_packet)

struct fake_channel {
    uint32_t magic;
    fake_channel *next;
    fk_world *world;
    fake_offer *device;
    int server;
    uint64_t number; /* allocation order in the world, from 1 (places its MMIO range) */
    enum connection_state connection;
    int ever_enabled, ever_opened;
    int run_requested, active, queue_on, shut;
    int busy, delivering, deliver_again;
    int in_open_callback, in_close_callback;
    int queue_stopped;
    void *pointer;
    kc_guid instance;
    /* configuration */
    uint32_t max_packet_size, client_context_size, init_flags, server_flags;
    uint32_t max_external_data, max_external_chain, quota;
    int incoming_at_passive;
    uint16_t mmio_megabytes, mmio_megabytes_optional;
    uint8_t target_vtl;
    int has_target_pnp, has_target_instance, has_target_interface;
    kc_guid target_type, target_instance, interface_type, interface_instance;
    kc_evt_process_packet process_packet;
    kc_evt_processing_complete processing_complete;
    kc_state_callbacks state_callbacks;
    kc_evt_pnp_failure pnp_failure;
    uint16_t interrupt_latency;
    fake_offer *bound;
    /* rings (sizes and bytes in use) */
    uint32_t incoming_ring_size, incoming_ring_used, outgoing_ring_size, outgoing_ring_used;
    incoming_queue peer_queue;    /* peer packets waiting for incoming ring space */
    incoming_queue incoming_ring; /* peer packets in our incoming ring, not delivered yet */
    incoming_queue finished;      /* ended peer packets, oldest first, at most PEER_OUTCOMES_KEPT */
    /* The finished packets hashed by transaction (bucket = transaction % FAKE_FINISHED_BUCKETS), so an outcome lookup walks one short chain, not up to
     * PEER_OUTCOMES_KEPT packets (a pending await looks again at every change of the world). */
    struct incoming_packet **finished_buckets;
    incoming_packet *all_incoming;
    uint32_t outstanding; /* delivered, not completed or failed */
    send_queue sends;     /* our packets waiting for outgoing ring space */
    outgoing_packet *all_outgoing;
    record_queue outgoing_ring;       /* our packets in the outgoing ring, not read yet */
    record_queue waiting_completions; /* our completions waiting for outgoing ring space (B64) */
    record_queue peer_read;           /* read by the peer */
    /* The first record of peer_read not yet taken by fk_peer_await_received (records are taken in
     * order, so every record before it is taken): a take is O(1), not a walk past taken ones. */
    received_record *unconsumed;
    /* The records whose completion we await (owner != NULL), hashed by transaction, so the peer's
     * completion finds its record without walking up to PEER_READ_RECORDS_KEPT records. */
    received_record *awaiting[FAKE_AWAITING_BUCKETS];
    int peer_reading;
    uint64_t ring_full_events, dropped;
    /* faults */
    int sends_held_by_fault; /* some queued send may be held by a RingFull fault (catch-up walks only then) */
    uint32_t fault_delay_ms, fault_ring_full, fault_allocation_failures, fault_malformed, fault_oversized;
    fake_gpadl *gpadls;
};

struct fk_world {
    pthread_mutex_t mutex;
    /* Two conditions, so a change wakes only who waits for it: `changed` for the channel's own
     * waits (busy, suspend, GPADL unmap, synchronous reply), `peer_changed` for the peer's awaits
     * (an outcome, a received record). Each counts its waiters, so a change nobody waits for costs
     * no wake-up call. */
    pthread_cond_t changed;
    pthread_cond_t peer_changed;
    uint32_t waiters, peer_waiters;
    uint64_t seed, random_state;
    uint64_t next_offer, next_transaction, next_mapping, next_channel_number;
    uint32_t next_gpadl;
    fake_offer *offers;
    fake_channel *channels;
    uint64_t violations;
    uint64_t system_mappings; /* tokens of fake_map_system_address not given back */
    kc_status pnp_fault;
    int pnp_fault_armed;
    void *hook_context;
    void (*on_offer)(void *, uint64_t, void *);
    void (*on_rescind)(void *, uint64_t);
};

/* completion routines to run once the world lock is released (the completion list) */
typedef struct completion_call {
    struct completion_call *next;
    kc_evt_packet_completion routine;
    void *context;
    kc_status status;
    uint8_t *payload;
    uint32_t length;
    outgoing_packet *free_after; /* default routine: the packet is freed after completing (B105) */
} completion_call;

typedef struct completion_list {
    completion_call *head, *tail;
} completion_list;

/* ---------------------------------------------------------------- world.c */
/* IRQL the fake simulates on this thread, and the packet whose ProcessPacket runs on it */
extern _Thread_local uint8_t fake_thread_irql;
extern _Thread_local incoming_packet *fake_thread_delivering;
void fake_lock(fk_world *world);
void fake_unlock(fk_world *world);
/* lock held: wakes the waiters of `changed` (if any) */
void fake_wake(fk_world *world);
void fake_wait(fk_world *world); /* lock held */
/* lock held; NULL waits forever; returns 0 on timeout */
int fake_wait_until(fk_world *world, const struct timespec *deadline);
/* lock held: wakes the peer's waiters (if any): an outcome or a received record appeared */
void fake_wake_peer(fk_world *world);
/* lock held: the peer waits for an outcome or a received record; returns 0 on timeout */
int fake_wait_peer_until(fk_world *world, const struct timespec *deadline);
struct timespec fake_deadline_after_ms(int64_t milliseconds);
int fake_deadline_passed(const struct timespec *deadline);
int64_t fake_now_filetime(void);
uint64_t fake_next_random(fk_world *world);                /* lock held */
void fake_random_guid(fk_world *world, kc_guid *guid);     /* lock held */
void fake_violation(fk_world *world);                      /* lock held */
/* malloc'ed copy of payload then external bytes (never NULL-sized); NULL when out of memory */
uint8_t *fake_copy_payload(const void *payload, uint32_t length, const void *external, uint32_t external_length);
fake_channel *fake_channel_of(kc_vmbchannel handle);       /* NULL unless it is a live channel */

/* ---------------------------------------------------------------- rings.c */
int fake_ring_fits(uint32_t size, uint32_t used, uint32_t ring_size);
int fake_ring_never_fits(uint32_t size, uint32_t ring_size);
void fake_pump_incoming(fake_channel *channel);                                 /* lock held */
void fake_pump_outgoing(fake_channel *channel, completion_list *calls);         /* lock held */
void fake_cancel_outgoing(fake_channel *channel, kc_status status, completion_list *calls); /* lock held */
/* lock held: a slow peer (RingFull fault) catches up, then the rings move */
void fake_peer_catch_up(fake_channel *channel, completion_list *calls);
/* lock held: records of the peer's view that wait for `packet` no longer do (it went away) */
void fake_forget_owner(fake_channel *channel, outgoing_packet *packet);
/* lock held: the record of the peer's view that awaits the peer's completion of `transaction`, or NULL */
received_record *fake_awaiting_record(fake_channel *channel, uint64_t transaction);
/* lock held: the record no longer awaits a completion (completed, or its packet went away) */
void fake_stop_awaiting(fake_channel *channel, received_record *record);
void fake_free_records(fake_channel *channel); /* lock held: frees every record of the peer's view */

/* ---------------------------------------------------------------- completion_list.c */
/* lock held: the transaction of `packet` ended with `status` (and the peer's reply) */
void fake_finish_outgoing(fake_channel *channel, outgoing_packet *packet, kc_status status, const void *reply,
                          uint32_t reply_length, completion_list *calls);
/* lock not held: runs and empties the list */
void fake_run_completion_calls(fk_world *world, completion_list *calls);

/* ---------------------------------------------------------------- incoming.c */
/* lock held: the peer packet ended (FK_OUTCOME_*); its outcome waits for the peer */
void fake_finish_incoming(fake_channel *channel, incoming_packet *packet, int outcome, const void *reply,
                          uint32_t reply_length);
void fake_track_incoming(fake_channel *channel, incoming_packet *packet); /* lock held: a new live packet */
void fake_free_incoming(fake_channel *channel, incoming_packet *packet);  /* lock held */
void fake_deliver(fake_channel *channel);                                 /* lock not held */
void fake_packet_complete(kc_vmbcompletion handle, const void *reply, uint32_t length);
void fake_packet_defer_to_passive(kc_vmbcompletion handle);
void fake_packet_fail(kc_vmbcompletion handle);
kc_status fake_packet_get_external_data(kc_vmbcompletion handle, uint32_t flags, const void **data, uint32_t *length,
                                        void **mapping);
int fake_packet_completion_requested(kc_vmbcompletion handle);

/* ---------------------------------------------------------------- outgoing.c */
void fake_free_outgoing(fake_channel *channel, outgoing_packet *packet); /* lock held */
kc_vmbpacket fake_packet_allocate(kc_vmbchannel handle);
void fake_packet_free(kc_vmbpacket handle);
void *fake_packet_get_pointer(kc_vmbpacket handle);
void fake_packet_set_pointer(kc_vmbpacket handle, void *context);
void fake_packet_set_completion_routine(kc_vmbpacket handle, kc_evt_packet_completion routine);
kc_status fake_packet_send(kc_vmbpacket handle, const void *payload, uint32_t length, uint32_t flags);
kc_status fake_packet_send_with_external_mdl(kc_vmbpacket handle, const void *payload, uint32_t length,
                                             const void *external, uint32_t external_length, uint32_t flags);
kc_status fake_packet_send_with_external_pfns(kc_vmbpacket handle, const void *payload, uint32_t length,
                                              const void *external, uint32_t external_length, uint32_t flags);
/* whether a buffer the host is given starts at a page boundary (the PFN form and GPADLs carry no
 * byte offset: the host would see the page from its start) */
int fake_page_aligned(const void *buffer);
kc_status fake_send_synchronous_request(kc_vmbchannel handle, const void *payload, uint32_t length,
                                        const void *external, uint32_t external_length, uint32_t flags,
                                        void *reply, uint32_t *reply_size, const int64_t *timeout);

/* ---------------------------------------------------------------- state.c */
void fake_acquire_busy(fake_channel *channel); /* lock held */
void fake_release_busy(fake_channel *channel); /* lock held */
/* lock and busy held: the open handshake completed */
void fake_run_open(fake_channel *channel, completion_list *calls);
/* lock and busy held: the peer went away (guest closed / host rescinded) */
void fake_run_peer_close(fake_channel *channel, completion_list *calls);
void fake_unbind(fake_channel *channel); /* lock held */
/* lock not held: runs `transition` with the lock and the channel's busy flag held, then the
 * completion routines it queued; INVALID_HANDLE when the handle is no channel */
kc_status fake_transition(kc_vmbchannel handle, kc_status (*transition)(fake_channel *, completion_list *));
kc_status fake_channel_allocate(void *device, int is_server, kc_vmbchannel *out);
void fake_channel_cleanup(kc_vmbchannel handle);
kc_status fake_enable(kc_vmbchannel handle);
void fake_disable(kc_vmbchannel handle);
void fake_pause(kc_vmbchannel handle);
void fake_start(kc_vmbchannel handle);

/* ---------------------------------------------------------------- offers.c */
/* lock and busy held: a client channel looks for its offer */
void fake_try_bind(fake_channel *channel, completion_list *calls);

/* ---------------------------------------------------------------- channel_config.c */
kc_status fake_init_set_client_context_size(kc_vmbchannel handle, uint32_t size);
kc_status fake_init_set_flags(kc_vmbchannel handle, uint32_t flags);
kc_status fake_init_set_friendly_name(kc_vmbchannel handle, const uint16_t *name, uint32_t bytes);
kc_status fake_init_set_maximum_external_data(kc_vmbchannel handle, uint32_t size, uint32_t chain);
kc_status fake_init_set_maximum_packet_size(kc_vmbchannel handle, uint32_t size);
kc_status fake_init_set_process_packet_callbacks(kc_vmbchannel handle, kc_evt_process_packet process_packet,
                                                 kc_evt_processing_complete processing_complete);
kc_status fake_init_set_state_change_callbacks(kc_vmbchannel handle, const kc_state_callbacks *callbacks);
kc_status fake_client_init_set_ring_buffer_page_count(kc_vmbchannel handle, uint32_t incoming_pages,
                                                      uint32_t outgoing_pages);
kc_status fake_client_init_set_target_pnp(kc_vmbchannel handle, const kc_guid *type, const kc_guid *instance,
                                          kc_evt_pnp_failure on_failure);
kc_status fake_server_init_set_flags(kc_vmbchannel handle, uint32_t flags);
kc_status fake_server_init_set_mmio_megabytes(kc_vmbchannel handle, uint16_t megabytes, uint16_t optional);
kc_status fake_server_init_set_target_interface_id(kc_vmbchannel handle, const kc_guid *type, const kc_guid *instance);
kc_status fake_server_init_set_target_vtl(kc_vmbchannel handle, uint8_t vtl);
void fake_set_incoming_processing_at_passive(kc_vmbchannel handle, int passive);
kc_status fake_set_interrupt_latency(kc_vmbchannel handle, uint16_t latency, uint16_t *original);
void fake_set_pointer(kc_vmbchannel handle, void *pointer);
void *fake_get_pointer(kc_vmbchannel handle);
void fake_set_transaction_quota(kc_vmbchannel handle, uint32_t quota);
uint32_t fake_sizeof_packet(kc_vmbchannel handle);
void fake_get_interface_instance(kc_vmbchannel handle, kc_guid *out);
void fake_get_mmio_space(kc_vmbchannel handle, uint64_t *address, uint64_t *size);
void fake_query_ring(kc_vmbchannel handle, kc_ring_info *out);

/* ---------------------------------------------------------------- gpadl.c */
kc_status fake_create_gpadl_from_buffer(kc_vmbchannel handle, uint32_t flags, void *buffer, uint32_t size,
                                        uint32_t *out_handle);
void fake_delete_gpadl(kc_vmbchannel handle, uint32_t gpadl);
kc_status fake_map_gpadl(kc_vmbchannel handle, uint32_t flags, uint32_t gpadl, void **address, uint32_t *size,
                         void **mapping);
void fake_unmap_gpadl(kc_vmbchannel handle, uint32_t gpadl);
void fake_free_gpadls(fake_channel *channel); /* lock held */

/* ---------------------------------------------------------------- system_mappings.c */
/* lock held: a token for one mapping the glue would make of an MDL (*mapping NULL on failure) */
kc_status fake_map_system_address(fk_world *world, void **mapping);
void fake_unmap_system_address(void *mapping); /* lock not held */

/* ---------------------------------------------------------------- closed_handler.c */
/* whether the calling thread runs, for the loopback host, code inside a channel's Closed handler
 * (fk_enter_closed_handler) */
int fake_in_closed_handler(void);

#endif
