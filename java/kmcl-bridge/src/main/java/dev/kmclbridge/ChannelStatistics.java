package dev.kmclbridge;

import dev.kmclbridge.spi.ChannelQuery;

/**
 * Per-channel counters at one moment.
 *
 * @param packetsIn           incoming packets delivered (redeliveries not counted)
 * @param bytesIn             inline + external bytes delivered
 * @param packetsOut          outgoing packets accepted
 * @param bytesOut            inline + external bytes accepted
 * @param completionsSent     incoming packets we completed
 * @param completionsReceived our sends whose transaction ended
 * @param packetsFailed       incoming packets failed with VmbChannelPacketFail
 * @param pendingIncoming     delivered, not yet completed or failed
 * @param pendingOutgoing     our transactions not yet ended
 * @param queuedOutgoing      our sends waiting for ring space or for the channel to open
 * @param queueHighWater      highest pendingIncoming seen
 * @param ringFullEvents      times a send found the outgoing ring full
 * @param outgoingRingFree    free bytes in the outgoing ring
 * @param incomingRingUsed    bytes waiting in the incoming ring
 * @param batches             processing-complete notifications
 */
public record ChannelStatistics(long packetsIn, long bytesIn, long packetsOut, long bytesOut, long completionsSent,
                                long completionsReceived, long packetsFailed, long pendingIncoming,
                                long pendingOutgoing, long queuedOutgoing, long queueHighWater,
                                long ringFullEvents, long outgoingRingFree, long incomingRingUsed, long batches) {

    /** Decodes a {@link ChannelQuery} array. */
    public static ChannelStatistics fromQuery(long[] q) {
        return new ChannelStatistics(q[ChannelQuery.PACKETS_IN], q[ChannelQuery.BYTES_IN], q[ChannelQuery.PACKETS_OUT],
                q[ChannelQuery.BYTES_OUT], q[ChannelQuery.COMPLETIONS_SENT], q[ChannelQuery.COMPLETIONS_RECEIVED],
                q[ChannelQuery.PACKETS_FAILED], q[ChannelQuery.PENDING_INCOMING], q[ChannelQuery.PENDING_OUTGOING],
                q[ChannelQuery.QUEUED_OUTGOING], q[ChannelQuery.QUEUE_HIGH_WATER], q[ChannelQuery.RING_FULL_EVENTS],
                q[ChannelQuery.OUTGOING_RING_FREE], q[ChannelQuery.INCOMING_RING_USED], q[ChannelQuery.BATCHES]);
    }
}
