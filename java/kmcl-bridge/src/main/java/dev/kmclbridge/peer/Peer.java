package dev.kmclbridge.peer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The scriptable opposite endpoint of a fake or loopback VMBus: the host (for our client channels) or the guest
 * (for our server channels). Channels are named by the ids of our own channels ({@code Channel.id()}, the SPI's
 * channel ids). Everything here is test infrastructure; it never exists on real Hyper-V.
 *
 * <p>Failures are the same on every backend: an argument that no state could make valid (a packet larger than the
 * ring can ever hold, a GPADL range outside the GPADL, a fault count that is not positive) throws
 * {@link IllegalArgumentException}; an action the peer cannot do now throws {@link IllegalStateException}: an id
 * that names nothing live (a channel never allocated or already cleaned up, an offer already rescinded, a
 * transaction or GPADL the peer does not hold) or a channel whose state forbids it (not open, already open).
 * {@link #awaitOutcome} is the exception: a transaction it does not know is PENDING once its timeout passed.
 */
public interface Peer {
    /** Host side: makes an offer our client channels can bind to (also appears as an endpoint). */
    PeerOffer offer(UUID interfaceType, UUID interfaceInstance, OfferOptions options);

    /** Host side: withdraws an offer; a client channel bound to it gets Suspend (if running) and Closed. */
    void rescind(PeerOffer offer);

    /** All offers currently made (host side). */
    List<PeerOffer> offers();

    /**
     * Guest side: opens our enabled server channel's offer (Opened follows on our side). Fails with
     * IllegalStateException if the channel has no visible offer or is already open.
     */
    void open(long channel);

    /**
     * Closes the peer's side: for our server channel the guest closes; for our client channel the host rescinds
     * the offer it is bound to. Our side gets Suspend (if running) then Closed.
     */
    void close(long channel);

    /** True while the channel is open between us and the peer. */
    boolean isOpen(long channel);

    /**
     * Writes a packet into our channel's incoming ring. Returns the peer's transaction id. When the ring is full
     * the packet waits in the peer's queue (like a real sender) until space frees. A packet that could never fit
     * the ring is an IllegalArgumentException; a channel that is not open an IllegalStateException.
     */
    long send(long channel, byte[] payload, boolean completionRequested, Optional<byte[]> externalData);

    /**
     * Waits for our side to end the peer's packet {@code txId}: completed (with payload) or failed; PENDING when
     * the timeout passes first, also for a transaction the peer never sent or no longer remembers. A final outcome
     * stays: awaiting it again returns it again. Outcomes are kept for the newest 65536 transactions per channel;
     * older ones are forgotten, so a channel that runs for ever stays in bounded memory.
     */
    PeerOutcome awaitOutcome(long channel, long txId, Duration timeout);

    /** Our outgoing packets the peer has read from the ring and not yet completed, oldest first. */
    List<PeerPacket> received(long channel);

    /** Waits for the next packet our side sends (read from the ring); empty on timeout. */
    Optional<PeerPacket> awaitReceived(long channel, Duration timeout);

    /**
     * Completes our packet {@code txId} with {@code payload} (our completion routine then runs). A transaction the
     * peer does not hold awaiting a completion (never read, none requested, completed already) is an
     * IllegalStateException.
     */
    void complete(long channel, long txId, byte[] payload);

    /**
     * Sends every payload in order in one call (no external data) and returns their transaction ids in the same
     * order. Fails like {@link #send}; packets sent before a failing one stay sent.
     */
    default long[] sendBatch(long channel, List<byte[]> payloads, boolean completionRequested) {
        long[] ids = new long[payloads.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = send(channel, payloads.get(i), completionRequested, Optional.empty());
        }
        return ids;
    }

    /**
     * Takes up to {@code max} of our outgoing packets the peer has read and not yet taken, oldest first, waiting up
     * to {@code timeout} for the first; empty on timeout. Like {@link #awaitReceived}, each packet is taken once.
     */
    default List<PeerPacket> takeReceived(long channel, int max, Duration timeout) {
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        List<PeerPacket> taken = new java.util.ArrayList<>();
        Optional<PeerPacket> first = awaitReceived(channel, timeout);
        if (first.isEmpty()) {
            return taken;
        }
        taken.add(first.get());
        while (taken.size() < max) {
            Optional<PeerPacket> next = awaitReceived(channel, Duration.ZERO);
            if (next.isEmpty()) {
                break;
            }
            taken.add(next.get());
        }
        return taken;
    }

    /**
     * Completes our packets {@code txIds[0..count)} in order, each with {@code payload}, in one call. Fails like
     * {@link #complete} at the first transaction the peer does not hold; the ones before it stay completed.
     */
    default void completeBatch(long channel, long[] txIds, int count, byte[] payload) {
        if (count < 0 || count > txIds.length) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + txIds.length);
        }
        for (int i = 0; i < count; i++) {
            complete(channel, txIds[i], payload);
        }
    }

    /** Stops (false) or resumes (true) reading our outgoing ring, so it fills up. */
    void setReading(long channel, boolean reading);

    /** Ring occupancy of the channel, both directions, as the peer sees it. */
    RingStatus ringStatus(long channel);

    /** True once our side failed a packet with VmbChannelPacketFail (the incoming queue stopped). */
    boolean queueStopped(long channel);

    /** Arms a fault for the channel (or for the next channel when {@code channel} is 0, e.g. PnP failure). */
    void inject(long channel, Fault fault);

    /** Host side: maps a GPADL our client channel created. */
    PeerMapping mapGpadl(long channel, int gpadlHandle, boolean readOnly);

    /** Guest side: creates a GPADL on our server channel's connection, for our server to map. */
    int createGpadl(long channel, int size, boolean readOnly);

    /** Guest side: reads a GPADL the peer created (to see what our server wrote through its mapping). */
    byte[] readGpadl(long channel, int gpadlHandle, int offset, int length);

    /** Guest side: writes a GPADL the peer created. */
    void writeGpadl(long channel, int gpadlHandle, int offset, byte[] data);

    /** The seed of the deterministic scheduler (same seed + same script = same run). */
    long seed();
}
