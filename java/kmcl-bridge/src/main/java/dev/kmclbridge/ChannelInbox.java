package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.EventBatch;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One channel's packets between {@code Backend.receive} and their ending. The dispatcher receives batches
 * through it and hands packets out through its {@link DeliveryGate} (to the handler, or parked in the default
 * queue that {@link Channel#nextPacket} reads). As every packet's {@link PacketSettlement} it ends packets on
 * the backend; a failed packet stops the queue until disable (B73), and packets never given to user code go
 * back to the backend ({@code Backend.requeue}) so they stay in the ring (B74, B86).
 */
final class ChannelInbox implements PacketSettlement {
    private static final System.Logger LOG = System.getLogger(ChannelInbox.class.getName());

    private final Backend backend;
    private final long channelId;
    private final DeliveryGate gate = new DeliveryGate();
    private final CompletionQueue completions;

    ChannelInbox(Backend backend, long channelId) {
        this.backend = backend;
        this.channelId = channelId;
        this.completions = new CompletionQueue(backend, channelId);
    }

    /** Sends the completions handlers made inline (one {@code Backend.completeBatch}); the dispatcher calls it at a batch's end. */
    void flushCompletions() {
        completions.flush();
    }

    // ---- the receiving side (the channel's dispatcher)

    /** One inverted call: waits for the channel's next events ({@code Backend.receive}). */
    int receive(EventBatch batch, long timeoutMillis, int[] outNeeded) {
        return backend.receive(channelId, batch, timeoutMillis, outNeeded);
    }

    /** True after a packet failed, until the Closed event of the next disable. */
    boolean stoppedByFail() {
        return gate.stopped();
    }

    /** Disable ended the stop a fail caused (B73: "until disable"). */
    void clearStop() {
        gate.clearStop();
    }

    /** Parks a packet for {@link #nextUnread} (no packet handler is set); false while a fail keeps the queue stopped. */
    boolean park(IncomingPacket packet) {
        packet.keepCopy(); // read later, after the batch's buffer is reused
        return gate.park(packet);
    }

    /** Hands a packet to the packet handler; false while a fail keeps the queue stopped. */
    boolean handOut(IncomingPacket packet) {
        return gate.handOut(packet);
    }

    /** Packets parked and not yet read. */
    int unreadCount() {
        return gate.parkedCount();
    }

    /** The next parked packet, waiting up to {@code timeout}. */
    Optional<IncomingPacket> nextUnread(Duration timeout) {
        return gate.takeParked(timeout);
    }

    /** Packets handed to user code that have not ended, in handout order. */
    List<IncomingPacket> held() {
        return gate.held();
    }

    /** The gate, for waiting on held packets ({@link HeldPacketReaper}). */
    DeliveryGate gate() {
        return gate;
    }

    /** Hands back every parked packet: none of them reached user code. */
    void handBackUnread() {
        handBack(gate.drainParked());
    }

    /**
     * Hands packets back to the backend's queue head in order ({@code Backend.requeue}); each retires as
     * {@link IncomingPacket.Ending#REQUEUED}, so a later ending of the same object is refused.
     */
    void handBack(List<IncomingPacket> packets) {
        if (packets.isEmpty()) {
            return;
        }
        long[] ids = new long[packets.size()];
        for (int i = 0; i < ids.length; i++) {
            packets.get(i).retire(IncomingPacket.Ending.REQUEUED);
            ids[i] = packets.get(i).id();
        }
        int st = backend.requeue(channelId, ids, ids.length);
        if (!NtStatus.isSuccess(st)) {
            LOG.log(Level.ERROR, "channel {0}: requeue of {1} undispatched packets failed: {2}", channelId,
                    ids.length, NtStatus.describe(st));
        }
    }

    // ---- the ending side (PacketSettlement)

    @Override
    public boolean retire(IncomingPacket packet, IncomingPacket.Ending how) {
        return gate.retire(packet, how);
    }

    /** Ends all of {@code packets} as completed, or none of them (see {@link DeliveryGate#retireAll}). */
    void retireAll(List<IncomingPacket> packets) {
        gate.retireAll(packets, IncomingPacket.Ending.COMPLETED);
    }

    @Override
    public void completeInline(long packetId, ByteBuffer completionPayload) {
        completions.add(packetId, completionPayload);
    }

    @Override
    public void complete(long packetId, ByteBuffer completionPayload) {
        completions.flush();
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_COMPLETE, backend.complete(packetId, completionPayload.duplicate()),
                "packet " + packetId);
    }

    @Override
    public void completeAll(long[] packetIds, byte[] completionPayload) {
        int n = packetIds.length;
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        Arrays.fill(lengths, completionPayload.length);
        int[] statuses = new int[n];
        completions.flush();
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_COMPLETE, backend.completeBatch(packetIds, n,
                ByteBuffer.wrap(completionPayload), offsets, lengths, statuses), "batch completion of " + n + " packets");
    }

    @Override
    public void fail(long packetId) {
        handBack(gate.stop()); // parked packets were never handed out: they stay in the ring (B74)
        completions.flush(); // completions made before this fail reach the backend before it
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_FAIL, backend.fail(packetId), "packet " + packetId);
    }

    @Override
    public void deferToPassive(long packetId) {
        completions.flush();
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE, backend.deferToPassive(packetId), "packet " + packetId);
    }
}
