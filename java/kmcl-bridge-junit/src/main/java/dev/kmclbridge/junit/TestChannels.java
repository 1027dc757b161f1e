package dev.kmclbridge.junit;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Per-test factory for channels wired to the backend's peer: every client channel gets a fresh host offer of
 * its own, every server channel a fresh interface instance, so tests never interfere. {@link KmclTest} injects
 * one; {@link #of} and {@link #open} build one outside the extension.
 */
public final class TestChannels implements AutoCloseable {
    /** How long tests wait for anything asynchronous. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** How long tests wait to be sure something does NOT happen. */
    public static final Duration QUIET = Duration.ofMillis(200);
    /** Interface type used for test offers. */
    public static final UUID TEST_TYPE = UUID.fromString("6b3f1d2e-0c4a-4f7e-9d55-3a1c2b4e5f60");

    private final Kmcl kmcl;

    TestChannels(Kmcl kmcl) {
        this.kmcl = kmcl;
    }

    /** Channels on {@code kmcl}, for tests that open their backend themselves; {@link #close()} closes {@code kmcl}. */
    public static TestChannels of(Kmcl kmcl) {
        return new TestChannels(Objects.requireNonNull(kmcl, "kmcl"));
    }

    /** Channels on the backend {@code backend} opened with {@code options} (e.g. {@code seed}), without the extension. */
    public static TestChannels open(String backend, Map<String, String> options) {
        return of(Kmcl.open(backend, options));
    }

    /** The backend under test. */
    public Kmcl kmcl() {
        return kmcl;
    }

    /**
     * The backend's peer. On a backend without one (native) it throws {@link ScriptablePeerNeeded}, which aborts the
     * test as "needs a scriptable peer" rather than failing it: every factory method below that offers a device or
     * opens a server channel to the guest goes through here.
     */
    public Peer peer() {
        return kmcl.peer().orElseThrow(() -> new ScriptablePeerNeeded(kmcl.info().name()));
    }

    /** A fresh host offer of {@link #TEST_TYPE} with a random instance. */
    public PeerOffer offer() {
        return offer(OfferOptions.defaults());
    }

    /** A fresh host offer with options. */
    public PeerOffer offer(OfferOptions options) {
        return peer().offer(TEST_TYPE, UUID.randomUUID(), options);
    }

    /** The endpoint an offer appears as. */
    public Endpoint endpointOf(PeerOffer offer) {
        return kmcl.endpoint(offer.endpointId());
    }

    /** A disabled client channel targeting a fresh offer (type + instance), with {@code config} applied. */
    public ClientChannel client(ChannelConfig config) {
        PeerOffer o = offer();
        return client(o, config);
    }

    /** A disabled client channel on {@code offer}'s endpoint; targets it exactly unless the config says otherwise. */
    public ClientChannel client(PeerOffer offer, ChannelConfig config) {
        ChannelConfig c = config.targetPnp().isPresent() ? config
                : config.toBuilder().targetPnp(offer.interfaceType(), offer.interfaceInstance()).build();
        return kmcl.createClientChannel(endpointOf(offer), c);
    }

    /** A client channel that is enabled and has delivered POST_STARTED. */
    public ClientChannel openClient(ChannelConfig config) {
        ClientChannel ch = client(config);
        ch.enable();
        awaitPostStarted(ch);
        return ch;
    }

    /** A disabled server channel offering a fresh instance of {@link #TEST_TYPE}. */
    public ServerChannel server(ChannelConfig config) {
        ChannelConfig c = config.targetInterface().isPresent() ? config
                : config.toBuilder().targetInterface(TEST_TYPE, UUID.randomUUID()).build();
        return kmcl.createServerChannel(c);
    }

    /** A server channel that is enabled, started, opened by the guest peer and has delivered POST_STARTED. */
    public ServerChannel openServer(ChannelConfig config) {
        ServerChannel ch = server(config);
        ch.enable();
        ch.start();
        peer().open(ch.id());
        awaitPostStarted(ch);
        return ch;
    }

    private static void awaitPostStarted(dev.kmclbridge.Channel ch) {
        if (!ch.awaitStateEvent(StateEvent.POST_STARTED, TIMEOUT)) {
            throw new AssertionError("channel " + ch.id() + " did not reach POST_STARTED within " + TIMEOUT
                    + "; history " + ch.stateHistory());
        }
    }

    /**
     * Closes the backend. Packets user code still holds are failed first, so that the close cannot wait for ever
     * on them, and an {@link AssertionError} then names them (a test must end every packet it receives).
     */
    @Override
    public void close() {
        HeldPacketCleanup.close(kmcl);
    }
}
