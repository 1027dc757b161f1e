package dev.kmclbridge.diag.health;

import dev.kmclbridge.ChannelState;

import java.util.List;

/**
 * One observation of a channel, as the stuck-channel detector needs it.
 *
 * @param atNanos           monotonic time of the sample
 * @param state             connection state
 * @param queueStopped      VmbChannelPacketFail stopped the incoming queue
 * @param outgoingStalled   the peer is not reading our outgoing ring
 * @param packetsIn         incoming packets delivered so far
 * @param completionsSent   incoming packets completed so far
 * @param pendingIncoming   delivered and not yet completed
 * @param incomingRingUsed  bytes waiting in the incoming ring (not delivered yet)
 * @param packetsOut        outgoing packets accepted so far
 * @param queuedOutgoing    our sends waiting for ring space
 * @param heldAgesNanos     ages of the packets this process holds uncompleted, when it knows them (else empty)
 */
public record ChannelSample(long atNanos, ChannelState state, boolean queueStopped, boolean outgoingStalled,
                            long packetsIn, long completionsSent, long pendingIncoming, long incomingRingUsed,
                            long packetsOut, long queuedOutgoing, List<Long> heldAgesNanos) {
    public ChannelSample {
        heldAgesNanos = List.copyOf(heldAgesNanos);
    }
}
