package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.peer.Peer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Incoming traffic made by the peer on fake/loopback: {@code count} {@link SamplePayloads} (or one fixed payload),
 * {@code interval} apart, on a background thread. The transaction ids are kept in send order so the n-th delivered
 * packet (FIFO) maps to the n-th id. {@link #finished} turns true once every packet was handed to the peer.
 */
public final class PeerTraffic extends PeerThread {
    private final List<Long> txIds = new CopyOnWriteArrayList<>();
    private final Peer peer;
    private final long channel;
    private final int count;
    private final Duration interval;
    private final Optional<byte[]> fixed;
    private final boolean completionRequested;

    private PeerTraffic(Peer peer, long channel, int count, Duration interval, Optional<byte[]> fixed, boolean completionRequested) {
        super("kmcl-diag-peer-traffic-" + channel);
        this.peer = peer;
        this.channel = channel;
        this.count = count;
        this.interval = interval;
        this.fixed = fixed;
        this.completionRequested = completionRequested;
    }

    /** Starts sending. */
    public static PeerTraffic start(Peer peer, long channel, int count, Duration interval, Optional<byte[]> fixed,
                                    boolean completionRequested) {
        PeerTraffic t = new PeerTraffic(peer, channel, count, interval, fixed, completionRequested);
        t.start();
        return t;
    }

    @Override
    void work() {
        try {
            for (int i = 1; i <= count && running(); i++) {
                byte[] payload = fixed.map(byte[]::clone).orElseGet(() -> SamplePayloads.sample(txIds.size() + 1));
                txIds.add(PeerSend.send(peer, channel, payload, completionRequested, Optional.empty()));
                if (!interval.isZero() && i < count) {
                    Thread.sleep(interval.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Transaction ids of the packets sent so far, in order. */
    public List<Long> txIds() {
        return List.copyOf(txIds);
    }
}
