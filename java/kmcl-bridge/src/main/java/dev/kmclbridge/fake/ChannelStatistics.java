package dev.kmclbridge.fake;

import dev.kmclbridge.spi.WireFormat.Query;

import java.util.Arrays;

/**
 * A channel's counters and its answer to {@code queryChannel}: the counters kept here plus the state, flags, ring
 * levels and settings read from the channel's other parts. The incoming and outgoing paths and the peer count into
 * the fields directly. Every method runs with the channel lock held.
 */
final class ChannelStatistics {
    private final FakeChannel channel;
    long packetsIn;
    long bytesIn;
    long packetsOut;
    long bytesOut;
    long completionsSent;
    long completionsReceived;
    long packetsFailed;
    long pendingOutgoing;
    long highWater;
    long ringFullEvents;
    long batches;
    /** Fake-only: peer packets our ring reader rejected as malformed. */
    long malformedRejected;
    /** Fake-only: peer packets dropped for exceeding the maximum sizes. */
    long oversizedDropped;

    ChannelStatistics(FakeChannel channel) {
        this.channel = channel;
    }

    /** Fills the {@link Query} slots of {@code out}. */
    void query(long[] out) {
        Arrays.fill(out, 0, Query.SLOTS, 0L);
        ChannelLifecycle lifecycle = channel.lifecycle;
        out[Query.STATE] = lifecycle.state().code();
        out[Query.FLAGS] = flags();
        out[Query.INSTANCE_MSB] = channel.instance.getMostSignificantBits();
        out[Query.INSTANCE_LSB] = channel.instance.getLeastSignificantBits();
        out[Query.PACKETS_IN] = packetsIn;
        out[Query.BYTES_IN] = bytesIn;
        out[Query.PACKETS_OUT] = packetsOut;
        out[Query.BYTES_OUT] = bytesOut;
        out[Query.COMPLETIONS_SENT] = completionsSent;
        out[Query.COMPLETIONS_RECEIVED] = completionsReceived;
        out[Query.PACKETS_FAILED] = packetsFailed;
        out[Query.PENDING_INCOMING] = channel.incoming.pending();
        out[Query.PENDING_OUTGOING] = pendingOutgoing;
        out[Query.QUEUED_OUTGOING] = channel.outgoing.queued();
        out[Query.QUEUE_HIGH_WATER] = highWater;
        out[Query.RING_FULL_EVENTS] = ringFullEvents;
        out[Query.OUTGOING_RING_FREE] = channel.outgoing.ringFree();
        out[Query.INCOMING_RING_USED] = channel.incoming.ringUsed();
        out[Query.BATCHES] = batches;
        out[Query.SIZEOF_PACKET] = channel.settings.sizeofPacket();
        out[Query.CONTEXT] = channel.settings.context();
        out[Query.MMIO_SIZE] = lifecycle.mmioSize();
        out[Query.INTERRUPT_LATENCY] = channel.settings.interruptLatency();
    }

    private long flags() {
        ChannelLifecycle lifecycle = channel.lifecycle;
        long f = 0;
        if (channel.server) {
            f |= Query.FLAG_SERVER;
        }
        if (lifecycle.runPaused()) {
            f |= Query.FLAG_PAUSED;
        }
        if (channel.incoming.queueStopped()) {
            f |= Query.FLAG_QUEUE_STOPPED;
        }
        if (lifecycle.everEnabled()) {
            f |= Query.FLAG_EVER_ENABLED;
        }
        if (lifecycle.isOpen()) {
            f |= Query.FLAG_OPEN | Query.FLAG_MMIO_VALID;
            if (!channel.peer.isReading() || channel.outgoing.stalled()) {
                f |= Query.FLAG_OUTGOING_STALLED;
            }
        }
        return f;
    }
}
