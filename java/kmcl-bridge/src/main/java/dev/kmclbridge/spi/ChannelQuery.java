package dev.kmclbridge.spi;

/**
 * Layout of the {@code long[]} that {@link Backend#queryChannel} fills: one native crossing returns state and
 * every counter. Indices are part of the wire contract with the shim and driver; the values live in
 * {@link WireFormat.Query} ({@code KMCLB_Q_*}, {@code KMCLB_QF_*}).
 */
public final class ChannelQuery {
    private ChannelQuery() {
    }

    /** Number of slots a query array must have. */
    public static final int LENGTH = WireFormat.Query.SLOTS;

    /** A channel state code ({@link WireFormat.ChannelStates}). */
    public static final int STATE = WireFormat.Query.STATE;
    /** Bit set of the FLAG_* values below. */
    public static final int FLAGS = WireFormat.Query.FLAGS;
    /** Interface instance GUID (VmbChannelGetInterfaceInstance), most significant 64 bits; 0 if none yet. */
    public static final int INSTANCE_MSB = WireFormat.Query.INSTANCE_MSB;
    /** Interface instance GUID, least significant 64 bits. */
    public static final int INSTANCE_LSB = WireFormat.Query.INSTANCE_LSB;
    /** Incoming packets delivered to user mode (redeliveries not counted). */
    public static final int PACKETS_IN = WireFormat.Query.PACKETS_IN;
    /** Inline + external bytes of delivered incoming packets. */
    public static final int BYTES_IN = WireFormat.Query.BYTES_IN;
    /** Outgoing packets accepted by send (including synchronous requests). */
    public static final int PACKETS_OUT = WireFormat.Query.PACKETS_OUT;
    /** Inline + external bytes of accepted outgoing packets. */
    public static final int BYTES_OUT = WireFormat.Query.BYTES_OUT;
    /** Incoming packets completed by us. */
    public static final int COMPLETIONS_SENT = WireFormat.Query.COMPLETIONS_SENT;
    /** Our outgoing packets whose transaction finished (completion routine ran). */
    public static final int COMPLETIONS_RECEIVED = WireFormat.Query.COMPLETIONS_RECEIVED;
    /** Incoming packets failed with VmbChannelPacketFail. */
    public static final int PACKETS_FAILED = WireFormat.Query.PACKETS_FAILED;
    /** Incoming packets delivered and not yet completed or failed. */
    public static final int PENDING_INCOMING = WireFormat.Query.PENDING_INCOMING;
    /** Outgoing transactions not yet finished. */
    public static final int PENDING_OUTGOING = WireFormat.Query.PENDING_OUTGOING;
    /** Outgoing packets accepted but waiting for ring space or for the channel to open. */
    public static final int QUEUED_OUTGOING = WireFormat.Query.QUEUED_OUTGOING;
    /** Highest {@link #PENDING_INCOMING} seen. */
    public static final int QUEUE_HIGH_WATER = WireFormat.Query.QUEUE_HIGH_WATER;
    /** Times a send found the outgoing ring full. */
    public static final int RING_FULL_EVENTS = WireFormat.Query.RING_FULL_EVENTS;
    /** Free bytes in the outgoing ring (ring semantics: a packet fits when its on-ring size is smaller). */
    public static final int OUTGOING_RING_FREE = WireFormat.Query.OUTGOING_RING_FREE;
    /** Bytes waiting in the incoming ring (not yet delivered). */
    public static final int INCOMING_RING_USED = WireFormat.Query.INCOMING_RING_USED;
    /** Batches delivered (process-packet runs that ended with processing-complete). */
    public static final int BATCHES = WireFormat.Query.BATCHES;
    /** VmbChannelSizeofPacket. */
    public static final int SIZEOF_PACKET = WireFormat.Query.SIZEOF_PACKET;
    /** Value stored with VmbChannelSetPointer (0 if never set). */
    public static final int CONTEXT = WireFormat.Query.CONTEXT;
    /** VmbChannelGetMmioSpace address (valid with FLAG_MMIO_VALID). */
    public static final int MMIO_ADDRESS = WireFormat.Query.MMIO_ADDRESS;
    /** VmbChannelGetMmioSpace size in bytes. */
    public static final int MMIO_SIZE = WireFormat.Query.MMIO_SIZE;
    /** Current interrupt latency (100 ns units). */
    public static final int INTERRUPT_LATENCY = WireFormat.Query.INTERRUPT_LATENCY;

    /** The channel is a server endpoint. */
    public static final long FLAG_SERVER = WireFormat.Query.FLAG_SERVER;
    /** The run state is Paused (VmbChannelPause, or auto-pause requested before Enable). */
    public static final long FLAG_PAUSED = WireFormat.Query.FLAG_PAUSED;
    /** VmbChannelPacketFail stopped the incoming queue. */
    public static final long FLAG_QUEUE_STOPPED = WireFormat.Query.FLAG_QUEUE_STOPPED;
    /** The channel has been enabled at least once (Init* no longer accepted). */
    public static final long FLAG_EVER_ENABLED = WireFormat.Query.FLAG_EVER_ENABLED;
    /** The open handshake completed and the channel has not closed since. */
    public static final long FLAG_OPEN = WireFormat.Query.FLAG_OPEN;
    /** MMIO_ADDRESS/MMIO_SIZE are valid (Opened happened). */
    public static final long FLAG_MMIO_VALID = WireFormat.Query.FLAG_MMIO_VALID;
    /** The peer stopped reading our outgoing ring (ring full stall). */
    public static final long FLAG_OUTGOING_STALLED = WireFormat.Query.FLAG_OUTGOING_STALLED;
}
