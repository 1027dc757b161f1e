package dev.kmclbridge.spi;

/**
 * The Java copy of the driver's wire constants, in one place. Every value mirrors a {@code #define} or a struct
 * layout of {@code driver/include/kmclbridge_protocol.h} (the C name is in each doc); WireFormatTest reads that
 * header and fails when a value, offset or size here differs. These are the only Java names of these values.
 */
public final class WireFormat {
    private WireFormat() {
    }

    /** {@code KMCLB_PROTOCOL_VERSION}: the version every IOCTL input header carries. */
    public static final int PROTOCOL_VERSION = 1;
    /** {@code KMCLB_KMCL_INTERFACE_VERSION}: KMCL_CLIENT_INTERFACE_V1. */
    public static final int KMCL_INTERFACE_VERSION = 1;
    /** {@code KMCLB_SEND_FLAGS_VALID}: VMBUS_CHANNEL_FORMAT_FLAGS, every flag a send may carry. */
    public static final int SEND_FLAGS_VALID = 0x7;
    /** {@code KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION}: the transaction stays open until the peer completes it. */
    public static final int FORMAT_FLAG_WAIT_FOR_COMPLETION = 0x1;

    /** {@code kmclb_event}: one record of a receive batch (the layout {@link EventBatch} reads and writes). */
    public static final class Event {
        private Event() {
        }

        /** {@code sizeof(kmclb_event)}: the record header; payload and external data follow it. */
        public static final int HEADER_SIZE = 24;
        /** Records are padded with zeros to a multiple of this ({@code KMCLB_RECORD_SIZE}). */
        public static final int ALIGNMENT = 8;
        /** {@code offsetof(kmclb_event, kind)}, uint16. */
        public static final int KIND_OFFSET = 0;
        /** {@code offsetof(kmclb_event, flags)}, uint16. */
        public static final int FLAGS_OFFSET = 2;
        /** {@code offsetof(kmclb_event, payload_length)}, uint32. */
        public static final int PAYLOAD_LENGTH_OFFSET = 4;
        /** {@code offsetof(kmclb_event, id)}, uint64. */
        public static final int ID_OFFSET = 8;
        /** {@code offsetof(kmclb_event, status)}, int32. */
        public static final int STATUS_OFFSET = 16;
        /** {@code offsetof(kmclb_event, aux)}, uint32. */
        public static final int AUX_OFFSET = 20;

        /** {@code KMCLB_EV_PACKET}: an incoming packet (EvtVmbChannelProcessPacket). */
        public static final int KIND_PACKET = 1;
        /** {@code KMCLB_EV_PROCESSING_COMPLETE}: end of a batch; aux = packets in the batch. */
        public static final int KIND_PROCESSING_COMPLETE = 2;
        /** {@code KMCLB_EV_STATE}: a state-change callback; flags = STATE_* code, status = the PnP failure's status. */
        public static final int KIND_STATE = 3;
        /** {@code KMCLB_EV_SEND_COMPLETE}: one of our sends finished; id = tag, payload = the completion's bytes. */
        public static final int KIND_SEND_COMPLETE = 4;
        /**
         * {@code KMCLB_EV_STATE_OVERFLOW}: state callbacks nobody received while the driver's bounded queue of state
         * records was full, merged into one record: aux = how many, flags = STATE_* code of the newest, status =
         * its status, id = bit {@code 1 << STATE_*} for every kind among them. Never sent by the fake.
         */
        public static final int KIND_STATE_OVERFLOW = 5;

        /** {@code KMCLB_PF_EXTERNAL_DATA}: VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA. */
        public static final int PACKET_FLAG_EXTERNAL_DATA = 0x1;
        /** The packet flags KMCL itself defines (the bridge's own flags sit above them). */
        public static final int PACKET_FLAGS_KMCL = 0xFF;
        /** {@code KMCLB_PF_REDELIVERY}: a redelivery after DeferToPassive or GetExternalData PENDING. */
        public static final int PACKET_FLAG_REDELIVERY = 0x100;
        /** {@code KMCLB_PF_COMPLETION_REQUESTED}: the sender asked for a completion (WAIT_FOR_COMPLETION). */
        public static final int PACKET_FLAG_COMPLETION_REQUESTED = 0x200;

        /** {@code KMCLB_IRQL_PASSIVE}: PASSIVE_LEVEL in a packet record's status field. */
        public static final int IRQL_PASSIVE = 0;
        /** {@code KMCLB_IRQL_DISPATCH}: DISPATCH_LEVEL. */
        public static final int IRQL_DISPATCH = 2;

        /** {@code KMCLB_ST_OPENED}: EvtChannelOpened. */
        public static final int STATE_OPENED = 1;
        /** {@code KMCLB_ST_CLOSED}: EvtChannelClosed. */
        public static final int STATE_CLOSED = 2;
        /** {@code KMCLB_ST_SUSPEND}: EvtChannelSuspend. */
        public static final int STATE_SUSPEND = 3;
        /** {@code KMCLB_ST_STARTED}: EvtChannelStarted. */
        public static final int STATE_STARTED = 4;
        /** {@code KMCLB_ST_POST_STARTED}: EvtChannelPostStarted. */
        public static final int STATE_POST_STARTED = 5;
        /** {@code KMCLB_ST_PNP_FAILURE}: EvtChannelPnpFailure; status = the failure. */
        public static final int STATE_PNP_FAILURE = 6;
    }

    /**
     * {@code KMCLB_Q_*} and {@code KMCLB_QF_*}: the slots of the {@code long[]} that {@link Backend#queryChannel}
     * fills (one native crossing returns state and every counter).
     */
    public static final class Query {
        private Query() {
        }

        /** {@code KMCLB_QUERY_SLOTS}: number of slots a query array must have. */
        public static final int SLOTS = 24;
        /** {@code KMCLB_Q_STATE}: a {@link ChannelStates} code. */
        public static final int STATE = 0;
        /** {@code KMCLB_Q_FLAGS}: FLAG_* bits. */
        public static final int FLAGS = 1;
        /** {@code KMCLB_Q_INSTANCE_MSB}: interface instance GUID (VmbChannelGetInterfaceInstance), most significant
         * 64 bits; 0 if none yet. */
        public static final int INSTANCE_MSB = 2;
        /** {@code KMCLB_Q_INSTANCE_LSB}: interface instance GUID, least significant 64 bits. */
        public static final int INSTANCE_LSB = 3;
        /** {@code KMCLB_Q_PACKETS_IN}: incoming packets delivered to user mode (redeliveries not counted). */
        public static final int PACKETS_IN = 4;
        /** {@code KMCLB_Q_BYTES_IN}: inline + external bytes of delivered incoming packets. */
        public static final int BYTES_IN = 5;
        /** {@code KMCLB_Q_PACKETS_OUT}: outgoing packets accepted by send (including synchronous requests). */
        public static final int PACKETS_OUT = 6;
        /** {@code KMCLB_Q_BYTES_OUT}: inline + external bytes of accepted outgoing packets. */
        public static final int BYTES_OUT = 7;
        /** {@code KMCLB_Q_COMPLETIONS_SENT}: incoming packets completed by us. */
        public static final int COMPLETIONS_SENT = 8;
        /** {@code KMCLB_Q_COMPLETIONS_RECEIVED}: our outgoing packets whose transaction finished (completion routine
         * ran). */
        public static final int COMPLETIONS_RECEIVED = 9;
        /** {@code KMCLB_Q_PACKETS_FAILED}: incoming packets failed with VmbChannelPacketFail. */
        public static final int PACKETS_FAILED = 10;
        /** {@code KMCLB_Q_PENDING_INCOMING}: incoming packets delivered and not yet completed or failed. */
        public static final int PENDING_INCOMING = 11;
        /** {@code KMCLB_Q_PENDING_OUTGOING}: outgoing transactions not yet finished. */
        public static final int PENDING_OUTGOING = 12;
        /** {@code KMCLB_Q_QUEUED_OUTGOING}: outgoing packets accepted but waiting for ring space or for the channel
         * to open. */
        public static final int QUEUED_OUTGOING = 13;
        /** {@code KMCLB_Q_QUEUE_HIGH_WATER}: highest {@link #PENDING_INCOMING} seen. */
        public static final int QUEUE_HIGH_WATER = 14;
        /** {@code KMCLB_Q_RING_FULL_EVENTS}: times a send found the outgoing ring full. */
        public static final int RING_FULL_EVENTS = 15;
        /** {@code KMCLB_Q_OUTGOING_RING_FREE}: free bytes in the outgoing ring (ring semantics: a packet fits when
         * its on-ring size is smaller). */
        public static final int OUTGOING_RING_FREE = 16;
        /** {@code KMCLB_Q_INCOMING_RING_USED}: bytes waiting in the incoming ring (not yet delivered). */
        public static final int INCOMING_RING_USED = 17;
        /** {@code KMCLB_Q_BATCHES}: batches delivered (process-packet runs that ended with processing-complete). */
        public static final int BATCHES = 18;
        /** {@code KMCLB_Q_SIZEOF_PACKET}: vmbChannelSizeofPacket. */
        public static final int SIZEOF_PACKET = 19;
        /** {@code KMCLB_Q_CONTEXT}: value stored with VmbChannelSetPointer (0 if never set). */
        public static final int CONTEXT = 20;
        /** {@code KMCLB_Q_RESERVED_21}: always 0 (KMCL's MMIO address may be a kernel address; it never leaves the driver). */
        public static final int RESERVED_21 = 21;
        /** {@code KMCLB_Q_MMIO_SIZE}: vmbChannelGetMmioSpace size in bytes. */
        public static final int MMIO_SIZE = 22;
        /** {@code KMCLB_Q_INTERRUPT_LATENCY}: current interrupt latency (100 ns units). */
        public static final int INTERRUPT_LATENCY = 23;

        /** {@code KMCLB_QF_SERVER}: the channel is a server endpoint. */
        public static final long FLAG_SERVER = 1;
        /** {@code KMCLB_QF_PAUSED}: the run state is Paused (VmbChannelPause, or auto-pause asked before Enable). */
        public static final long FLAG_PAUSED = 2;
        /** {@code KMCLB_QF_QUEUE_STOPPED}: vmbChannelPacketFail stopped the incoming queue. */
        public static final long FLAG_QUEUE_STOPPED = 4;
        /** {@code KMCLB_QF_EVER_ENABLED}: the channel has been enabled at least once (Init* no longer accepted). */
        public static final long FLAG_EVER_ENABLED = 8;
        /** {@code KMCLB_QF_OPEN}: the open handshake completed and the channel has not closed since. */
        public static final long FLAG_OPEN = 16;
        /** {@code KMCLB_QF_MMIO_VALID}: MMIO_SIZE is valid (Opened happened). */
        public static final long FLAG_MMIO_VALID = 32;
        /** {@code KMCLB_QF_OUTGOING_STALLED}: the peer stopped reading our outgoing ring (ring full stall). */
        public static final long FLAG_OUTGOING_STALLED = 64;
    }

    /** {@code KMCLB_STATE_*}: channel state codes in the query's STATE slot. */
    public static final class ChannelStates {
        private ChannelStates() {
        }

        /** {@code KMCLB_STATE_DISABLED}. */
        public static final int DISABLED = 0;
        /** {@code KMCLB_STATE_ENABLED}. */
        public static final int ENABLED = 1;
        /** {@code KMCLB_STATE_OPEN}. */
        public static final int OPEN = 2;
        /** {@code KMCLB_STATE_ACTIVE}. */
        public static final int ACTIVE = 3;
        /** {@code KMCLB_STATE_CLOSED}. */
        public static final int CLOSED = 4;
        /** {@code KMCLB_STATE_CLEANED_UP}. */
        public static final int CLEANED_UP = 5;
    }

    /** {@code KMCLB_CFG_*}: presence bits of {@code kmclb_channel_config} (a setting is applied only when set). */
    public static final class ConfigPresence {
        private ConfigPresence() {
        }

        /** {@code KMCLB_CFG_CLIENT_CONTEXT_SIZE}. */
        public static final int CLIENT_CONTEXT_SIZE = 0x0001;
        /** {@code KMCLB_CFG_FLAGS}. */
        public static final int FLAGS = 0x0002;
        /** {@code KMCLB_CFG_FRIENDLY_NAME}. */
        public static final int FRIENDLY_NAME = 0x0004;
        /** {@code KMCLB_CFG_MAX_EXTERNAL_DATA}. */
        public static final int MAX_EXTERNAL_DATA = 0x0008;
        /** {@code KMCLB_CFG_MAX_PACKET_SIZE}. */
        public static final int MAX_PACKET_SIZE = 0x0010;
        /** {@code KMCLB_CFG_PROCESSING_COMPLETE}: re-register with or without the end-of-batch callback. */
        public static final int PROCESSING_COMPLETE = 0x0020;
        /** {@code KMCLB_CFG_STATE_CB_HEADER}: register the state callbacks with this Version/Size. */
        public static final int STATE_CB_HEADER = 0x0040;
        /** {@code KMCLB_CFG_INCOMING_AT_PASSIVE}. */
        public static final int INCOMING_AT_PASSIVE = 0x0080;
        /** {@code KMCLB_CFG_TRANSACTION_QUOTA}. */
        public static final int TRANSACTION_QUOTA = 0x0100;
        /** {@code KMCLB_CFG_RING_PAGES}. */
        public static final int RING_PAGES = 0x0200;
        /** {@code KMCLB_CFG_TARGET_PNP}. */
        public static final int TARGET_PNP = 0x0400;
        /** {@code KMCLB_CFG_TARGET_PNP_INSTANCE}: modifies TARGET_PNP (an instance is given). */
        public static final int TARGET_PNP_INSTANCE = 0x0800;
        /** {@code KMCLB_CFG_SERVER_FLAGS}. */
        public static final int SERVER_FLAGS = 0x1000;
        /** {@code KMCLB_CFG_MMIO}. */
        public static final int MMIO = 0x2000;
        /** {@code KMCLB_CFG_TARGET_INTERFACE}. */
        public static final int TARGET_INTERFACE = 0x4000;
        /** {@code KMCLB_CFG_TARGET_VTL}. */
        public static final int TARGET_VTL = 0x8000;
    }

    /** {@code KMCLB_EXTERNAL_*}: how a send's external data is described. */
    public static final class ExternalForm {
        private ExternalForm() {
        }

        /** {@code KMCLB_EXTERNAL_NONE}: no external data. */
        public static final int NONE = 0;
        /** {@code KMCLB_EXTERNAL_MDL}: external data described by an MDL. */
        public static final int MDL = 1;
        /** {@code KMCLB_EXTERNAL_PFNS}: external data described by a PFN array. */
        public static final int PFNS = 2;
    }

    /** Fixed sizes of text fields. */
    public static final class TextFields {
        private TextFields() {
        }

        /** {@code KMCLB_ENDPOINT_NAME_BYTES}: {@code kmclb_endpoint.name}, NUL-terminated UTF-8. */
        public static final int ENDPOINT_NAME_BYTES = 64;
        /** {@code kmclb_version_out.driver_version}, NUL-terminated ASCII. */
        public static final int DRIVER_VERSION_BYTES = 32;
    }
}
