package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.EventBatch;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One channel's packets between {@code Backend.receive} and their ending. The dispatcher receives batches
 * through it and parks packets here when no handler is set (the default queue that {@link Channel#nextPacket}
 * reads). As every packet's {@link PacketSettlement} it ends packets on the backend; a failed packet stops the
 * queue until disable (B73), and packets never given to user code go back to the backend
 * ({@code Backend.requeue}) so they stay in the ring (B74, B86).
 */
final class ChannelInbox implements PacketSettlement {
    private static final System.Logger LOG = System.getLogger(ChannelInbox.class.getName());

    private final Backend backend;
    private final long channelId;
    private final LinkedBlockingQueue<IncomingPacket> unread = new LinkedBlockingQueue<>();
    private volatile boolean stoppedByFail;

    ChannelInbox(Backend backend, long channelId) {
        this.backend = backend;
        this.channelId = channelId;
    }

    // ---- the receiving side (the channel's dispatcher)

    /** One inverted call: waits for the channel's next events ({@code Backend.receive}). */
    int receive(EventBatch batch, long timeoutMillis, int[] outNeeded) {
        return backend.receive(channelId, batch, timeoutMillis, outNeeded);
    }

    /** True after a packet failed, until the Closed event of the next disable. */
    boolean stoppedByFail() {
        return stoppedByFail;
    }

    /** Disable ended the stop a fail caused (B73: "until disable"). */
    void clearStop() {
        stoppedByFail = false;
    }

    /** Parks a packet for {@link #nextUnread} (no packet handler is set). */
    void park(IncomingPacket packet) {
        unread.add(packet);
    }

    /** Packets parked and not yet read. */
    int unreadCount() {
        return unread.size();
    }

    /** The next parked packet, waiting up to {@code timeout}. */
    Optional<IncomingPacket> nextUnread(Duration timeout) {
        try {
            return Optional.ofNullable(unread.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Hands back every parked packet: none of them reached user code. */
    void handBackUnread() {
        List<IncomingPacket> parked = new ArrayList<>();
        unread.drainTo(parked);
        handBack(parked);
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
    public void complete(long packetId, ByteBuffer completionPayload) {
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
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_COMPLETE, backend.completeBatch(packetIds, n,
                ByteBuffer.wrap(completionPayload), offsets, lengths, statuses), "batch completion of " + n + " packets");
    }

    @Override
    public void fail(long packetId) {
        stoppedByFail = true;
        handBackUnread(); // parked packets were never handed out: they stay in the ring (B74)
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_FAIL, backend.fail(packetId), "packet " + packetId);
    }

    @Override
    public void deferToPassive(long packetId) {
        Channel.check(KmclFunction.VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE, backend.deferToPassive(packetId), "packet " + packetId);
    }
}
