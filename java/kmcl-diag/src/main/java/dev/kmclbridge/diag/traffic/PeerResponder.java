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
public final class PeerResponder extends PeerThread {
    private final Peer peer;
    private final long channel;
    private final UnaryOperator<byte[]> reply;
    private final AtomicLong seen = new AtomicLong();

    private PeerResponder(Peer peer, long channel, UnaryOperator<byte[]> reply) {
        super("kmcl-diag-peer-responder-" + channel);
        this.peer = peer;
        this.channel = channel;
        this.reply = reply;
    }

    /** Starts a responder that completes our completion-requested sends with {@code reply.apply(payload)}. */
    public static PeerResponder start(Peer peer, long channel, UnaryOperator<byte[]> reply) {
        PeerResponder r = new PeerResponder(peer, channel, reply);
        r.start();
        return r;
    }

    /** A responder on the rig's peer and channel; empty when the backend has no peer (native). */
    public static Optional<PeerResponder> startFor(ChannelRig rig, UnaryOperator<byte[]> reply) {
        return rig.peer().map(p -> start(p, rig.channel().id(), reply));
    }

    @Override
    void work() {
        try {
            while (running()) {
                Optional<PeerPacket> p = peer.awaitReceived(channel, Duration.ofMillis(50));
                if (p.isPresent()) {
                    seen.incrementAndGet();
                    if (p.get().completionRequested()) {
                        peer.complete(channel, p.get().txId(), reply.apply(p.get().payload()));
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running()) {
                failed(e);
            }
        }
    }

    /** Packets the peer read from our channel so far. */
    public long packetsSeen() {
        return seen.get();
    }
}
