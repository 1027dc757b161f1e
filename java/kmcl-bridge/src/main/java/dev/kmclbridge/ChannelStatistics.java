package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat.Query;


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

    /** Decodes a {@link Query} array. */
    public static ChannelStatistics fromQuery(long[] q) {
        return new ChannelStatistics(q[Query.PACKETS_IN], q[Query.BYTES_IN], q[Query.PACKETS_OUT],
                q[Query.BYTES_OUT], q[Query.COMPLETIONS_SENT], q[Query.COMPLETIONS_RECEIVED],
                q[Query.PACKETS_FAILED], q[Query.PENDING_INCOMING], q[Query.PENDING_OUTGOING],
                q[Query.QUEUED_OUTGOING], q[Query.QUEUE_HIGH_WATER], q[Query.RING_FULL_EVENTS],
                q[Query.OUTGOING_RING_FREE], q[Query.INCOMING_RING_USED], q[Query.BATCHES]);
    }
}
