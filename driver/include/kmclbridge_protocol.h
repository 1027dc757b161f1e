/*
 * kmclbridge_protocol.h - the one wire format between user mode (kmclshim) and the driver
 * (driver/core): the driver's public header. Included by the driver core, the KMDF glue, the shim and
 * the tests; it lives under driver/ because user mode depends on the driver, never the reverse.
 *
 * Rules:
 *  - Every control code is METHOD_BUFFERED with a vendor device type (>= 0x8000), a function code
 *    in 0x800..0xFFF and explicit FILE_READ_DATA / FILE_WRITE_DATA access bits.
 *  - Every field is fixed width and little-endian; every struct size and key offset is
 *    static_assert'ed below. Reserved fields must be zero on input and are zero on output.
 *  - Every input starts with kmclb_in_header; its version must equal KMCLB_PROTOCOL_VERSION
 *    (otherwise STATUS_REVISION_MISMATCH). QUERY_VERSION accepts any version so a shim can ask first.
 *  - Variable-length data follows the fixed part; the fixed part states every length, and the
 *    total input length must match exactly (no trailing bytes).
 *  - Operations that must report data together with a failure (CREATE, CONFIGURE, COMPLETE,
 *    RECEIVE) complete the IOCTL with STATUS_SUCCESS and carry the operation's status in the
 *    output ("in-band status"), because Windows does not copy METHOD_BUFFERED output for error
 *    statuses. Every other IOCTL's status is the operation's status.
 */
#ifndef KMCLBRIDGE_PROTOCOL_H
#define KMCLBRIDGE_PROTOCOL_H

#include <stdint.h>
#include <stddef.h>
#include "kmclbridge_status.h"

#if defined(__cplusplus)
#define KMCLB_STATIC_ASSERT(c, m) static_assert(c, m)
#else /* C11 keyword; MSVC accepts it with /std:c11 or later (also in kernel mode) */
#define KMCLB_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ------------------------------------------------------------------ versions */
#define KMCLB_PROTOCOL_VERSION 1u
#define KMCLB_KMCL_INTERFACE_VERSION 1u /* KMCL_CLIENT_INTERFACE_V1 */

/* ------------------------------------------------------------------ control codes */
#ifndef CTL_CODE
#define CTL_CODE(DeviceType, Function, Method, Access) \
    (((uint32_t)(DeviceType) << 16) | ((uint32_t)(Access) << 14) | ((uint32_t)(Function) << 2) | (uint32_t)(Method))
#endif
#ifndef METHOD_BUFFERED
#define METHOD_BUFFERED 0
#endif
#ifndef FILE_READ_DATA
#define FILE_READ_DATA 0x0001
#endif
#ifndef FILE_WRITE_DATA
#define FILE_WRITE_DATA 0x0002
#endif

#define KMCLB_DEVICE_TYPE 0xA6C1u /* vendor range >= 0x8000 */
#define KMCLB_R  (FILE_READ_DATA)
#define KMCLB_RW (FILE_READ_DATA | FILE_WRITE_DATA)
#define KMCLB_CODE(fn, acc) CTL_CODE(KMCLB_DEVICE_TYPE, (fn), METHOD_BUFFERED, (acc))

#define KMCLB_FN_QUERY_VERSION   0x800
#define KMCLB_FN_LIST_ENDPOINTS  0x801
#define KMCLB_FN_CHANNEL_CREATE  0x802
#define KMCLB_FN_CHANNEL_CONFIGURE 0x803
#define KMCLB_FN_CHANNEL_ENABLE  0x804
#define KMCLB_FN_CHANNEL_DISABLE 0x805
#define KMCLB_FN_CHANNEL_PAUSE   0x806
#define KMCLB_FN_CHANNEL_START   0x807
#define KMCLB_FN_CHANNEL_CLEANUP 0x808
#define KMCLB_FN_CHANNEL_QUERY   0x809
#define KMCLB_FN_SET_CONTEXT     0x80A
#define KMCLB_FN_SET_QUOTA       0x80B
#define KMCLB_FN_SET_LATENCY     0x80C
#define KMCLB_FN_RECEIVE         0x80D
#define KMCLB_FN_COMPLETE        0x80E
#define KMCLB_FN_FAIL            0x80F
#define KMCLB_FN_DEFER           0x810
#define KMCLB_FN_SEND            0x811
#define KMCLB_FN_SEND_SYNC       0x812
#define KMCLB_FN_GPADL_CREATE    0x813
#define KMCLB_FN_GPADL_DELETE    0x814
#define KMCLB_FN_GPADL_MAP       0x815
#define KMCLB_FN_GPADL_UNMAP     0x816
#define KMCLB_FN_GPADL_READ      0x817
#define KMCLB_FN_GPADL_WRITE     0x818
#define KMCLB_FN_REQUEUE         0x819
#define KMCLB_FN_FIRST KMCLB_FN_QUERY_VERSION
#define KMCLB_FN_LAST  KMCLB_FN_REQUEUE

#define IOCTL_KMCLB_QUERY_VERSION     KMCLB_CODE(KMCLB_FN_QUERY_VERSION, KMCLB_R)
#define IOCTL_KMCLB_LIST_ENDPOINTS    KMCLB_CODE(KMCLB_FN_LIST_ENDPOINTS, KMCLB_R)
#define IOCTL_KMCLB_CHANNEL_CREATE    KMCLB_CODE(KMCLB_FN_CHANNEL_CREATE, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_CONFIGURE KMCLB_CODE(KMCLB_FN_CHANNEL_CONFIGURE, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_ENABLE    KMCLB_CODE(KMCLB_FN_CHANNEL_ENABLE, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_DISABLE   KMCLB_CODE(KMCLB_FN_CHANNEL_DISABLE, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_PAUSE     KMCLB_CODE(KMCLB_FN_CHANNEL_PAUSE, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_START     KMCLB_CODE(KMCLB_FN_CHANNEL_START, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_CLEANUP   KMCLB_CODE(KMCLB_FN_CHANNEL_CLEANUP, KMCLB_RW)
#define IOCTL_KMCLB_CHANNEL_QUERY     KMCLB_CODE(KMCLB_FN_CHANNEL_QUERY, KMCLB_R)
#define IOCTL_KMCLB_SET_CONTEXT       KMCLB_CODE(KMCLB_FN_SET_CONTEXT, KMCLB_RW)
#define IOCTL_KMCLB_SET_QUOTA         KMCLB_CODE(KMCLB_FN_SET_QUOTA, KMCLB_RW)
#define IOCTL_KMCLB_SET_LATENCY       KMCLB_CODE(KMCLB_FN_SET_LATENCY, KMCLB_RW)
#define IOCTL_KMCLB_RECEIVE           KMCLB_CODE(KMCLB_FN_RECEIVE, KMCLB_R)
#define IOCTL_KMCLB_COMPLETE          KMCLB_CODE(KMCLB_FN_COMPLETE, KMCLB_RW)
#define IOCTL_KMCLB_FAIL              KMCLB_CODE(KMCLB_FN_FAIL, KMCLB_RW)
#define IOCTL_KMCLB_DEFER             KMCLB_CODE(KMCLB_FN_DEFER, KMCLB_RW)
#define IOCTL_KMCLB_SEND              KMCLB_CODE(KMCLB_FN_SEND, KMCLB_RW)
#define IOCTL_KMCLB_SEND_SYNC         KMCLB_CODE(KMCLB_FN_SEND_SYNC, KMCLB_RW)
#define IOCTL_KMCLB_GPADL_CREATE      KMCLB_CODE(KMCLB_FN_GPADL_CREATE, KMCLB_RW)
#define IOCTL_KMCLB_GPADL_DELETE      KMCLB_CODE(KMCLB_FN_GPADL_DELETE, KMCLB_RW)
#define IOCTL_KMCLB_GPADL_MAP         KMCLB_CODE(KMCLB_FN_GPADL_MAP, KMCLB_RW)
#define IOCTL_KMCLB_GPADL_UNMAP       KMCLB_CODE(KMCLB_FN_GPADL_UNMAP, KMCLB_RW)
#define IOCTL_KMCLB_GPADL_READ        KMCLB_CODE(KMCLB_FN_GPADL_READ, KMCLB_R)
#define IOCTL_KMCLB_GPADL_WRITE       KMCLB_CODE(KMCLB_FN_GPADL_WRITE, KMCLB_RW)
#define IOCTL_KMCLB_REQUEUE           KMCLB_CODE(KMCLB_FN_REQUEUE, KMCLB_RW)

KMCLB_STATIC_ASSERT(KMCLB_DEVICE_TYPE >= 0x8000u, "vendor device type");
KMCLB_STATIC_ASSERT(IOCTL_KMCLB_QUERY_VERSION == 0xA6C16000u, "code layout");
KMCLB_STATIC_ASSERT(IOCTL_KMCLB_SEND == 0xA6C1E044u, "code layout");
KMCLB_STATIC_ASSERT(IOCTL_KMCLB_REQUEUE == 0xA6C1E064u, "code layout");

/* ------------------------------------------------------------------ limits */
#define KMCLB_MAX_INPUT            (64u * 1024u * 1024u)  /* any IOCTL input */
#define KMCLB_MAX_PAYLOAD          (16u * 1024u * 1024u)  /* inline payload / external data of one send */
#define KMCLB_MAX_FRIENDLY_NAME    (512u)                 /* bytes of UTF-16LE */
#define KMCLB_MAX_COMPLETE_BATCH   (4096u)
#define KMCLB_MAX_GPADL_SIZE       (64u * 1024u * 1024u)
#define KMCLB_MAX_PENDING_PACKETS  (4096u)   /* per channel: delivered, not completed (core caps KMCL quota) */
/* per session: non-paged memory the driver holds for sends KMCL has not completed yet (each send
 * is charged its copy of the payload plus its external data's whole pages); the next send fails
 * with STATUS_INSUFFICIENT_RESOURCES. Bounds what one handle can pin in the kernel when the peer
 * never completes; three sends of the largest size (16 MiB of payload and 16 MiB of
 * external data each) fit, or about a million small ones. */
#define KMCLB_MAX_SESSION_SEND_BYTES (128u * 1024u * 1024u)
#define KMCLB_MAX_STATE_EVENTS     (256u)    /* per channel: queued STATE records; later ones merge into one STATE_OVERFLOW record */
#define KMCLB_ENDPOINT_NAME_BYTES  (64u)

/* ------------------------------------------------------------------ statuses
 * NTSTATUS values (Windows and bridge-defined) live in kmclbridge_status.h. */

/* ------------------------------------------------------------------ common header */
typedef struct kmclb_in_header {
    uint32_t version;  /* KMCLB_PROTOCOL_VERSION */
    uint32_t reserved; /* 0 */
} kmclb_in_header;
KMCLB_STATIC_ASSERT(sizeof(kmclb_in_header) == 8, "size");

/* QUERY_VERSION: in kmclb_in_header (any version), out kmclb_version_out */
typedef struct kmclb_version_out {
    uint32_t protocol_version;
    uint32_t kmcl_interface_version;
    uint32_t max_input;
    uint32_t reserved;
    char driver_version[32]; /* NUL-terminated ASCII */
} kmclb_version_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_version_out) == 48, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_version_out, driver_version) == 16, "offset");

/* LIST_ENDPOINTS: in kmclb_in_header; out kmclb_endpoints_out + count * kmclb_endpoint
 * (as many as fit; total says how many exist). */
typedef struct kmclb_endpoints_out {
    uint32_t count;
    uint32_t total;
} kmclb_endpoints_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_endpoints_out) == 8, "size");

typedef struct kmclb_endpoint {
    uint64_t id;
    uint8_t interface_type[16];     /* GUID in Windows byte order (Data1..3 little-endian) */
    uint8_t interface_instance[16];
    char name[KMCLB_ENDPOINT_NAME_BYTES]; /* NUL-terminated UTF-8 */
} kmclb_endpoint;
KMCLB_STATIC_ASSERT(sizeof(kmclb_endpoint) == 104, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_endpoint, name) == 40, "offset");

/* ------------------------------------------------------------------ channel configuration */
/* presence bits: a setting is applied only when its bit is set */
#define KMCLB_CFG_CLIENT_CONTEXT_SIZE  0x0001u /* slot 10 */
#define KMCLB_CFG_FLAGS                0x0002u /* slot 11 */
#define KMCLB_CFG_FRIENDLY_NAME        0x0004u /* slot 12 */
#define KMCLB_CFG_MAX_EXTERNAL_DATA    0x0008u /* slot 13 */
#define KMCLB_CFG_MAX_PACKET_SIZE      0x0010u /* slot 14 */
#define KMCLB_CFG_PROCESSING_COMPLETE  0x0020u /* slot 15: re-register with/without end-of-batch callback */
#define KMCLB_CFG_STATE_CB_HEADER      0x0040u /* slot 16: register state callbacks with this Version/Size */
#define KMCLB_CFG_INCOMING_AT_PASSIVE  0x0080u /* slot 23 */
#define KMCLB_CFG_TRANSACTION_QUOTA    0x0100u /* slot 26 */
#define KMCLB_CFG_RING_PAGES           0x0200u /* slot 29 */
#define KMCLB_CFG_TARGET_PNP           0x0400u /* slot 30 */
#define KMCLB_CFG_TARGET_PNP_INSTANCE  0x0800u /* modifies slot 30: instance given (else NULL) */
#define KMCLB_CFG_SERVER_FLAGS         0x1000u /* server slot 8 */
#define KMCLB_CFG_MMIO                 0x2000u /* server slot 9 */
#define KMCLB_CFG_TARGET_INTERFACE     0x4000u /* server slot 11 */
#define KMCLB_CFG_TARGET_VTL           0x8000u /* server slot 12 */
#define KMCLB_CFG_ALL                  0xFFFFu

typedef struct kmclb_channel_config {
    uint32_t present;              /* KMCLB_CFG_* */
    uint32_t client_context_size;
    uint32_t channel_flags;
    uint32_t max_external_data_size;
    uint32_t max_external_chain_length;
    uint32_t max_packet_size;
    uint32_t processing_complete;  /* 0/1 */
    uint32_t state_cb_version;
    uint32_t state_cb_size;
    uint32_t incoming_at_passive;  /* 0/1 */
    uint32_t transaction_quota;
    uint32_t ring_pages_incoming;
    uint32_t ring_pages_outgoing;
    uint32_t server_flags;
    uint16_t mmio_megabytes;
    uint16_t mmio_megabytes_optional;
    uint32_t target_vtl;           /* UINT8 value, upper bits must be 0 */
    uint8_t target_pnp_type[16];
    uint8_t target_pnp_instance[16];
    uint8_t target_interface_type[16];
    uint8_t target_interface_instance[16];
    uint32_t friendly_name_bytes;  /* UTF-16LE bytes following the fixed part; even, <= KMCLB_MAX_FRIENDLY_NAME */
    uint32_t reserved;
} kmclb_channel_config;
KMCLB_STATIC_ASSERT(sizeof(kmclb_channel_config) == 136, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_channel_config, mmio_megabytes) == 56, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_channel_config, target_pnp_type) == 64, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_channel_config, friendly_name_bytes) == 128, "offset");

/* CHANNEL_CREATE: in kmclb_create_in + friendly name bytes; out kmclb_create_out (in-band status).
 * VmbChannelAllocate on the endpoint's device, then the config; on a config failure the channel is
 * cleaned up again, channel = 0, failed_function = KmclFunction code. */
typedef struct kmclb_create_in {
    kmclb_in_header hdr;
    uint64_t endpoint;
    uint32_t is_server; /* 0/1 */
    uint32_t reserved;
    kmclb_channel_config config;
} kmclb_create_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_create_in) == 160, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_create_in, config) == 24, "offset");

typedef struct kmclb_create_out {
    uint64_t channel;
    int32_t status;
    uint32_t failed_function; /* KmclFunction code, valid when status fails */
} kmclb_create_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_create_out) == 16, "size");

/* CHANNEL_CONFIGURE: in kmclb_configure_in + name bytes; out kmclb_configure_out (in-band status) */
typedef struct kmclb_configure_in {
    kmclb_in_header hdr;
    uint64_t channel;
    kmclb_channel_config config;
} kmclb_configure_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_configure_in) == 152, "size");

typedef struct kmclb_configure_out {
    int32_t status;
    uint32_t failed_function;
} kmclb_configure_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_configure_out) == 8, "size");

/* ENABLE / DISABLE / PAUSE / START / CLEANUP / CHANNEL_QUERY: in kmclb_channel_in.
 * CHANNEL_QUERY out: KMCLB_QUERY_SLOTS u64 (WireFormat.Query layout). */
typedef struct kmclb_channel_in {
    kmclb_in_header hdr;
    uint64_t channel;
} kmclb_channel_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_channel_in) == 16, "size");

#define KMCLB_QUERY_SLOTS 24
#define KMCLB_Q_STATE 0
#define KMCLB_Q_FLAGS 1
#define KMCLB_Q_INSTANCE_MSB 2
#define KMCLB_Q_INSTANCE_LSB 3
#define KMCLB_Q_PACKETS_IN 4
#define KMCLB_Q_BYTES_IN 5
#define KMCLB_Q_PACKETS_OUT 6
#define KMCLB_Q_BYTES_OUT 7
#define KMCLB_Q_COMPLETIONS_SENT 8
#define KMCLB_Q_COMPLETIONS_RECEIVED 9
#define KMCLB_Q_PACKETS_FAILED 10
#define KMCLB_Q_PENDING_INCOMING 11
#define KMCLB_Q_PENDING_OUTGOING 12
#define KMCLB_Q_QUEUED_OUTGOING 13
#define KMCLB_Q_QUEUE_HIGH_WATER 14
#define KMCLB_Q_RING_FULL_EVENTS 15
#define KMCLB_Q_OUTGOING_RING_FREE 16
#define KMCLB_Q_INCOMING_RING_USED 17
#define KMCLB_Q_BATCHES 18
#define KMCLB_Q_SIZEOF_PACKET 19
#define KMCLB_Q_CONTEXT 20
#define KMCLB_Q_RESERVED_21 21 /* always 0: KMCL's MMIO address may be a kernel address and never leaves the driver */
#define KMCLB_Q_MMIO_SIZE 22
#define KMCLB_Q_INTERRUPT_LATENCY 23

#define KMCLB_QF_SERVER 1u
#define KMCLB_QF_PAUSED 2u
#define KMCLB_QF_QUEUE_STOPPED 4u
#define KMCLB_QF_EVER_ENABLED 8u
#define KMCLB_QF_OPEN 16u
#define KMCLB_QF_MMIO_VALID 32u
#define KMCLB_QF_OUTGOING_STALLED 64u

/* ChannelState codes */
#define KMCLB_STATE_DISABLED 0
#define KMCLB_STATE_ENABLED 1
#define KMCLB_STATE_OPEN 2
#define KMCLB_STATE_ACTIVE 3
#define KMCLB_STATE_CLOSED 4
#define KMCLB_STATE_CLEANED_UP 5

/* SET_CONTEXT: in kmclb_set_context_in */
typedef struct kmclb_set_context_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint64_t value;
} kmclb_set_context_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_set_context_in) == 24, "size");

/* SET_QUOTA / SET_LATENCY: in kmclb_set_u32_in; SET_LATENCY out kmclb_u32_out (original latency) */
typedef struct kmclb_set_u32_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t value;
    uint32_t reserved;
} kmclb_set_u32_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_set_u32_in) == 24, "size");

typedef struct kmclb_u32_out {
    uint32_t value;
    uint32_t reserved;
} kmclb_u32_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_u32_out) == 8, "size");

/* ------------------------------------------------------------------ receive (inverted call) */
/* RECEIVE: in kmclb_receive_in; out kmclb_receive_out + records (in-band status).
 * No events queued and timeout_ms != 0: the request is parked until events arrive, the channel is
 * cleaned up (status STATUS_CANCELLED) or the request is cancelled (IOCTL status STATUS_CANCELLED).
 * timeout_ms == 0: never parks (status STATUS_TIMEOUT when empty). The driver does not time out a
 * parked request itself: the caller cancels it (CancelIoEx) after its own timeout.
 * status STATUS_BUFFER_TOO_SMALL: the next record alone needs `needed` bytes of record space. */
typedef struct kmclb_receive_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t timeout_ms;  /* 0 = poll; anything else = may park */
    uint32_t reserved;
} kmclb_receive_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_receive_in) == 24, "size");

typedef struct kmclb_receive_out {
    int32_t status;
    uint32_t records;
    uint32_t bytes;   /* record bytes following this header */
    uint32_t needed;  /* with STATUS_BUFFER_TOO_SMALL */
} kmclb_receive_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_receive_out) == 16, "size");

/* One event record: exactly the layout of dev.kmclbridge.spi.EventBatch. */
typedef struct kmclb_event {
    uint16_t kind;           /* KMCLB_EV_* */
    uint16_t flags;          /* PACKET: KMCLB_PF_*; STATE: KMCLB_ST_* */
    uint32_t payload_length; /* inline payload bytes after the header */
    uint64_t id;             /* PACKET: packet id; SEND_COMPLETE: tag */
    int32_t status;          /* PACKET: IRQL; STATE/SEND_COMPLETE: NTSTATUS */
    uint32_t aux;            /* PACKET: external bytes after payload; PROCESSING_COMPLETE: count;
                                STATE_OVERFLOW: state callbacks merged */
    /* payload, external data, zero padding to a multiple of 8 */
} kmclb_event;
KMCLB_STATIC_ASSERT(sizeof(kmclb_event) == 24, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_event, payload_length) == 4, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_event, id) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_event, status) == 16, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_event, aux) == 20, "offset");

#define KMCLB_EV_PACKET 1
#define KMCLB_EV_PROCESSING_COMPLETE 2
#define KMCLB_EV_STATE 3
#define KMCLB_EV_SEND_COMPLETE 4
/* State callbacks nobody received while KMCLB_MAX_STATE_EVENTS STATE records were queued: merged
 * into this one record instead of being dropped. aux = how many callbacks it stands for; flags =
 * the KMCLB_ST_* code of the newest of them and status = its status (the channel's latest state as
 * KMCL reported it); id = bit (1 << KMCLB_ST_*) set for every callback among them. While it is
 * queued every later state callback merges into it, and it moves to the end of the stream. */
#define KMCLB_EV_STATE_OVERFLOW 5

#define KMCLB_PF_EXTERNAL_DATA 0x1
#define KMCLB_PF_REDELIVERY 0x100
#define KMCLB_PF_COMPLETION_REQUESTED 0x200

#define KMCLB_ST_OPENED 1
#define KMCLB_ST_CLOSED 2
#define KMCLB_ST_SUSPEND 3
#define KMCLB_ST_STARTED 4
#define KMCLB_ST_POST_STARTED 5
#define KMCLB_ST_PNP_FAILURE 6

#define KMCLB_IRQL_PASSIVE 0
#define KMCLB_IRQL_DISPATCH 2

/* record size for `body` payload+external bytes; caller guarantees body <= 2^31 */
#define KMCLB_RECORD_SIZE(body) ((uint64_t)sizeof(kmclb_event) + (((uint64_t)(body) + 7u) & ~(uint64_t)7u))

/* ------------------------------------------------------------------ packets */
/* COMPLETE: in kmclb_complete_in + count * kmclb_complete_entry + payload_bytes;
 * out kmclb_complete_out + count * int32 statuses (in-band). entry i's completion payload is
 * payload[offset, offset+length). */
typedef struct kmclb_complete_in {
    kmclb_in_header hdr;
    uint32_t count;          /* 1..KMCLB_MAX_COMPLETE_BATCH */
    uint32_t payload_bytes;
} kmclb_complete_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_complete_in) == 16, "size");

typedef struct kmclb_complete_entry {
    uint64_t packet;
    uint32_t offset;
    uint32_t length;
} kmclb_complete_entry;
KMCLB_STATIC_ASSERT(sizeof(kmclb_complete_entry) == 16, "size");

typedef struct kmclb_complete_out {
    int32_t status;  /* first failure, or STATUS_SUCCESS */
    uint32_t count;
} kmclb_complete_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_complete_out) == 8, "size");

/* FAIL / DEFER: in kmclb_packet_in */
typedef struct kmclb_packet_in {
    kmclb_in_header hdr;
    uint64_t packet;
} kmclb_packet_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_packet_in) == 16, "size");

/* REQUEUE: in kmclb_requeue_in + count * uint64 packet ids; no output. Gives back packets RECEIVE
 * returned that were never dispatched: each id must be a packet of this session and of `channel`,
 * delivered and not yet completed/failed/deferred/requeued. Valid ids go back to the head of the
 * channel's receive stream in the given order (same ids; not counted again in PACKETS_IN/BYTES_IN).
 * The IOCTL status is the first failure (invalid ids are skipped), or STATUS_SUCCESS. */
#define KMCLB_MAX_REQUEUE_BATCH (4096u)
typedef struct kmclb_requeue_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t count;    /* 1..KMCLB_MAX_REQUEUE_BATCH */
    uint32_t reserved; /* 0 */
} kmclb_requeue_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_requeue_in) == 24, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_requeue_in, count) == 16, "offset");

#define KMCLB_EXTERNAL_NONE 0
#define KMCLB_EXTERNAL_MDL 1
#define KMCLB_EXTERNAL_PFNS 2
#define KMCLB_SEND_FLAGS_VALID 0x7u /* VMBUS_CHANNEL_FORMAT_FLAGS */
#define KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION 0x1u

/* SEND: in kmclb_send_in + payload + external; no output. The transaction's end arrives as a
 * SEND_COMPLETE record (id = tag) on the channel's receive stream. */
typedef struct kmclb_send_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint64_t tag;
    uint32_t flags;           /* VMBUS_CHANNEL_FORMAT_FLAG_* */
    uint32_t external_form;   /* KMCLB_EXTERNAL_* */
    uint32_t payload_length;
    uint32_t external_length; /* 0 iff external_form == NONE */
} kmclb_send_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_send_in) == 40, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_send_in, payload_length) == 32, "offset");

/* SEND_SYNC: in kmclb_send_sync_in + payload + external; out kmclb_send_sync_out + completion bytes
 * (IOCTL status = KMCL status; output only for NT_SUCCESS or STATUS_BUFFER_OVERFLOW warnings). */
typedef struct kmclb_send_sync_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t flags;
    uint32_t external_form;   /* NONE or MDL */
    uint32_t payload_length;
    uint32_t external_length;
    uint32_t completion_capacity; /* must be a multiple of 8 (checked by KMCL) */
    uint32_t has_timeout;     /* 0/1 */
    int64_t timeout_100ns;    /* KeWaitForSingleObject convention */
} kmclb_send_sync_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_send_sync_in) == 48, "size");
KMCLB_STATIC_ASSERT(offsetof(kmclb_send_sync_in, timeout_100ns) == 40, "offset");

typedef struct kmclb_send_sync_out {
    uint32_t completion_size;
    uint32_t reserved;
} kmclb_send_sync_out;
KMCLB_STATIC_ASSERT(sizeof(kmclb_send_sync_out) == 8, "size");

/* ------------------------------------------------------------------ GPADLs */
/* GPADL_CREATE: in kmclb_gpadl_create_in; out kmclb_u32_out (handle) */
typedef struct kmclb_gpadl_create_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t size;  /* 1..KMCLB_MAX_GPADL_SIZE; the driver allocates a zeroed buffer */
    uint32_t flags; /* VMBUS_CHANNEL_GPADL_FLAG_READ_ONLY */
} kmclb_gpadl_create_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_gpadl_create_in) == 24, "size");

/* GPADL_DELETE / GPADL_MAP / GPADL_UNMAP: in kmclb_gpadl_in */
typedef struct kmclb_gpadl_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t handle;
    uint32_t flags; /* MAP: VMBUS_CHANNEL_GPADL_FLAG_READ_ONLY; others 0 */
} kmclb_gpadl_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_gpadl_in) == 24, "size");

/* GPADL_READ: in kmclb_gpadl_access_in, out `length` bytes.
 * GPADL_WRITE: in kmclb_gpadl_access_in + `length` bytes, no output. */
typedef struct kmclb_gpadl_access_in {
    kmclb_in_header hdr;
    uint64_t channel;
    uint32_t handle;
    uint32_t mapped;  /* 0: the creator's buffer; 1: our server mapping */
    uint64_t offset;
    uint32_t length;
    uint32_t reserved;
} kmclb_gpadl_access_in;
KMCLB_STATIC_ASSERT(sizeof(kmclb_gpadl_access_in) == 40, "size");

/* Every request on a channel starts as kmclb_channel_in does: the header, then the channel id (the
 * driver reads the id, and the shim writes it, through kmclb_channel_in whatever the request). */
KMCLB_STATIC_ASSERT(offsetof(kmclb_configure_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_channel_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_set_context_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_set_u32_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_receive_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_requeue_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_send_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_send_sync_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_gpadl_create_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_gpadl_in, channel) == 8, "offset");
KMCLB_STATIC_ASSERT(offsetof(kmclb_gpadl_access_in, channel) == 8, "offset");

/* ------------------------------------------------------------------ KMCL function codes */
/* KmclFunction.code(): table * 256 + slot (table 0 = client, 1 = server-only, 2 = bridge) */
#define KMCLB_FUNC_CLIENT(slot) ((uint32_t)(slot))
#define KMCLB_FUNC_SERVER(slot) (256u + (uint32_t)(slot))
#define KMCLB_FUNC_NONE 0xFFFFFFFFu

#endif /* KMCLBRIDGE_PROTOCOL_H */
