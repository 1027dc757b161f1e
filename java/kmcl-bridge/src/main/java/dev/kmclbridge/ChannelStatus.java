package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat.Query;

import java.util.Optional;
import java.util.UUID;

/**
 * State of a channel at one moment.
 *
 * @param state             connection state
 * @param server            server endpoint (IsServer = TRUE)
 * @param paused            run state is Paused (VmbChannelPause, or auto-pause before Enable)
 * @param open              the open handshake completed and no close since
 * @param queueStopped      VmbChannelPacketFail stopped incoming delivery (until Disable)
 * @param outgoingStalled   the peer is not reading our outgoing ring
 * @param everEnabled       Enable was called at least once (Init* no longer accepted)
 * @param interfaceInstance VmbChannelGetInterfaceInstance, once known
 * @param context           value stored with VmbChannelSetPointer (0 if never set)
 * @param interruptLatency  current interrupt latency in 100 ns units
 * @param sizeofPacket      VmbChannelSizeofPacket
 * @param mmio              VmbChannelGetMmioSpace, valid only after Opened
 */
public record ChannelStatus(ChannelState state, boolean server, boolean paused, boolean open, boolean queueStopped,
                            boolean outgoingStalled, boolean everEnabled, Optional<UUID> interfaceInstance,
                            long context, int interruptLatency, long sizeofPacket, Optional<MmioSpace> mmio) {

    /** Decodes a {@link Query} array. */
    public static ChannelStatus fromQuery(long[] q) {
        long f = q[Query.FLAGS];
        long msb = q[Query.INSTANCE_MSB];
        long lsb = q[Query.INSTANCE_LSB];
        Optional<UUID> instance = (msb == 0 && lsb == 0) ? Optional.empty() : Optional.of(new UUID(msb, lsb));
        Optional<MmioSpace> mmio = (f & Query.FLAG_MMIO_VALID) != 0
                ? Optional.of(new MmioSpace(q[Query.MMIO_SIZE]))
                : Optional.empty();
        return new ChannelStatus(ChannelState.ofCode((int) q[Query.STATE]),
                (f & Query.FLAG_SERVER) != 0, (f & Query.FLAG_PAUSED) != 0,
                (f & Query.FLAG_OPEN) != 0, (f & Query.FLAG_QUEUE_STOPPED) != 0,
                (f & Query.FLAG_OUTGOING_STALLED) != 0, (f & Query.FLAG_EVER_ENABLED) != 0,
                instance, q[Query.CONTEXT], (int) q[Query.INTERRUPT_LATENCY],
                q[Query.SIZEOF_PACKET], mmio);
    }
}
