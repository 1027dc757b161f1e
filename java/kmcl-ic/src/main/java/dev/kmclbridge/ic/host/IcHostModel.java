package dev.kmclbridge.ic.host;

import dev.kmclbridge.ic.HeartbeatMessage;
import dev.kmclbridge.ic.IcHeader;
import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcMessageType;
import dev.kmclbridge.ic.IcNegotiation;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcVersion;
import dev.kmclbridge.ic.KvpMessage;
import dev.kmclbridge.ic.MalformedIcMessageException;
import dev.kmclbridge.ic.ShutdownMessage;
import dev.kmclbridge.ic.TimeSyncMessage;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host side of one integration component, played by the fake's or loopback's {@link Peer}: it offers the
 * IC's well-known class GUID, negotiates versions, sends requests (heartbeats, shutdown, time samples, KVP) as
 * in-band packets without a completion request, and records what the guest answered. A model of what the
 * references' hosts do, not of Hyper-V itself: one request at a time, the answer matched by the IC transaction id.
 */
public final class IcHostModel {
    /** The name host-model offers show in endpoint listings. */
    public static final String OFFER_SUFFIX = " (kmcl-ic host model)";
    private static final Duration POLL = Duration.ofMillis(20);

    private final Peer peer;
    private final long channel;
    private final IcService service;
    private final Duration answerTimeout;
    private final List<HostExchange> exchanges = new CopyOnWriteArrayList<>();
    private volatile Optional<IcNegotiation> negotiated = Optional.empty();
    private int nextTransaction;

    /** A model talking to our guest channel {@code guestChannel} (its {@code Channel.id()}). */
    public IcHostModel(Peer peer, long guestChannel, IcService service, Duration answerTimeout) {
        this.peer = peer;
        this.channel = guestChannel;
        this.service = service;
        this.answerTimeout = answerTimeout;
    }

    /** Offers {@code service}'s class GUID with a fresh instance GUID (so it never collides with a standing offer). */
    public static PeerOffer offer(Peer peer, IcService service) {
        return peer.offer(service.classGuid(), UUID.randomUUID(), new OfferOptions(0, 0, service.word() + OFFER_SUFFIX));
    }

    /** Every exchange so far, oldest first. */
    public List<HostExchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** The versions the guest chose, once a negotiation was answered with them. */
    public Optional<IcNegotiation> negotiated() {
        return negotiated;
    }

    /** Offers every framework version and the service's message versions; see {@link #negotiate(List, List)}. */
    public HostExchange negotiate() {
        return negotiate(IcService.FRAMEWORK_VERSIONS, service.messageVersions());
    }

    /** Sends a NEGOTIATE offering these lists and records the guest's pick (when it answered with one). */
    public HostExchange negotiate(List<IcVersion> framework, List<IcVersion> message) {
        IcNegotiation offer = new IcNegotiation(framework, message);
        HostExchange e = exchange(IcMessageType.NEGOTIATE, new IcVersion(1, 0), new IcVersion(1, 0), offer.encode());
        if (e.outcome() == HostExchange.Outcome.ANSWERED) {
            try {
                negotiated = Optional.of(IcNegotiation.decode(e.requireResponse().body()));
            } catch (MalformedIcMessageException refused) {
                negotiated = Optional.empty();
            }
        }
        return e;
    }

    /** Sends a heartbeat request with {@code sequence}. */
    public HostExchange heartbeat(long sequence) {
        return request(new HeartbeatMessage(sequence, 0).encode());
    }

    /** Sends a shutdown request. */
    public HostExchange shutdown(ShutdownMessage message) {
        return request(message.encode());
    }

    /** Sends a time sample (its layout should match the negotiated message version). */
    public HostExchange timeSample(TimeSyncMessage message) {
        return request(message.encode());
    }

    /** Sends a KVP request. */
    public HostExchange kvp(KvpMessage message) {
        return request(message.encode());
    }

    /** Sends a request of the service's type with the negotiated versions (3.0 / the newest before negotiation). */
    public HostExchange request(byte[] body) {
        IcVersion fw = negotiated.map(IcNegotiation::chosenFramework).orElse(IcService.FRAMEWORK_VERSIONS.get(0));
        IcVersion msg = negotiated.map(IcNegotiation::chosenMessage).orElse(service.messageVersions().get(0));
        return exchange(service.messageType(), fw, msg, body);
    }

    private synchronized HostExchange exchange(IcMessageType type, IcVersion framework, IcVersion message, byte[] body) {
        int tx = nextTransaction;
        nextTransaction = (nextTransaction + 1) & 0xFF;
        IcMessage request = new IcMessage(IcHeader.request(framework, type, message, body.length, tx), body);
        long peerTx = peer.send(channel, request.encode(), false, Optional.empty());
        HostExchange e = awaitAnswer(request, peerTx);
        exchanges.add(e);
        return e;
    }

    /** Bounded wait on observable state: the next in-band packet, or our packet's ending as the peer sees it. */
    private HostExchange awaitAnswer(IcMessage request, long peerTx) {
        long deadline = System.nanoTime() + answerTimeout.toNanos();
        int strays = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            Optional<PeerPacket> got = peer.awaitReceived(channel, left <= 0 ? Duration.ZERO
                    : Duration.ofNanos(Math.min(left, POLL.toNanos())));
            if (got.isPresent()) {
                IcMessage answer;
                try {
                    answer = IcMessage.decode(got.get().payload());
                } catch (MalformedIcMessageException bad) {
                    return new HostExchange(request, HostExchange.Outcome.MALFORMED_ANSWER, Optional.empty(), strays);
                }
                if (answer.header().isResponse() && answer.header().transactionId() == request.header().transactionId()
                        && answer.header().messageType() == request.header().messageType()) {
                    return new HostExchange(request, HostExchange.Outcome.ANSWERED, Optional.of(answer), strays);
                }
                strays++;
                continue;
            }
            PeerOutcome.Kind ending = peer.awaitOutcome(channel, peerTx, Duration.ZERO).kind();
            if (ending == PeerOutcome.Kind.FAILED) {
                return new HostExchange(request, HostExchange.Outcome.FAILED_BY_GUEST, Optional.empty(), strays);
            }
            // a guest that failed an earlier packet has stopped its incoming queue (B74): ours stays in the ring
            // and can never be answered, so waiting longer would only slow the caller down
            boolean undeliverable = ending == PeerOutcome.Kind.PENDING && peer.queueStopped(channel);
            if (undeliverable || System.nanoTime() - deadline >= 0) {
                return new HostExchange(request, HostExchange.Outcome.NOT_ANSWERED, Optional.empty(), strays);
            }
        }
    }
}
