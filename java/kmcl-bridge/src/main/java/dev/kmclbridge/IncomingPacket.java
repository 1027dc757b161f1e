package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One delivery of an incoming packet (EvtVmbChannelProcessPacket). It must end exactly once: {@link #complete},
 * {@link #fail}, or — only inline in the {@link PacketHandler} — {@link #deferToPassive}. A second ending throws
 * {@link PacketRetiredException}.
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

    private final Channel channel;
    private final PacketSettlement settlement;
    private final long id;
    private final byte[] payload;
    private final byte[] external;
    private final int flags;
    private final Irql irql;
    private final boolean redelivery;
    private final boolean completionRequested;
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private volatile Thread inlineHandlerThread;

    IncomingPacket(Channel channel, PacketSettlement settlement, long id, byte[] payload, byte[] external, int flags,
                   Irql irql, boolean redelivery, boolean completionRequested) {
        this.channel = channel;
        this.settlement = settlement;
        this.id = id;
        this.payload = payload;
        this.external = external;
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

    /** The sender's inline payload, exactly as sent, read-only. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /** A copy of the payload. */
    public byte[] payloadBytes() {
        return payload.clone();
    }

    /** The process-packet flags KMCL defines (bit 0x1: external data attached). */
    public int flags() {
        return flags & WireFormat.Event.PACKET_FLAGS_KMCL;
    }

    /** True when the sender attached external data (flag 0x1). */
    public boolean hasExternalData() {
        return (flags & WireFormat.Event.PACKET_FLAG_EXTERNAL_DATA) != 0;
    }

    /** The external data (VmbChannelPacketGetExternalData), read-only; empty when none. */
    public ByteBuffer externalData() {
        return ByteBuffer.wrap(external).asReadOnlyBuffer();
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
        return ending.get() != null;
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
     * before any later fail, defer or completion from another thread, so the backend sees endings in order).
     * From any other thread the backend call is made before this returns.
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

    /** The handler call on this packet returned (or never started). */
    void leaveHandlerCall() {
        inlineHandlerThread = null;
    }

    /** Ends the packet as {@code how} through its settlement; a second ending is a {@link PacketRetiredException}. */
    void retire(Ending how) {
        if (!settlement.retire(this, how)) {
            throw retiredException(ending.get());
        }
    }

    /** Records the ending; false when the packet had already ended. Called by the settlement only. */
    boolean markEnded(Ending how) {
        return ending.compareAndSet(null, how);
    }

    /** How the packet ended, empty while it is open. */
    public Optional<Ending> ending() {
        return Optional.ofNullable(ending.get());
    }

    PacketRetiredException retiredException(Ending earlier) {
        return new PacketRetiredException("packet " + id + " on channel " + channel.id() + " was already "
                + earlier.name().toLowerCase() + "; a packet ends exactly once");
    }

    @Override
    public String toString() {
        return "IncomingPacket[id=" + id + ", " + payload.length + " bytes, irql=" + irql
                + (hasExternalData() ? ", external=" + external.length : "") + "]";
    }
}
