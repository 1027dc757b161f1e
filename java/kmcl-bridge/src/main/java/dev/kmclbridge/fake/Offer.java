package dev.kmclbridge.fake;

import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.spi.EndpointRecord;

import java.util.UUID;

/** A host offer: an endpoint our client channels can bind to (one at a time). The bus lock guards it. */
final class Offer {
    final long id;
    final UUID type;
    final UUID instance;
    final OfferOptions options;
    FakeChannel bound;
    boolean rescinded;

    Offer(long id, UUID type, UUID instance, OfferOptions options) {
        this.id = id;
        this.type = type;
        this.instance = instance;
        this.options = options;
    }

    EndpointRecord endpoint() {
        return new EndpointRecord(id, type, instance, options.interfaceName());
    }

    PeerOffer peerOffer() {
        return new PeerOffer(id, id, type, instance);
    }

    /** True when a client targeting {@code targetType}/{@code targetInstance} (null = any) matches. */
    boolean matches(UUID targetType, UUID targetInstance) {
        return type.equals(targetType) && (targetInstance == null || instance.equals(targetInstance));
    }
}
