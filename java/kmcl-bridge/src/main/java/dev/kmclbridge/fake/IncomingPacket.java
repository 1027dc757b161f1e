package dev.kmclbridge.fake;

/** A peer packet taken off our incoming ring: staged (not delivered), delivered, or retired. */
final class IncomingPacket {
    static final int STAGED = 0;
    static final int DELIVERED = 1;
    static final int RETIRED = 2;

    final FakeChannel channel;
    final long peerTxId;
    final byte[] payload;
    /** External data, or null when the packet had none. */
    final byte[] external;
    final boolean completionRequested;
    /** Backend-unique id, assigned at the first delivery (0 before). */
    long id;
    int state = STAGED;
    /** Set by DeferToPassive: later deliveries are redeliveries at PASSIVE_LEVEL. */
    boolean deferred;
    /** Deferred and not yet delivered again: until then its id is refused as retired (B71). */
    boolean awaitingRedelivery;

    IncomingPacket(FakeChannel channel, long peerTxId, byte[] payload, byte[] external, boolean completionRequested) {
        this.channel = channel;
        this.peerTxId = peerTxId;
        this.payload = payload;
        this.external = external;
        this.completionRequested = completionRequested;
    }

    int bodyBytes() {
        return payload.length + (external == null ? 0 : external.length);
    }

    long onRingSize() {
        return PacketFraming.onRingSize(payload.length, external == null ? 0 : external.length);
    }
}
