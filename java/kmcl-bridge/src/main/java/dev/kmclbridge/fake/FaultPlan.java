package dev.kmclbridge.fake;

import dev.kmclbridge.peer.Fault;

import java.time.Duration;
import java.util.ArrayDeque;

/** Faults armed on one channel with {@link dev.kmclbridge.peer.Peer#inject}. The channel lock guards it. */
final class FaultPlan {
    /** Type the MalformedPacket fault writes into a descriptor (not a VMBus packet type). */
    static final int MALFORMED_TYPE = 0x3F;

    /** A fault armed a number of times; each use consumes one. */
    private static final class Armed {
        private int left;

        void add(int count) {
            left += count;
        }

        boolean armed() {
            return left > 0;
        }

        boolean take() {
            if (left > 0) {
                left--;
                return true;
            }
            return false;
        }
    }

    private Duration delay = Duration.ZERO;
    private final Armed ringFull = new Armed();
    private final Armed allocationFailures = new Armed();
    private final Armed malformed = new Armed();
    private final ArrayDeque<Integer> oversized = new ArrayDeque<>();
    private final ArrayDeque<Integer> pnpFailures = new ArrayDeque<>();

    /** Arms a channel-level fault (OfferBurst is handled by the bus). */
    void arm(Fault fault) {
        if (fault instanceof Fault.Delay d) {
            delay = d.delay();
        } else if (fault instanceof Fault.RingFull r) {
            ringFull.add(r.count());
        } else if (fault instanceof Fault.AllocationFailure a) {
            allocationFailures.add(a.count());
        } else if (fault instanceof Fault.MalformedPacket) {
            malformed.add(1);
        } else if (fault instanceof Fault.OversizedPacket o) {
            oversized.addLast(o.size());
        } else if (fault instanceof Fault.PnpFailure p) {
            pnpFailures.addLast(p.status());
        } else {
            throw new IllegalArgumentException("not a channel fault: " + fault);
        }
    }

    Duration delay() {
        return delay;
    }

    boolean delayed() {
        return !delay.isZero();
    }

    /** Consumes one forced ring-full send, if armed. */
    boolean takeRingFull() {
        return ringFull.take();
    }

    boolean takeAllocationFailure() {
        return allocationFailures.take();
    }

    /** True while a MalformedPacket fault waits for the peer's next packet (it is not consumed). */
    boolean malformedArmed() {
        return malformed.armed();
    }

    boolean takeMalformed() {
        return malformed.take();
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
