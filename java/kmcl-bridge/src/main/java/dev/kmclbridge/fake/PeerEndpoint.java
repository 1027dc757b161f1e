package dev.kmclbridge.fake;

import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.peer.RingStatus;
import dev.kmclbridge.spi.LongTable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The peer's end of one channel's connection (driven by {@link FakePeer} on the caller's thread): it writes into
 * our incoming ring, reads our outgoing ring while it is reading, completes what we sent, and records how our side
 * ended each of its packets. Every method runs with the channel lock held; the await methods wait on the channel's
 * monitor.
 */
final class PeerEndpoint {
    private static final byte[] EMPTY = new byte[0];
    /**
     * Outcomes the peer keeps per channel; beyond this the oldest is forgotten (as the C fake's
     * {@code PEER_OUTCOMES_KEPT}), so a channel that runs for ever with nobody draining outcomes (a watch, a soak)
     * stays in bounded memory.
     */
    static final int MAXIMUM_KEPT_OUTCOMES = 65536;

    private final FakeChannel channel;
    private boolean reading = true;
    /** Packets read off our outgoing ring and not yet taken by awaitReceived, in ring order. */
    private final ArrayDeque<PeerPacket> arrivals = new ArrayDeque<>();
    /** Packets read that asked for a completion the peer has not sent yet, by transaction id. */
    private final LongTable<PeerPacket> outstanding = new LongTable<>();
    /**
     * How our side ended the peer's packets, by the peer's transaction id: the completion payload, or
     * {@link #FAILED} (compared by identity). No object per outcome; {@link PeerOutcome}s are made when asked for.
     */
    private final LongTable<byte[]> outcomes = new LongTable<>();
    /** Transaction ids in the order their outcomes were recorded (for forgetting the oldest and for draining). */
    private final LongFifo outcomeOrder = new LongFifo();
    private static final byte[] FAILED = new byte[0];

    PeerEndpoint(FakeChannel channel) {
        this.channel = channel;
    }

    /** Writes one packet into our incoming ring (or behind the packets waiting for room); returns its transaction id. */
    long send(byte[] payload, boolean completionRequested, byte[] external) {
        channel.lifecycle.requireOpen("send a peer packet");
        int oversize = channel.faults.takeOversized();
        byte[] body = oversize > payload.length ? Arrays.copyOf(payload, oversize) : payload;
        long txId = channel.shared.nextTransactionId();
        GuestMemory memory = channel.shared.memory();
        long[] pfns = external == null || external.length == 0 ? null : memory.store(external);
        int framingFlags = completionRequested ? PacketFraming.FLAG_COMPLETION_REQUESTED : 0;
        if (pfns == null && !channel.faults.malformedArmed()
                && channel.incoming.writeInbandFromPeer(framingFlags, txId, body)) {
            return txId; // the common case: written straight into the ring, no encoded copy
        }
        byte[] encoded = PacketFraming.encode(framingFlags, txId, body, pfns, pfns == null ? 0 : external.length);
        if (channel.faults.takeMalformed()) {
            PacketFraming.corruptType(encoded, FaultPlan.MALFORMED_TYPE);
        }
        long onRing = encoded.length + (long) PacketFraming.TRAILER_SIZE;
        int ringSize = channel.incoming.openRingSize();
        if (!VmbusRing.everFits(onRing, ringSize)) {
            if (pfns != null) {
                memory.release(pfns);
            }
            if (oversize > 0) {
                channel.statistics.oversizedDropped++; // the oversized packet cannot even be written: dropped and counted
                return txId;
            }
            throw new IllegalArgumentException("a packet of " + onRing + " bytes on the ring never fits a ring of "
                    + ringSize + " bytes");
        }
        boolean hadWaiting = channel.incoming.hasWaiting();
        channel.incoming.writeFromPeer(encoded, body.length);
        if (!hadWaiting) {
            // empty -> non-empty: a receiver waiting with packets already there is stalled (quota, stop, state),
            // and one more packet does not end that wait
            channel.monitor.wakeReceivers();
        }
        return txId;
    }

    /**
     * The outcome of the peer's packet {@code txId}, waiting until {@code deadlineNanos}; PENDING if none by then
     * (also for a packet never sent, dropped, or forgotten at the cap). A final outcome stays: asking again returns
     * it again, until {@link #drainOutcomes} takes it (as the C fake).
     */
    PeerOutcome awaitOutcome(long txId, long deadlineNanos) throws InterruptedException {
        while (true) {
            byte[] o = outcomes.get(txId);
            if (o != null) {
                return outcome(txId, o);
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return new PeerOutcome(txId, PeerOutcome.Kind.PENDING, EMPTY);
            }
            channel.monitor.awaitPeerChange(left);
        }
    }

    private static PeerOutcome outcome(long txId, byte[] stored) {
        return stored == FAILED ? new PeerOutcome(txId, PeerOutcome.Kind.FAILED, EMPTY)
                : new PeerOutcome(txId, PeerOutcome.Kind.COMPLETED, stored);
    }

    /** Our side ended the peer's packet {@code txId}; past {@link #MAXIMUM_KEPT_OUTCOMES} the oldest is forgotten. */
    void recordOutcome(long txId, PeerOutcome.Kind kind, byte[] payload) {
        byte[] stored = kind == PeerOutcome.Kind.FAILED ? FAILED : payload.length == 0 ? EMPTY : payload;
        if (outcomes.put(txId, stored) == null) {
            outcomeOrder.add(txId);
        }
        while (outcomes.size() > MAXIMUM_KEPT_OUTCOMES) {
            outcomes.remove(outcomeOrder.poll());
        }
        channel.monitor.wakePeers();
    }

    /** Outcomes kept (bounded by {@link #MAXIMUM_KEPT_OUTCOMES}). */
    int retainedOutcomes() {
        return outcomes.size();
    }

    /** Takes every outcome kept, oldest first (each is then forgotten). */
    List<PeerOutcome> drainOutcomes() {
        List<PeerOutcome> out = new ArrayList<>(outcomes.size());
        while (!outcomeOrder.isEmpty()) {
            long txId = outcomeOrder.poll();
            byte[] o = outcomes.remove(txId);
            if (o != null) {
                out.add(outcome(txId, o));
            }
        }
        outcomes.clear();
        return out;
    }

    /** The peer reads as soon as we write: it is reading and no Delay fault slows it. */
    boolean readsNow() {
        return reading && !channel.faults.delayed();
    }

    boolean isReading() {
        return reading;
    }

    /** The peer reads everything in our outgoing ring. Returns true if it read anything. */
    boolean readAll() {
        boolean any = false;
        PacketFraming.Frame f;
        while ((f = channel.outgoing.readByPeer()) != null) {
            any = true;
            if (f.rejected() != null) {
                continue;
            }
            if (f.type() == PacketFraming.TYPE_COMPLETION) {
                recordOutcome(f.txId(), PeerOutcome.Kind.COMPLETED, f.payload());
                continue;
            }
            byte[] ext = EMPTY;
            if (f.type() == PacketFraming.TYPE_GPA_DIRECT) {
                byte[] e = channel.shared.memory().take(f.pfns(), f.rangeBytes());
                ext = e == null ? EMPTY : e;
            }
            boolean req = (f.flags() & PacketFraming.FLAG_COMPLETION_REQUESTED) != 0;
            PeerPacket pp = new PeerPacket(f.txId(), f.payload(), req, ext, f.type());
            arrivals.addLast(pp);
            if (req) {
                outstanding.put(pp.txId(), pp);
            }
        }
        if (any) {
            channel.monitor.wakePeers();
            channel.monitor.wakeOthers(); // ring space for a synchronous send waiting to be written
        }
        return any;
    }

    /** A peer action on this channel: a slow peer (RingFull fault) catches up, and the peer reads if it is reading. */
    private void touch() {
        channel.outgoing.peerCaughtUp();
        if (channel.lifecycle.isOpen() && reading) {
            readAll();
        }
        channel.outgoing.pump();
    }

    /** What the peer has received and not completed, in transaction order. */
    List<PeerPacket> received() {
        touch();
        List<PeerPacket> out = outstanding.values();
        for (PeerPacket p : arrivals) {
            if (!p.completionRequested()) {
                out.add(p);
            }
        }
        out.sort((a, b) -> Long.compare(a.txId(), b.txId()));
        return out;
    }

    /** Takes the next packet the peer received, waiting until {@code deadlineNanos}; null if none by then. */
    PeerPacket awaitReceived(long deadlineNanos) throws InterruptedException {
        while (true) {
            touch();
            PeerPacket p = arrivals.pollFirst();
            if (p != null) {
                return p;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || channel.lifecycle.isCleaned()) {
                return null;
            }
            channel.monitor.awaitPeerChange(left);
        }
    }

    /** Takes up to {@code max} packets the peer received, oldest first, waiting until {@code deadlineNanos} for the first. */
    List<PeerPacket> takeReceived(int max, long deadlineNanos) throws InterruptedException {
        while (true) {
            touch();
            if (!arrivals.isEmpty()) {
                List<PeerPacket> out = new ArrayList<>(Math.min(max, arrivals.size()));
                while (out.size() < max && !arrivals.isEmpty()) {
                    out.add(arrivals.pollFirst());
                }
                return out;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || channel.lifecycle.isCleaned()) {
                return new ArrayList<>();
            }
            channel.monitor.awaitPeerChange(left);
        }
    }

    /** The peer completes our transaction {@code txId} that asked for a completion. */
    void complete(long txId, byte[] payload) {
        touch();
        PeerPacket pp = outstanding.remove(txId);
        if (pp == null) {
            throw new IllegalStateException("channel " + channel.id + ": the peer holds no packet " + txId
                    + " awaiting completion (never read, no completion requested, or already completed)");
        }
        channel.outgoing.completedByPeer(txId, payload);
        channel.outgoing.pump();
    }

    void setReading(boolean reading) {
        this.reading = reading;
        if (reading) {
            touch();
        }
    }

    RingStatus ringStatus() {
        return new RingStatus(channel.incoming.ringSize(), channel.incoming.ringUsed(),
                channel.outgoing.ringSize(), channel.outgoing.ringUsed(), channel.incoming.peerQueued());
    }

    /**
     * The connection closed: what the peer read and has not completed goes away with it, and so do its own packets
     * still waiting for our side (dropped with the ring). Outcomes already recorded stay readable.
     */
    void forgetConnection() {
        arrivals.clear();
        outstanding.clear();
    }
}
