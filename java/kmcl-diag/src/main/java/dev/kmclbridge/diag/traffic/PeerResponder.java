package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The other side of our sends on fake/loopback: a thread that reads what our channel sends through the peer and
 * completes every packet that asked for a completion, with a reply computed from the payload.
 */
public final class PeerResponder implements AutoCloseable {
    private final Peer peer;
    private final long channel;
    private final UnaryOperator<byte[]> reply;
    private final Thread thread;
    private final AtomicLong seen = new AtomicLong();
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private PeerResponder(Peer peer, long channel, UnaryOperator<byte[]> reply) {
        this.peer = peer;
        this.channel = channel;
        this.reply = reply;
        this.thread = new Thread(this::loop, "kmcl-diag-peer-responder-" + channel);
        thread.setDaemon(true);
    }

    /** Starts a responder that completes our completion-requested sends with {@code reply.apply(payload)}. */
    public static PeerResponder start(Peer peer, long channel, UnaryOperator<byte[]> reply) {
        PeerResponder r = new PeerResponder(peer, channel, reply);
        r.thread.start();
        return r;
    }

    private void loop() {
        try {
            while (running) {
                Optional<PeerPacket> p = peer.awaitReceived(channel, Duration.ofMillis(50));
                if (p.isPresent()) {
                    seen.incrementAndGet();
                    if (p.get().completionRequested()) {
                        peer.complete(channel, p.get().txId(), reply.apply(p.get().payload()));
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                failure = e;
            }
        }
    }

    /** Packets the peer read from our channel so far. */
    public long packetsSeen() {
        return seen.get();
    }

    /** Stops the thread; rethrows what stopped it early, if anything. */
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
