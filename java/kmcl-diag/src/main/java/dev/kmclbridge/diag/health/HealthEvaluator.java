package dev.kmclbridge.diag.health;

import dev.kmclbridge.ChannelState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The stuck-channel detector: judges a channel from a series of samples (oldest first). Pure logic, no backend.
 *
 * <ul>
 *   <li>{@link HealthFinding.Kind#PACKET_HELD_TOO_LONG}: a known held packet is older than {@code maxHold}, or
 *       pendingIncoming stayed &gt; 0 with no completion for {@code maxHold};</li>
 *   <li>{@link HealthFinding.Kind#INCOMING_STALLED}: incomingRingUsed stayed &gt; 0 with no delivery for {@code stall};</li>
 *   <li>{@link HealthFinding.Kind#OUTGOING_STALLED}: the outgoing-stalled flag, or queued sends with no progress for {@code stall};</li>
 *   <li>{@link HealthFinding.Kind#CHANNEL_FAILED}: the incoming queue was stopped by a failed packet;</li>
 *   <li>{@link HealthFinding.Kind#NOT_OPEN}: the last sample is not ACTIVE/OPEN.</li>
 * </ul>
 */
public final class HealthEvaluator {
    private final Duration maxHold;
    private final Duration stall;

    public HealthEvaluator(Duration maxHold, Duration stall) {
        this.maxHold = maxHold;
        this.stall = stall;
    }

    /** The findings for one channel (empty = healthy). */
    public List<HealthFinding> evaluate(List<ChannelSample> samples) {
        List<HealthFinding> out = new ArrayList<>();
        if (samples.isEmpty()) {
            return out;
        }
        ChannelSample last = samples.get(samples.size() - 1);
        if (last.state() != ChannelState.ACTIVE && last.state() != ChannelState.OPEN) {
            out.add(new HealthFinding(HealthFinding.Kind.NOT_OPEN, "channel state is " + last.state()));
        }
        if (last.queueStopped()) {
            out.add(new HealthFinding(HealthFinding.Kind.CHANNEL_FAILED,
                    "a packet was failed (VmbChannelPacketFail): the incoming queue is stopped until the channel is disabled"));
        }
        long oldestHeld = last.heldAgesNanos().stream().mapToLong(Long::longValue).max().orElse(0);
        if (oldestHeld >= maxHold.toNanos()) {
            long n = last.heldAgesNanos().stream().filter(a -> a >= maxHold.toNanos()).count();
            out.add(new HealthFinding(HealthFinding.Kind.PACKET_HELD_TOO_LONG, n + " packet(s) held uncompleted, the oldest for "
                    + seconds(oldestHeld) + " (limit " + seconds(maxHold.toNanos()) + ")"));
        } else {
            long held = heldFor(samples, s -> s.pendingIncoming() > 0, (a, b) -> a.completionsSent() == b.completionsSent());
            if (held >= maxHold.toNanos()) {
                out.add(new HealthFinding(HealthFinding.Kind.PACKET_HELD_TOO_LONG, last.pendingIncoming()
                        + " packet(s) delivered and not completed, no completion for " + seconds(held)
                        + " (limit " + seconds(maxHold.toNanos()) + ")"));
            }
        }
        long in = heldFor(samples, s -> s.incomingRingUsed() > 0, (a, b) -> a.packetsIn() == b.packetsIn());
        if (in >= stall.toNanos()) {
            out.add(new HealthFinding(HealthFinding.Kind.INCOMING_STALLED, last.incomingRingUsed()
                    + " bytes pending in the incoming ring with no delivery for " + seconds(in) + " (limit "
                    + seconds(stall.toNanos()) + ")" + (last.queueStopped() ? " because the queue is stopped" : "")));
        }
        long outStall = heldFor(samples, s -> s.outgoingStalled() || s.queuedOutgoing() > 0,
                (a, b) -> a.packetsOut() == b.packetsOut() && a.queuedOutgoing() == b.queuedOutgoing());
        if (outStall >= stall.toNanos()) {
            out.add(new HealthFinding(HealthFinding.Kind.OUTGOING_STALLED, last.queuedOutgoing()
                    + " send(s) waiting for ring space, the peer not reading, for " + seconds(outStall)));
        }
        return out;
    }

    /**
     * How long (nanoseconds) {@code condition} has held, with no progress, up to the last sample: the span from the
     * earliest sample of the trailing run where the condition holds and {@code sameProgress(run start, sample)}.
     */
    static long heldFor(List<ChannelSample> samples, Predicate<ChannelSample> condition,
                        BiPredicate<ChannelSample, ChannelSample> sameProgress) {
        ChannelSample last = samples.get(samples.size() - 1);
        if (!condition.test(last)) {
            return 0;
        }
        ChannelSample start = last;
        for (int i = samples.size() - 2; i >= 0; i--) {
            ChannelSample s = samples.get(i);
            if (!condition.test(s) || !sameProgress.test(s, last)) {
                break;
            }
            start = s;
        }
        return last.atNanos() - start.atNanos();
    }

    static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }
}
