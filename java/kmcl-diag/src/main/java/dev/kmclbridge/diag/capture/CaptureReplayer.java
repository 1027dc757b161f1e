package dev.kmclbridge.diag.capture;

import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.traffic.PeerSend;
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
 * Timing: with {@code speed > 0} each record waits until its recorded time divided by {@code speed}; 0 = no waits
 * ({@link #timedLength} says how long a timed replay takes, so a caller can refuse an absurd one up front).
 *
 * <p>Once the channel's incoming queue is stopped (our side failed a packet: VmbChannelPacketFail), no later
 * {@code in} record can be delivered, so they are not sent and are reported at once as {@value #UNDELIVERED}
 * instead of each waiting the full timeout.
 */
public final class CaptureReplayer {
    /** Called before the peer expects the recorded outgoing packet {@code p}. */
    @FunctionalInterface
    public interface OutgoingHook {
        /** Nothing to do: the application under test sends by itself. */
        OutgoingHook NONE = p -> { };

        void beforeOutgoing(CapturedPacket p);
    }

    /** The replayed verdict of an {@code in} record that was not sent because the incoming queue was stopped. */
    public static final String UNDELIVERED = "undelivered";

    private static final Duration PENDING_CHECK = Duration.ofMillis(150);

    private final Peer peer;
    private final long channel;
    private final double speed;
    private final Duration timeout;

    /** {@code speed}: 0 (no waits) or a finite factor > 0; {@code timeout}: how long to wait for each packet. */
    public CaptureReplayer(Peer peer, long channel, double speed, Duration timeout) {
        if (!(speed >= 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be 0 or a finite number > 0, got " + speed);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        this.peer = peer;
        this.channel = channel;
        this.speed = speed;
        this.timeout = timeout;
    }

    /** How long replaying {@code capture} at {@code speed} waits in all, in seconds (0 for speed 0). */
    public static double timedLength(Capture capture, double speed) {
        long last = capture.packets().stream().mapToLong(CapturedPacket::atNanos).max().orElse(0);
        return speed > 0 ? last / 1e9 / speed : 0;
    }

    /** Replays {@code capture} against the channel and compares every packet. */
    public ReplayReport replay(Capture capture, OutgoingHook hook) throws InterruptedException {
        List<PacketComparison> out = new ArrayList<>();
        long start = System.nanoTime();
        Optional<Long> queueStoppedBy = Optional.empty();
        for (CapturedPacket p : capture.packets()) {
            if (speed > 0) {
                // in double: a huge recorded time cannot overflow into "due long ago"
                double wait = p.atNanos() / speed - (System.nanoTime() - start);
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep((long) Math.min(wait, Long.MAX_VALUE / 2.0));
                }
            }
            if (!p.incoming()) {
                out.add(replayOutgoing(p, hook));
            } else if (queueStoppedBy.isPresent() || peer.queueStopped(channel)) {
                out.add(undelivered(p, queueStoppedBy));
            } else {
                PacketComparison c = replayIncoming(p);
                if (c.actualVerdict().equals(CapturedPacket.FAILED)) {
                    queueStoppedBy = Optional.of(p.seq());
                }
                out.add(c);
            }
        }
        return new ReplayReport(out);
    }

    private static PacketComparison undelivered(CapturedPacket p, Optional<Long> stoppedBy) {
        return new PacketComparison(p.seq(), p.direction(), p.payloadBytes().length, p.verdict(), UNDELIVERED, false,
                "not sent: the incoming queue is stopped (" + stoppedBy.map(s -> "packet seq " + s + " was failed")
                        .orElse("a packet was failed") + "), so it could not be delivered");
    }

    private PacketComparison replayIncoming(CapturedPacket p) {
        byte[] ext = p.externalBytes();
        long tx = PeerSend.send(peer, channel, p.payloadBytes(), p.completionRequested(),
                ext.length == 0 ? Optional.empty() : Optional.of(ext));
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
