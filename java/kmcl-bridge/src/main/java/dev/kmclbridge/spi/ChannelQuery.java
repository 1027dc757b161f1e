package dev.kmclbridge.spi;

/**
 * Layout of the {@code long[]} that {@link Backend#queryChannel} fills: one native crossing returns state and
 * every counter. Indices are part of the wire contract with the shim and driver.
 */
public final class ChannelQuery {
    private ChannelQuery() {
    }

    /** Number of slots a query array must have. */
    public static final int LENGTH = 24;

    /** {@link dev.kmclbridge.ChannelState#code()}. */
    public static final int STATE = 0;
    /** Bit set of the FLAG_* values below. */
    public static final int FLAGS = 1;
    /** Interface instance GUID (VmbChannelGetInterfaceInstance), most significant 64 bits; 0 if none yet. */
    public static final int INSTANCE_MSB = 2;
    /** Interface instance GUID, least significant 64 bits. */
    public static final int INSTANCE_LSB = 3;
    /** Incoming packets delivered to user mode (redeliveries not counted). */
    public static final int PACKETS_IN = 4;
    /** Inline + external bytes of delivered incoming packets. */
    public static final int BYTES_IN = 5;
    /** Outgoing packets accepted by send (including synchronous requests). */
    public static final int PACKETS_OUT = 6;
    /** Inline + external bytes of accepted outgoing packets. */
    public static final int BYTES_OUT = 7;
    /** Incoming packets completed by us. */
    public static final int COMPLETIONS_SENT = 8;
    /** Our outgoing packets whose transaction finished (completion routine ran). */
    public static final int COMPLETIONS_RECEIVED = 9;
    /** Incoming packets failed with VmbChannelPacketFail. */
    public static final int PACKETS_FAILED = 10;
    /** Incoming packets delivered and not yet completed or failed. */
    public static final int PENDING_INCOMING = 11;
    /** Outgoing transactions not yet finished. */
    public static final int PENDING_OUTGOING = 12;
    /** Outgoing packets accepted but waiting for ring space or for the channel to open. */
    public static final int QUEUED_OUTGOING = 13;
    /** Highest {@link #PENDING_INCOMING} seen. */
    public static final int QUEUE_HIGH_WATER = 14;
    /** Times a send found the outgoing ring full. */
    public static final int RING_FULL_EVENTS = 15;
    /** Free bytes in the outgoing ring (ring semantics: a packet fits when its on-ring size is smaller). */
    public static final int OUTGOING_RING_FREE = 16;
    /** Bytes waiting in the incoming ring (not yet delivered). */
    public static final int INCOMING_RING_USED = 17;
    /** Batches delivered (process-packet runs that ended with processing-complete). */
    public static final int BATCHES = 18;
    /** VmbChannelSizeofPacket. */
    public static final int SIZEOF_PACKET = 19;
    /** Value stored with VmbChannelSetPointer (0 if never set). */
    public static final int CONTEXT = 20;
    /** VmbChannelGetMmioSpace address (valid with FLAG_MMIO_VALID). */
    public static final int MMIO_ADDRESS = 21;
    /** VmbChannelGetMmioSpace size in bytes. */
    public static final int MMIO_SIZE = 22;
    /** Current interrupt latency (100 ns units). */
    public static final int INTERRUPT_LATENCY = 23;

    /** The channel is a server endpoint. */
    public static final long FLAG_SERVER = 1;
    /** The run state is Paused (VmbChannelPause, or auto-pause requested before Enable). */
    public static final long FLAG_PAUSED = 2;
    /** VmbChannelPacketFail stopped the incoming queue. */
    public static final long FLAG_QUEUE_STOPPED = 4;
    /** The channel has been enabled at least once (Init* no longer accepted). */
    public static final long FLAG_EVER_ENABLED = 8;
    /** The open handshake completed and the channel has not closed since. */
    public static final long FLAG_OPEN = 16;
    /** MMIO_ADDRESS/MMIO_SIZE are valid (Opened happened). */
    public static final long FLAG_MMIO_VALID = 32;
    /** The peer stopped reading our outgoing ring (ring full stall). */
    public static final long FLAG_OUTGOING_STALLED = 64;
}
