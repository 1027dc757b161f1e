package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
    /** Packets taken per wake at most. */
    private static final int BATCH = 256;
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

    /**
     * Takes what the peer read in batches (one wake for many packets) and completes the ones that asked for a
     * completion in runs that share a reply, one peer call per run.
     */
    @Override
    void work() {
        long[] run = new long[BATCH];
        try {
            while (running()) {
                List<PeerPacket> got = peer.takeReceived(channel, BATCH, Duration.ofMillis(50));
                seen.addAndGet(got.size());
                int n = 0;
                byte[] runReply = null;
                for (PeerPacket p : got) {
                    if (!p.completionRequested()) {
                        continue;
                    }
                    byte[] r = reply.apply(p.payload());
                    if (n > 0 && !Arrays.equals(r, runReply)) {
                        peer.completeBatch(channel, run, n, runReply);
                        n = 0;
                    }
                    runReply = r;
                    run[n++] = p.txId();
                }
                if (n > 0) {
                    peer.completeBatch(channel, run, n, runReply);
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
