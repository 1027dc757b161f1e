package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The channel a traffic command works on. kmcl-diag owns its backend, so:
 * <ul>
 *   <li>on fake/loopback (a backend with a peer) and no --endpoint: the peer makes a fresh offer of
 *       {@link #DIAG_TYPE} and we open a client channel to it; the peer then plays the host side;</li>
 *   <li>with --endpoint TYPE-OR-INSTANCE-GUID: a client channel to that endpoint (the only choice on native).</li>
 * </ul>
 */
public final class ChannelRig implements AutoCloseable {
    /** Interface type of the offers kmcl-diag makes on backends with a peer. */
    public static final UUID DIAG_TYPE = UUID.fromString("7a1c0d3e-5b2f-4e8a-9c61-d1a9e0b4c2f7");
    /** The name those offers show in endpoint listings. */
    public static final String DIAG_OFFER_NAME = "kmcl-diag test device";

    private final ClientChannel channel;
    private final Endpoint endpoint;
    private final Optional<Peer> peer;

    private ChannelRig(ClientChannel channel, Endpoint endpoint, Optional<Peer> peer) {
        this.channel = channel;
        this.endpoint = endpoint;
        this.peer = peer;
    }

    /**
     * Opens an enabled client channel that has reached POST_STARTED. {@code handler} is installed before
     * Enable. Fails with {@link ExitCode#USAGE} when no endpoint is given on a backend without a peer, with
     * {@link ExitCode#BAD_INPUT} when the endpoint does not exist, with {@link ExitCode#TIMEOUT} when the channel
     * does not open in time.
     */
    public static ChannelRig open(Kmcl kmcl, Optional<UUID> endpointGuid, ChannelConfig config,
                                  PacketHandler handler, Duration openTimeout) {
        Optional<Peer> peer = kmcl.peer();
        Endpoint ep;
        if (endpointGuid.isPresent()) {
            ep = findEndpoint(kmcl.endpoints(), endpointGuid.get());
        } else if (peer.isPresent()) {
            PeerOffer offer = peer.get().offer(DIAG_TYPE, UUID.randomUUID(), new OfferOptions(0, 0, DIAG_OFFER_NAME));
            ep = kmcl.endpoint(offer.endpointId());
        } else {
            throw DiagFailure.usage("backend '" + kmcl.info().name() + "' has no peer to play the other side; "
                    + "choose a real endpoint with --endpoint TYPE-OR-INSTANCE-GUID (see 'kmcl-diag endpoints')");
        }
        ChannelConfig c = config.toBuilder().targetPnp(ep.interfaceType(), ep.interfaceInstance()).build();
        ClientChannel ch = kmcl.createClientChannel(ep, c);
        ch.onPacket(handler);
        ch.enable();
        if (!ch.awaitStateEvent(StateEvent.POST_STARTED, openTimeout)) {
            String state = ch.state() + ", callbacks " + ch.stateHistory().stream().map(s -> s.event().name()).toList();
            ch.close();
            throw new DiagFailure(ExitCode.TIMEOUT, "channel to " + describe(ep) + " did not open within "
                    + openTimeout.toMillis() + " ms (state " + state + ")");
        }
        return new ChannelRig(ch, ep, peer);
    }

    /** The endpoint whose class (type) or instance GUID is {@code guid}; bad input when there is none. */
    public static Endpoint findEndpoint(List<Endpoint> endpoints, UUID guid) {
        return endpoints.stream().filter(e -> e.interfaceInstance().equals(guid)).findFirst()
                .or(() -> endpoints.stream().filter(e -> e.interfaceType().equals(guid)).findFirst())
                .orElseThrow(() -> DiagFailure.badInput("no endpoint with type or instance GUID " + guid
                        + "; 'kmcl-diag endpoints' lists them"));
    }

    static String describe(Endpoint ep) {
        return "endpoint " + ep.id() + " (" + ep.name() + ", type " + ep.interfaceType() + ", instance "
                + ep.interfaceInstance() + ")";
    }

    public ClientChannel channel() {
        return channel;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The peer playing the other side (fake/loopback only). */
    public Optional<Peer> peer() {
        return peer;
    }

    /** The peer, or a usage error saying that this action needs fake/loopback. */
    public Peer requirePeer(String action) {
        return peer.orElseThrow(() -> DiagFailure.usage(action + " needs a backend with a peer (fake or loopback)"));
    }

    @Override
    public void close() {
        if (!channel.isClosed()) {
            channel.close();
        }
    }
}
