package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One delivery of an incoming packet (EvtVmbChannelProcessPacket). It must end exactly once: {@link #complete},
 * {@link #fail}, or — only inline in the {@link PacketHandler} — {@link #deferToPassive}. A second ending throws
 * {@link PacketRetiredException}.
 *
 * <p>No bytes are copied per packet: in the handler, {@link #payload()} and {@link #externalData()} are views into
 * the receive batch, valid until the handler call returns. Copy what you keep with {@link #payloadBytes()} /
 * {@link #externalDataBytes()}. A packet that is still held when its handler returns (or that comes from the
 * default queue) keeps its own copy and stays readable until it ends.
 */
public final class IncomingPacket {
    /** How a packet ended. */
    public enum Ending {
        /** VmbChannelPacketComplete ({@link #complete}, {@link Channel#completeAll}). */
        COMPLETED,
        /** VmbChannelPacketFail ({@link #fail}, or {@link Channel#close(java.time.Duration)} at its timeout). */
        FAILED,
        /** VmbChannelPacketDeferToPassive: delivered again as a new object with the same id. */
        DEFERRED,
        /** Never given to user code: handed back to the backend (a fail or Suspend stopped delivery). */
        REQUEUED
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] NO_BYTES = new byte[0];
    private static final VarHandle ENDING;

    static {
        try {
            ENDING = MethodHandles.lookup().findVarHandle(IncomingPacket.class, "ending", Ending.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Channel channel;
    private final PacketSettlement settlement;
    private final long id;
    private final int flags;
    private final Irql irql;
    private final boolean redelivery;
    private final boolean completionRequested;
    private final int payloadLength;
    private final int externalLength;
    /**
     * Where the payload and external data are: the receive batch's buffer ({@code payloadOffset}, external data right
     * after it) while the handler call runs, or a private copy ({@link #keepCopy}, offset 0) once the packet outlives
     * its batch; null once the view ended ({@link #endView}).
     */
    private volatile ByteBuffer bytes;
    private volatile int payloadOffset;
    /** True once {@link #bytes} is the packet's own copy. */
    private volatile boolean ownsBytes;
    @SuppressWarnings("unused") // set through ENDING
    private volatile Ending ending;
    private volatile Thread inlineHandlerThread;
    /** Links of the {@link DeliveryGate}'s list of held packets (guarded by the gate's lock). */
    IncomingPacket heldPrevious;
    IncomingPacket heldNext;
    boolean held;

    /**
     * A packet whose payload ({@code payloadLength} bytes at {@code payloadOffset} of {@code batch}) and external data
     * (the {@code externalLength} bytes after it) stay in the receive batch's buffer until {@link #keepCopy} or
     * {@link #endView}.
     */
    IncomingPacket(Channel channel, PacketSettlement settlement, long id, ByteBuffer batch, int payloadOffset,
                   int payloadLength, int externalLength, int flags, Irql irql, boolean redelivery,
                   boolean completionRequested) {
        this.channel = channel;
        this.settlement = settlement;
        this.id = id;
        this.bytes = batch;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
        this.externalLength = externalLength;
        this.flags = flags;
        this.irql = irql;
        this.redelivery = redelivery;
        this.completionRequested = completionRequested;
    }

    /** The packet id (unique within the backend). */
    public long id() {
        return id;
    }

    /** The channel it arrived on. */
    public Channel channel() {
        return channel;
    }

    /**
     * The sender's inline payload, exactly as sent, read-only. In the packet handler this is a view into the receive
     * batch: no copy is made, and the view is valid until the handler call returns (the next batch reuses the
     * buffer). Copy what you keep ({@link #payloadBytes()}). A packet still held when its handler returns (not
     * ended yet), and one read from the default queue ({@link Channel#nextPacket}), keeps its own copy: calling this
     * again then returns a view of that copy, valid as long as the packet. Once a packet that ended in its handler
     * call has left it, this throws {@link IllegalStateException}.
     */
    public ByteBuffer payload() {
        return view(0, payloadLength);
    }

    /** A copy of the payload (the way to keep it beyond the handler call; see {@link #payload()}). */
    public byte[] payloadBytes() {
        return copy(0, payloadLength);
    }

    /** The payload length in bytes (valid at any time). */
    public int payloadLength() {
        return payloadLength;
    }

    /** The process-packet flags KMCL defines (bit 0x1: external data attached). */
    public int flags() {
        return flags & WireFormat.Event.PACKET_FLAGS_KMCL;
    }

    /** True when the sender attached external data (flag 0x1). */
    public boolean hasExternalData() {
        return (flags & WireFormat.Event.PACKET_FLAG_EXTERNAL_DATA) != 0;
    }

    /**
     * The external data (VmbChannelPacketGetExternalData), read-only; empty when none. A view valid as long as
     * {@link #payload()}'s.
     */
    public ByteBuffer externalData() {
        return view(payloadLength, externalLength);
    }

    /** A copy of the external data (empty when none). */
    public byte[] externalDataBytes() {
        return copy(payloadLength, externalLength);
    }

    private ByteBuffer view(int at, int length) {
        if (length == 0) {
            return EMPTY.asReadOnlyBuffer();
        }
        ByteBuffer b = source();
        int from = payloadOffset + at;
        return b.asReadOnlyBuffer().position(from).limit(from + length).slice();
    }

    private byte[] copy(int at, int length) {
        if (length == 0) {
            return NO_BYTES;
        }
        ByteBuffer b = source();
        byte[] out = new byte[length];
        b.get(payloadOffset + at, out);
        return out;
    }

    private ByteBuffer source() {
        ByteBuffer b = bytes;
        if (b == null) {
            throw new IllegalStateException("packet " + id + ": its payload was a view into the receive batch, valid "
                    + "until its handler call returned; copy it in the handler (payloadBytes())");
        }
        return b;
    }

    /** The packet outlives its receive batch (parked, or held after its handler returned): copy its bytes now. */
    void keepCopy() {
        ByteBuffer b = bytes;
        if (b == null || ownsBytes) {
            return; // the view ended, or the copy exists
        }
        byte[] own = new byte[payloadLength + externalLength];
        b.get(payloadOffset, own);
        payloadOffset = 0;
        ownsBytes = true;
        bytes = ByteBuffer.wrap(own);
    }

    /** The handler call returned on a packet that already ended: its view of the batch ends (nothing is copied). */
    void endView() {
        if (!ownsBytes) {
            bytes = null;
        }
    }

    /** IRQL of the callback. */
    public Irql irql() {
        return irql;
    }

    /** True when this is the redelivery after {@link #deferToPassive}. */
    public boolean isRedelivery() {
        return redelivery;
    }

    /** True when the sender waits for a completion (its payload reaches the sender). */
    public boolean completionRequested() {
        return completionRequested;
    }

    /** True once completed, failed or deferred. */
    public boolean isRetired() {
        return ending != null;
    }

    /** VmbChannelPacketComplete with no completion payload. */
    public void complete() {
        complete(EMPTY);
    }

    /** VmbChannelPacketComplete; the payload reaches the sender when it asked for a completion. */
    public void complete(byte[] completionPayload) {
        complete(ByteBuffer.wrap(completionPayload));
    }

    /**
     * VmbChannelPacketComplete with the buffer's remaining bytes as completion payload (copied before this returns).
     * Inline in the packet handler the packet ends at once, and the backend call joins the other inline completions
     * of the receive batch: they reach the backend in one call when the dispatcher ends the batch (or earlier,
     * before any later fail, defer, completion from another thread or send on the channel, so the peer sees
     * endings and sends in the order user code made them). From any other thread the backend call is made before
     * this returns. A handler that blocks until the sender has seen an inline completion of the same batch without
     * sending anything itself waits until something else ends a packet of the channel; hand such a wait to another
     * thread.
     */
    public void complete(ByteBuffer completionPayload) {
        retire(Ending.COMPLETED);
        ByteBuffer body = completionPayload == null ? EMPTY : completionPayload;
        if (inlineHandlerThread == Thread.currentThread()) {
            settlement.completeInline(id, body);
        } else {
            settlement.complete(id, body);
        }
    }

    /**
     * VmbChannelPacketFail: the packet is failed (the sender gets no completion) and the channel's incoming
     * queue stops for good (until disable). Once this returned, no further packet is handed to user code (the
     * packets {@link Channel#outstandingPackets()} lists then are all it still holds); packets already delivered
     * can still be completed.
     */
    public void fail() {
        retire(Ending.FAILED);
        settlement.fail(id);
    }

    /**
     * VmbChannelPacketDeferToPassive: hand the packet back; it is delivered again at PASSIVE_LEVEL. Only valid
     * inline, in the packet handler call that received this packet.
     */
    public void deferToPassive() {
        if (inlineHandlerThread != Thread.currentThread()) {
            throw new IllegalStateException("deferToPassive() is only valid inline in the packet handler that "
                    + "received packet " + id + " (VmbChannelPacketDeferToPassive contract)");
        }
        retire(Ending.DEFERRED);
        settlement.deferToPassive(id);
    }

    /**
     * True while the packet handler call that received this packet runs (the one call in which
     * {@link #deferToPassive} is valid). A packet handed out that is not in its handler call is held by other
     * code: it ends only if that code ends it.
     */
    public boolean inHandlerCall() {
        return inlineHandlerThread != null;
    }

    /**
     * The calling thread is about to run the packet handler on this packet. Marked before the packet counts as
     * held, so that a held packet delivered to the handler is never seen outside its handler call in between.
     */
    void enterHandlerCall() {
        inlineHandlerThread = Thread.currentThread();
    }

    /**
     * The handler call on this packet returned (or never started). A packet user code still holds keeps a copy of
     * its bytes; one that ended loses its view of the batch (the next batch reuses the buffer).
     */
    void leaveHandlerCall() {
        inlineHandlerThread = null;
        if (ending == null) {
            keepCopy();
        } else {
            endView();
        }
    }

    /** Ends the packet as {@code how} through its settlement; a second ending is a {@link PacketRetiredException}. */
    void retire(Ending how) {
        if (!settlement.retire(this, how)) {
            throw retiredException(ending);
        }
    }

    /** Records the ending; false when the packet had already ended. Called by the settlement only. */
    boolean markEnded(Ending how) {
        return ENDING.compareAndSet(this, null, how);
    }

    /** How the packet ended, empty while it is open. */
    public Optional<Ending> ending() {
        return Optional.ofNullable(ending);
    }

    PacketRetiredException retiredException(Ending earlier) {
        return new PacketRetiredException("packet " + id + " on channel " + channel.id() + " was already "
                + earlier.name().toLowerCase() + "; a packet ends exactly once");
    }

    @Override
    public String toString() {
        return "IncomingPacket[id=" + id + ", " + payloadLength + " bytes, irql=" + irql
                + (hasExternalData() ? ", external=" + externalLength : "") + "]";
    }
}
