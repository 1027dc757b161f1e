package dev.kmclbridge.diag.capture;

import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Plays the other side of a recorded conversation through a {@link Peer} (fake or loopback), so traffic recorded on
 * a VM becomes a CI test. Records are processed in {@code seq} order:
 * <ul>
 *   <li>{@code in} (the other side sent it): the peer sends the same payload (and completion request) to the
 *       channel under test and waits for how our side ends it; the verdict and completion payload are compared;</li>
 *   <li>{@code out} (we sent it): {@link OutgoingHook#beforeOutgoing} runs (kmcl-diag's replay sends it itself; a
 *       user test whose application sends by itself passes {@link OutgoingHook#NONE}), the peer waits for our packet,
 *       compares it, and answers with the recorded completion.</li>
 * </ul>
 * Timing: with {@code speed > 0} each record waits until its recorded time divided by {@code speed}; 0 = no waits.
 */
public final class CaptureReplayer {
    /** Called before the peer expects the recorded outgoing packet {@code p}. */
    @FunctionalInterface
    public interface OutgoingHook {
        /** Nothing to do: the application under test sends by itself. */
        OutgoingHook NONE = p -> { };

        void beforeOutgoing(CapturedPacket p);
    }

    private static final Duration PENDING_CHECK = Duration.ofMillis(150);

    private final Peer peer;
    private final long channel;
    private final double speed;
    private final Duration timeout;

    public CaptureReplayer(Peer peer, long channel, double speed, Duration timeout) {
        this.peer = peer;
        this.channel = channel;
        this.speed = speed;
        this.timeout = timeout;
    }

    /** Replays {@code capture} against the channel and compares every packet. */
    public ReplayReport replay(Capture capture, OutgoingHook hook) throws InterruptedException {
        List<PacketComparison> out = new ArrayList<>();
        long start = System.nanoTime();
        for (CapturedPacket p : capture.packets()) {
            if (speed > 0) {
                long due = start + (long) (p.atNanos() / speed);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            out.add(p.incoming() ? replayIncoming(p) : replayOutgoing(p, hook));
        }
        return new ReplayReport(out);
    }

    private PacketComparison replayIncoming(CapturedPacket p) {
        byte[] ext = p.externalBytes();
        long tx = peer.send(channel, p.payloadBytes(), p.completionRequested(), ext.length == 0 ? Optional.empty() : Optional.of(ext));
        boolean expectPending = p.verdict().equals(CapturedPacket.PENDING);
        PeerOutcome o = peer.awaitOutcome(channel, tx, expectPending ? PENDING_CHECK : timeout);
        String actual = switch (o.kind()) {
            case COMPLETED -> CapturedPacket.COMPLETED;
            case FAILED -> CapturedPacket.FAILED;
            case PENDING -> CapturedPacket.PENDING;
        };
        String detail = null;
        if (!actual.equals(p.verdict())) {
            detail = "verdict " + actual + ", recorded " + p.verdict();
        } else if (actual.equals(CapturedPacket.COMPLETED) && p.completionRequested()
                && !Arrays.equals(o.payload(), p.completionPayloadBytes())) {
            detail = "completion payload " + Hex.format(o.payload()) + ", recorded " + p.completionPayload();
        }
        return new PacketComparison(p.seq(), p.direction(), p.payloadBytes().length, p.verdict(), actual, detail == null, detail);
    }

    private PacketComparison replayOutgoing(CapturedPacket p, OutgoingHook hook) {
        hook.beforeOutgoing(p);
        Optional<PeerPacket> got = peer.awaitReceived(channel, timeout);
        if (got.isEmpty()) {
            return new PacketComparison(p.seq(), p.direction(), p.payloadBytes().length, p.verdict(), "missing", false,
                    "our side sent nothing within " + timeout.toMillis() + " ms");
        }
        PeerPacket r = got.get();
        String detail = null;
        if (!Arrays.equals(r.payload(), p.payloadBytes())) {
            detail = "payload " + Hex.format(r.payload()) + ", recorded " + p.payload();
        } else if (r.completionRequested() != p.completionRequested()) {
            detail = "completion requested " + r.completionRequested() + ", recorded " + p.completionRequested();
        }
        String actual = CapturedPacket.PENDING;
        if (r.completionRequested() && p.verdict().equals(CapturedPacket.COMPLETED)) {
            peer.complete(channel, r.txId(), p.completionPayloadBytes());
            actual = CapturedPacket.COMPLETED;
        } else if (!r.completionRequested()) {
            actual = p.verdict(); // nothing to answer: the transaction ended when the packet reached the ring
        }
        if (detail == null && !actual.equals(p.verdict())) {
            detail = "verdict " + actual + ", recorded " + p.verdict();
        }
        return new PacketComparison(p.seq(), p.direction(), p.payloadBytes().length, p.verdict(), actual, detail == null, detail);
    }
}
