package dev.kmclbridge.peer;

import java.time.Duration;
import java.util.Objects;

/**
 * Faults the peer can inject; each is armed with {@link Peer#inject}. Values no peer could arm (a negative delay, a
 * count or size that is not positive) are refused here with {@link IllegalArgumentException}, on every backend.
 */
public sealed interface Fault {
    /** Delay every peer action on the channel (completions, ring reads) by {@code delay}. */
    record Delay(Duration delay) implements Fault {
        public Delay {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must be >= 0: " + delay);
            }
        }
    }

    /** Our next {@code count} sends find the ring full (as if the peer were slow) and are queued. */
    record RingFull(int count) implements Fault {
        public RingFull {
            requirePositive("count", count);
        }
    }

    /** The next peer packet arrives with a corrupt descriptor; the ring reader rejects it (never delivered). */
    record MalformedPacket() implements Fault {
    }

    /** The next peer packet exceeds the channel's maximum packet size; it is dropped and counted. */
    record OversizedPacket(int size) implements Fault {
        public OversizedPacket {
            requirePositive("size", size);
        }
    }

    /** Our next {@code count} packet allocations fail (VmbPacketAllocate returns NULL). */
    record AllocationFailure(int count) implements Fault {
        public AllocationFailure {
            requirePositive("count", count);
        }
    }

    /** The next client channel that finds its PnP target fails to connect with {@code status}. */
    record PnpFailure(int status) implements Fault {
    }

    /** Makes {@code count} offers of {@code interfaceType}... at once (offer burst). */
    record OfferBurst(int count) implements Fault {
        public OfferBurst {
            requirePositive("count", count);
        }
    }

    private static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("fault " + what + " must be > 0, was " + value);
        }
    }
}
