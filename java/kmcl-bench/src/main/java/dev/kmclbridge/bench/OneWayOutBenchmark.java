package dev.kmclbridge.bench;

import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.peer.PeerPacket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

import java.util.List;

/**
 * One-way out: we send {@code batch} packets without WAIT_FOR_COMPLETION, then the peer takes them off the ring
 * with batch takes. One operation is the whole batch sent and drained: packets per operation = batch.
 */
public class OneWayOutBenchmark extends PacketPathBenchmark {
    /** Packets sent before the peer drains. */
    @Param({"64"})
    public int batch;

    private ClientChannel channel;
    private byte[] payload;

    /** Opens one channel. */
    @Setup(Level.Trial)
    public void open() {
        rig = new BenchChannels(backend, 1, null);
        channel = rig.first();
        payload = new byte[payloadSize];
    }

    /** Sends a batch and lets the peer take all of it. */
    @Benchmark
    public int oneWayOut() {
        for (int i = 0; i < batch; i++) {
            channel.send(payload);
        }
        int taken = 0;
        while (taken < batch) {
            List<PeerPacket> got = rig.peer.takeReceived(channel.id(), batch - taken, BenchChannels.WAIT);
            if (got.isEmpty()) {
                throw new IllegalStateException("the peer received " + taken + " of " + batch + " packets");
            }
            taken += got.size();
        }
        return taken;
    }
}
