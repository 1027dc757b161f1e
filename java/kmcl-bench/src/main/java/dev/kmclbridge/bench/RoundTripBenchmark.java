package dev.kmclbridge.bench;

import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.peer.PeerPacket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Request/completion round trips with a sliding window: we send with WAIT_FOR_COMPLETION while fewer than
 * {@code window} requests are in flight; a peer thread takes what arrived in batches and completes each batch in
 * one call; a completion frees a window slot. One operation is one request sent (in steady state one round trip).
 */
public class RoundTripBenchmark extends PacketPathBenchmark {
    private static final Set<SendFlag> WAIT_FOR_COMPLETION = EnumSet.of(SendFlag.WAIT_FOR_COMPLETION);
    private static final byte[] REPLY = new byte[8];

    /** Requests in flight at most. */
    @Param({"64"})
    public int window;

    private ClientChannel channel;
    private byte[] payload;
    private Semaphore slots;
    private Thread responder;
    private volatile boolean running;

    /** Opens one channel and starts the peer's responder thread. */
    @Setup(Level.Trial)
    public void open() {
        rig = new BenchChannels(backend, 1, null);
        channel = rig.first();
        payload = new byte[payloadSize];
        slots = new Semaphore(window);
        running = true;
        responder = new Thread(this::respond, "bench-peer-responder");
        responder.setDaemon(true);
        responder.start();
    }

    private void respond() {
        long id = channel.id();
        long[] txIds = new long[256];
        while (running) {
            List<PeerPacket> got = rig.peer.takeReceived(id, txIds.length, Duration.ofMillis(100));
            for (int i = 0; i < got.size(); i++) {
                txIds[i] = got.get(i).txId();
            }
            if (!got.isEmpty()) {
                rig.peer.completeBatch(id, txIds, got.size(), REPLY);
            }
        }
    }

    /** Stops the responder after the window drained. */
    @Override
    protected void stopTraffic() throws InterruptedException {
        slots.tryAcquire(window, 30, TimeUnit.SECONDS);
        running = false;
        responder.join(5000);
    }

    /** Sends one request once a window slot is free; its completion frees the slot. */
    @Benchmark
    public void roundTrip() throws InterruptedException {
        if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no completion for 30 s");
        }
        channel.send(payload, WAIT_FOR_COMPLETION).whenComplete((c, e) -> slots.release());
    }
}
