package dev.kmclbridge.fake;

import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerMapping;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.peer.RingStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The fake's opposite endpoint. Every action runs synchronously on the caller's thread (there are no hidden peer
 * threads); only the await methods and an armed {@link Fault.Delay} block. While reading (the default) the peer
 * reads our outgoing ring as soon as we write it; {@link #setReading}(false) or a Delay fault lets it fill.
 */
public final class FakePeer implements Peer {
    private final FakeBackend backend;

    FakePeer(FakeBackend backend) {
        this.backend = backend;
    }

    private FakeChannel channel(long id) {
        FakeChannel ch = backend.channel(id);
        if (ch == null) {
            throw new IllegalStateException("no live channel " + id);
        }
        return ch;
    }

    private static void pause(FakeChannel ch) {
        Duration d = ch.delay();
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public PeerOffer offer(UUID interfaceType, UUID interfaceInstance, OfferOptions options) {
        Objects.requireNonNull(interfaceType, "interfaceType");
        Objects.requireNonNull(interfaceInstance, "interfaceInstance");
        return backend.addOffer(interfaceType, interfaceInstance, options == null ? OfferOptions.defaults() : options)
                .peerOffer();
    }

    @Override
    public void rescind(PeerOffer offer) {
        if (!backend.bus.rescind(offer.id())) {
            throw new IllegalStateException("offer " + offer.id() + " is not (or no longer) made");
        }
    }

    @Override
    public List<PeerOffer> offers() {
        List<PeerOffer> out = new ArrayList<>();
        for (Offer o : backend.bus.offers()) {
            out.add(o.peerOffer());
        }
        return out;
    }

    @Override
    public void open(long channel) {
        channel(channel).peerOpen();
    }

    @Override
    public void close(long channel) {
        backend.bus.peerClose(channel(channel));
    }

    @Override
    public boolean isOpen(long channel) {
        return channel(channel).isOpen();
    }

    @Override
    public long send(long channel, byte[] payload, boolean completionRequested, Optional<byte[]> externalData) {
        FakeChannel ch = channel(channel);
        pause(ch);
        return ch.peerSend(payload.clone(), completionRequested, externalData.map(byte[]::clone).orElse(null));
    }

    @Override
    public PeerOutcome awaitOutcome(long channel, long txId, Duration timeout) {
        try {
            return channel(channel).awaitOutcome(txId, timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PeerOutcome(txId, PeerOutcome.Kind.PENDING, new byte[0]);
        }
    }

    @Override
    public List<PeerPacket> received(long channel) {
        FakeChannel ch = channel(channel);
        pause(ch);
        return ch.received();
    }

    @Override
    public Optional<PeerPacket> awaitReceived(long channel, Duration timeout) {
        FakeChannel ch = channel(channel);
        pause(ch);
        try {
            return Optional.ofNullable(ch.awaitReceived(timeout.toNanos()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void complete(long channel, long txId, byte[] payload) {
        FakeChannel ch = channel(channel);
        pause(ch);
        ch.peerComplete(txId, payload == null ? new byte[0] : payload);
    }

    /** One entry of the channel's lock for the whole batch (the payloads are copied into the ring). */
    @Override
    public long[] sendBatch(long channel, List<byte[]> payloads, boolean completionRequested) {
        Objects.requireNonNull(payloads, "payloads");
        FakeChannel ch = channel(channel);
        pause(ch);
        return ch.peerSendBatch(payloads, completionRequested);
    }

    /** One entry of the channel's lock: waits for the first packet, then takes what is there up to {@code max}. */
    @Override
    public List<PeerPacket> takeReceived(long channel, int max, Duration timeout) {
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        FakeChannel ch = channel(channel);
        pause(ch);
        try {
            return ch.takeReceived(max, timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ArrayList<>();
        }
    }

    /** One entry of the channel's lock for the whole batch. */
    @Override
    public void completeBatch(long channel, long[] txIds, int count, byte[] payload) {
        if (count < 0 || count > txIds.length) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + txIds.length);
        }
        FakeChannel ch = channel(channel);
        pause(ch);
        ch.peerCompleteBatch(txIds, count, payload == null ? new byte[0] : payload);
    }

    @Override
    public void setReading(long channel, boolean reading) {
        channel(channel).setReading(reading);
    }

    @Override
    public RingStatus ringStatus(long channel) {
        return channel(channel).ringStatus();
    }

    @Override
    public boolean queueStopped(long channel) {
        return channel(channel).queueStopped();
    }

    @Override
    public void inject(long channel, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (fault instanceof Fault.OfferBurst burst) {
            UUID type = channel == 0 ? null : channel(channel).settings.targetType;
            for (int i = 0; i < burst.count(); i++) {
                backend.addOffer(type != null ? type : backend.randomUuid(), backend.randomUuid(),
                        new OfferOptions(0, 0, "offer burst"));
            }
            return;
        }
        if (channel == 0) {
            if (fault instanceof Fault.PnpFailure p) {
                backend.bus.armPnpFailure(p.status());
                return;
            }
            throw new IllegalStateException(fault + " needs a live channel, not channel 0");
        }
        channel(channel).arm(fault);
    }

    @Override
    public PeerMapping mapGpadl(long channel, int gpadlHandle, boolean readOnly) {
        FakeChannel ch = channel(channel);
        ChannelGpadls.Gpadl g = ch.peerMap(gpadlHandle, readOnly);
        return new PeerMapping() {
            private boolean closed;

            @Override
            public byte[] read(int offset, int length) {
                check();
                return ch.peerAccess(g, offset, null, length, true);
            }

            @Override
            public void write(int offset, byte[] data) {
                check();
                ch.peerAccess(g, offset, data.clone(), data.length, true);
            }

            private void check() {
                if (closed) {
                    throw new IllegalStateException("mapping of GPADL " + gpadlHandle + " is closed");
                }
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    ch.peerUnmap(g);
                }
            }
        };
    }

    @Override
    public int createGpadl(long channel, int size, boolean readOnly) {
        return channel(channel).peerCreateGpadl(size, readOnly);
    }

    @Override
    public byte[] readGpadl(long channel, int gpadlHandle, int offset, int length) {
        FakeChannel ch = channel(channel);
        return ch.peerAccess(ch.peerOwnedGpadl(gpadlHandle), offset, null, length, false);
    }

    @Override
    public void writeGpadl(long channel, int gpadlHandle, int offset, byte[] data) {
        FakeChannel ch = channel(channel);
        ch.peerAccess(ch.peerOwnedGpadl(gpadlHandle), offset, data.clone(), data.length, false);
    }

    @Override
    public long seed() {
        return backend.seed();
    }

    // ---- fake-only inspection (not part of the Peer interface)

    /**
     * Reads every outcome recorded on the channel and not read yet, oldest first; like {@link #awaitOutcome} it
     * hands each out once.
     */
    public List<PeerOutcome> drainOutcomes(long channel) {
        return channel(channel).drainOutcomes();
    }

    /** Peer packets our ring reader rejected as malformed (MalformedPacket fault). */
    public long malformedRejected(long channel) {
        return channel(channel).malformedRejected();
    }

    /** Peer packets dropped because they exceeded the maximum packet size (OversizedPacket fault). */
    public long oversizedDropped(long channel) {
        return channel(channel).oversizedDropped();
    }

    /** Guest-memory pages currently holding external data (0 when nothing leaks). */
    public int guestPagesInUse() {
        return backend.pagesInUse();
    }
}
