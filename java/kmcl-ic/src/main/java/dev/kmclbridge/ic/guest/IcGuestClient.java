package dev.kmclbridge.ic.guest;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.ic.IcHeader;
import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcMessageType;
import dev.kmclbridge.ic.IcNegotiation;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.MalformedIcMessageException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The guest side of one integration component over a {@link ClientChannel}: answers the host's version
 * negotiation with the highest common versions, hands every other request to the service ({@link #answer}), and
 * sends the response back the way Linux's hv_utils does: an in-band packet, no completion requested, carrying the
 * request's bytes changed in place (same IC transaction id, flags TRANSACTION | RESPONSE). The request packet
 * itself is completed without a payload (the host does not request a completion).
 *
 * <p>Switches for testing the host: {@link #failNextRequest()} fails the next request with VmbChannelPacketFail
 * (the channel's incoming queue then stops until the channel closes), {@link #setAnswering(boolean)} turns
 * answering off (requests are completed but not answered).
 */
public abstract class IcGuestClient implements AutoCloseable {
    /** Ring size per direction: four pages, as Linux's hv_utils opens IC channels. */
    public static final int RING_PAGES = 4;
    /** Largest packet: the IC maximum message size in OpenVMM (13312) rounded up. */
    public static final int MAXIMUM_PACKET_SIZE = 16384 - 64;

    private final IcService service;
    private final List<IcTrafficEvent> traffic = new CopyOnWriteArrayList<>();
    private final List<Consumer<IcTrafficEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failNext = new AtomicBoolean();
    private volatile boolean answering = true;
    private volatile Optional<IcNegotiation> negotiated = Optional.empty();
    private volatile ClientChannel channel;
    private volatile Endpoint endpoint;
    /* attach/reopen/close; never taken on the delivery thread, so closing (which waits for the handler) cannot
     * deadlock with a handler that locks the client itself (KvpClient's pools) */
    private final Object lifecycle = new Object();

    /** A client for {@code service}, not yet attached to a channel. */
    protected IcGuestClient(IcService service) {
        this.service = service;
    }

    /** The service this client speaks. */
    public IcService service() {
        return service;
    }

    /**
     * Opens a client channel to {@code endpoint} (the handler is installed before Enable, so no request is missed)
     * and waits for PostStarted. Fails with {@link IllegalStateException} when the channel does not open in time.
     */
    public void attach(Kmcl kmcl, Endpoint endpoint, Duration openTimeout) {
        synchronized (lifecycle) {
            attachLocked(kmcl, endpoint, openTimeout);
        }
    }

    private void attachLocked(Kmcl kmcl, Endpoint endpoint, Duration openTimeout) {
        if (channel != null && !channel.isClosed()) {
            throw new IllegalStateException("already attached to channel " + channel.id());
        }
        ChannelConfig config = ChannelConfig.builder().maximumPacketSize(MAXIMUM_PACKET_SIZE)
                .ringBufferPages(RING_PAGES, RING_PAGES)
                .targetPnp(endpoint.interfaceType(), endpoint.interfaceInstance()).build();
        ClientChannel ch = kmcl.createClientChannel(endpoint, config);
        ch.onPacket(this::onPacket);
        negotiated = Optional.empty();
        ch.enable();
        if (!ch.awaitStateEvent(StateEvent.POST_STARTED, openTimeout)) {
            String state = ch.state().toString();
            ch.close();
            throw new IllegalStateException(service.word() + " channel did not open within " + openTimeout.toMillis()
                    + " ms (state " + state + ")");
        }
        this.endpoint = endpoint;
        this.channel = ch;
    }

    /** Closes the channel and opens a new one to the same endpoint (the host negotiates again). */
    public void reopen(Kmcl kmcl, Duration openTimeout) {
        synchronized (lifecycle) {
            Endpoint ep = endpoint;
            if (ep == null) {
                throw new IllegalStateException("never attached");
            }
            closeLocked();
            attachLocked(kmcl, ep, openTimeout);
        }
    }

    /** The open channel. */
    public ClientChannel channel() {
        ClientChannel ch = channel;
        if (ch == null) {
            throw new IllegalStateException("not attached");
        }
        return ch;
    }

    /** The versions this guest chose in the last negotiation on the current channel; empty before one. */
    public Optional<IcNegotiation> negotiated() {
        return negotiated;
    }

    /** Fails the next request (any type) with VmbChannelPacketFail instead of answering it. */
    public void failNextRequest() {
        failNext.set(true);
    }

    /** Answers requests (true, the default) or completes them without an answer (false). */
    public void setAnswering(boolean answer) {
        this.answering = answer;
    }

    /** Every request seen so far, oldest first. */
    public List<IcTrafficEvent> traffic() {
        return List.copyOf(traffic);
    }

    /** Calls {@code listener} for every later request, on the channel's delivery thread. */
    public void onTraffic(Consumer<IcTrafficEvent> listener) {
        listeners.add(listener);
    }

    /** The service's answer to a request other than NEGOTIATE (called on the delivery thread). */
    protected abstract IcReply answer(IcMessage request);

    private void onPacket(IncomingPacket packet) {
        byte[] bytes = packet.payloadBytes();
        IcMessage request;
        try {
            request = IcMessage.decode(bytes);
        } catch (MalformedIcMessageException e) {
            record(new IcTrafficEvent(Instant.now(), "MALFORMED", -1, IcTrafficEvent.Action.MALFORMED,
                    "malformed request (" + bytes.length + " bytes): " + e.getMessage(), Map.of("bytes", bytes.length)));
            packet.complete();
            return;
        }
        IcHeader header = request.header();
        if (failNext.compareAndSet(true, false)) {
            record(new IcTrafficEvent(Instant.now(), header.messageType().name(), header.transactionId(),
                    IcTrafficEvent.Action.FAILED, header.messageType().name().toLowerCase(java.util.Locale.ROOT)
                    + " request failed with VmbChannelPacketFail (the incoming queue stops)", Map.of()));
            packet.fail();
            return;
        }
        IcReply reply = header.messageType() == IcMessageType.NEGOTIATE ? negotiate(request) : answerSafely(request);
        if (!answering) {
            record(new IcTrafficEvent(Instant.now(), header.messageType().name(), header.transactionId(),
                    IcTrafficEvent.Action.NOT_ANSWERED, reply.summary() + " (not answered: answering is off)", reply.details()));
            packet.complete();
            return;
        }
        IcMessage response = new IcMessage(header.responseWith(reply.body().length, reply.status()), reply.body());
        // recorded before the answer leaves, so whoever sees the answer also finds it in traffic()
        record(new IcTrafficEvent(Instant.now(), header.messageType().name(), header.transactionId(),
                IcTrafficEvent.Action.ANSWERED, reply.summary(), reply.details()));
        try {
            packet.channel().send(response.encode());
        } catch (RuntimeException closing) {
            // the channel is closing under us (Disable from another thread): the request still ends exactly once
            record(new IcTrafficEvent(Instant.now(), header.messageType().name(), header.transactionId(),
                    IcTrafficEvent.Action.NOT_ANSWERED, "answer not sent: " + closing.getMessage(), Map.of()));
        } finally {
            packet.complete();
        }
    }

    private IcReply answerSafely(IcMessage request) {
        try {
            return answer(request);
        } catch (MalformedIcMessageException e) {
            return new IcReply(request.body(), IcStatus.FAIL, "malformed " + request.header().messageType().name()
                    .toLowerCase(java.util.Locale.ROOT) + " body: " + e.getMessage(), Map.of());
        }
    }

    private IcReply negotiate(IcMessage request) {
        IcNegotiation offered;
        try {
            offered = IcNegotiation.decode(request.body());
        } catch (MalformedIcMessageException e) {
            return new IcReply(IcNegotiation.encodeNoCommonVersion(), IcStatus.FAIL, "malformed negotiation: "
                    + e.getMessage(), Map.of());
        }
        Optional<IcNegotiation> pick = offered.choose(IcService.FRAMEWORK_VERSIONS, service.messageVersions());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("offeredFramework", offered.frameworkVersions().toString());
        d.put("offeredMessage", offered.messageVersions().toString());
        if (pick.isEmpty()) {
            return new IcReply(IcNegotiation.encodeNoCommonVersion(), IcStatus.FAIL, "negotiation: host offered framework "
                    + offered.frameworkVersions() + ", message " + offered.messageVersions() + "; no common version", d);
        }
        negotiated = pick;
        d.put("framework", pick.get().chosenFramework().toString());
        d.put("message", pick.get().chosenMessage().toString());
        return new IcReply(pick.get().encode(), IcStatus.OK, "negotiation: host offered framework "
                + offered.frameworkVersions() + ", message " + offered.messageVersions() + "; chose framework "
                + pick.get().chosenFramework() + ", message " + pick.get().chosenMessage(), d);
    }

    private void record(IcTrafficEvent event) {
        traffic.add(event);
        for (Consumer<IcTrafficEvent> l : listeners) {
            l.accept(event);
        }
    }

    /** Closes the channel (Disable + Cleanup); a client never attached or already closed is left alone. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closeLocked();
        }
    }

    private void closeLocked() {
        ClientChannel ch = channel;
        if (ch != null && !ch.isClosed()) {
            ch.close();
        }
    }
}
