package dev.kmclbridge.fake;

import dev.kmclbridge.spi.ChannelQuery;

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

    /** Fills the {@link ChannelQuery} slots of {@code out}. */
    void query(long[] out) {
        Arrays.fill(out, 0, ChannelQuery.LENGTH, 0L);
        ChannelLifecycle lifecycle = channel.lifecycle;
        out[ChannelQuery.STATE] = lifecycle.state().code();
        out[ChannelQuery.FLAGS] = flags();
        out[ChannelQuery.INSTANCE_MSB] = channel.instance.getMostSignificantBits();
        out[ChannelQuery.INSTANCE_LSB] = channel.instance.getLeastSignificantBits();
        out[ChannelQuery.PACKETS_IN] = packetsIn;
        out[ChannelQuery.BYTES_IN] = bytesIn;
        out[ChannelQuery.PACKETS_OUT] = packetsOut;
        out[ChannelQuery.BYTES_OUT] = bytesOut;
        out[ChannelQuery.COMPLETIONS_SENT] = completionsSent;
        out[ChannelQuery.COMPLETIONS_RECEIVED] = completionsReceived;
        out[ChannelQuery.PACKETS_FAILED] = packetsFailed;
        out[ChannelQuery.PENDING_INCOMING] = channel.incoming.pending();
        out[ChannelQuery.PENDING_OUTGOING] = pendingOutgoing;
        out[ChannelQuery.QUEUED_OUTGOING] = channel.outgoing.queued();
        out[ChannelQuery.QUEUE_HIGH_WATER] = highWater;
        out[ChannelQuery.RING_FULL_EVENTS] = ringFullEvents;
        out[ChannelQuery.OUTGOING_RING_FREE] = channel.outgoing.ringFree();
        out[ChannelQuery.INCOMING_RING_USED] = channel.incoming.usedIncludingStaged();
        out[ChannelQuery.BATCHES] = batches;
        out[ChannelQuery.SIZEOF_PACKET] = channel.settings.sizeofPacket();
        out[ChannelQuery.CONTEXT] = channel.settings.context();
        out[ChannelQuery.MMIO_ADDRESS] = lifecycle.mmioAddress();
        out[ChannelQuery.MMIO_SIZE] = lifecycle.mmioSize();
        out[ChannelQuery.INTERRUPT_LATENCY] = channel.settings.interruptLatency();
    }

    private long flags() {
        ChannelLifecycle lifecycle = channel.lifecycle;
        long f = 0;
        if (channel.server) {
            f |= ChannelQuery.FLAG_SERVER;
        }
        if (lifecycle.runPaused()) {
            f |= ChannelQuery.FLAG_PAUSED;
        }
        if (channel.incoming.queueStopped()) {
            f |= ChannelQuery.FLAG_QUEUE_STOPPED;
        }
        if (lifecycle.everEnabled()) {
            f |= ChannelQuery.FLAG_EVER_ENABLED;
        }
        if (lifecycle.isOpen()) {
            f |= ChannelQuery.FLAG_OPEN | ChannelQuery.FLAG_MMIO_VALID;
            if (!channel.peer.isReading() || channel.outgoing.stalled()) {
                f |= ChannelQuery.FLAG_OUTGOING_STALLED;
            }
        }
        return f;
    }
}
