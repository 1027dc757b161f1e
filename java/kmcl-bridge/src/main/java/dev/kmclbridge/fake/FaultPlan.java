package dev.kmclbridge.fake;

import dev.kmclbridge.peer.Fault;

import java.time.Duration;

/** Faults armed on one channel with {@link dev.kmclbridge.peer.Peer#inject}. The channel lock guards it. */
final class FaultPlan {
    private Duration delay = Duration.ZERO;
    private int ringFull;
    private int allocationFailures;
    private int malformed;
    private final java.util.ArrayDeque<Integer> oversized = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<Integer> pnpFailures = new java.util.ArrayDeque<>();

    /** Arms a channel-level fault (OfferBurst is handled by the bus). */
    void arm(Fault fault) {
        if (fault instanceof Fault.Delay d) {
            if (d.delay() == null || d.delay().isNegative()) {
                throw new IllegalArgumentException("delay must be >= 0: " + d.delay());
            }
            delay = d.delay();
        } else if (fault instanceof Fault.RingFull r) {
            ringFull += positive(r.count());
        } else if (fault instanceof Fault.AllocationFailure a) {
            allocationFailures += positive(a.count());
        } else if (fault instanceof Fault.MalformedPacket) {
            malformed++;
        } else if (fault instanceof Fault.OversizedPacket o) {
            oversized.addLast(positive(o.size()));
        } else if (fault instanceof Fault.PnpFailure p) {
            pnpFailures.addLast(p.status());
        } else {
            throw new IllegalArgumentException("not a channel fault: " + fault);
        }
    }

    private static int positive(int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("fault count/size must be > 0, was " + v);
        }
        return v;
    }

    Duration delay() {
        return delay;
    }

    boolean delayed() {
        return !delay.isZero();
    }

    /** Consumes one forced ring-full send, if armed. */
    boolean takeRingFull() {
        if (ringFull > 0) {
            ringFull--;
            return true;
        }
        return false;
    }

    boolean takeAllocationFailure() {
        if (allocationFailures > 0) {
            allocationFailures--;
            return true;
        }
        return false;
    }

    boolean takeMalformed() {
        if (malformed > 0) {
            malformed--;
            return true;
        }
        return false;
    }

    /** The oversized size for the next peer packet, or -1. */
    int takeOversized() {
        Integer v = oversized.pollFirst();
        return v == null ? -1 : v;
    }

    /** The PnP failure status for the next bind, or null. */
    Integer takePnpFailure() {
        return pnpFailures.pollFirst();
    }
}
