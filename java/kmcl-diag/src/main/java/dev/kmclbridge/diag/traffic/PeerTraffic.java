package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.peer.Peer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Incoming traffic made by the peer on fake/loopback: {@code count} {@link SamplePayloads} (or one fixed payload),
 * {@code interval} apart, on a background thread. The transaction ids are kept in send order so the n-th delivered
 * packet (FIFO) maps to the n-th id.
 */
public final class PeerTraffic implements AutoCloseable {
    private final List<Long> txIds = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private PeerTraffic(Peer peer, long channel, int count, Duration interval, Optional<byte[]> fixed, boolean completionRequested) {
        this.thread = new Thread(() -> {
            try {
                for (int i = 1; i <= count && running; i++) {
                    byte[] payload = fixed.map(byte[]::clone).orElseGet(() -> SamplePayloads.sample(txIds.size() + 1));
                    txIds.add(peer.send(channel, payload, completionRequested, Optional.empty()));
                    if (!interval.isZero() && i < count) {
                        Thread.sleep(interval.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
            }
        }, "kmcl-diag-peer-traffic-" + channel);
        thread.setDaemon(true);
    }

    /** Starts sending. */
    public static PeerTraffic start(Peer peer, long channel, int count, Duration interval, Optional<byte[]> fixed,
                                    boolean completionRequested) {
        PeerTraffic t = new PeerTraffic(peer, channel, count, interval, fixed, completionRequested);
        t.thread.start();
        return t;
    }

    /** Transaction ids of the packets sent so far, in order. */
    public List<Long> txIds() {
        return List.copyOf(txIds);
    }

    /** True once every packet was handed to the peer. */
    public boolean finished() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
