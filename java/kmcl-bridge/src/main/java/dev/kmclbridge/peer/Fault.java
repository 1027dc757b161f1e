package dev.kmclbridge.peer;

import java.time.Duration;

/** Faults the peer can inject; each is armed with {@link Peer#inject}. */
public sealed interface Fault {
    /** Delay every peer action on the channel (completions, ring reads) by {@code delay}. */
    record Delay(Duration delay) implements Fault {
    }

    /** Our next {@code count} sends find the ring full (as if the peer were slow) and are queued. */
    record RingFull(int count) implements Fault {
    }

    /** The next peer packet arrives with a corrupt descriptor; the ring reader rejects it (never delivered). */
    record MalformedPacket() implements Fault {
    }

    /** The next peer packet exceeds the channel's maximum packet size; it is dropped and counted. */
    record OversizedPacket(int size) implements Fault {
    }

    /** Our next {@code count} packet allocations fail (VmbPacketAllocate returns NULL). */
    record AllocationFailure(int count) implements Fault {
    }

    /** The next client channel that finds its PnP target fails to connect with {@code status}. */
    record PnpFailure(int status) implements Fault {
    }

    /** Makes {@code count} offers of {@code interfaceType}... at once (offer burst). */
    record OfferBurst(int count) implements Fault {
    }
}
