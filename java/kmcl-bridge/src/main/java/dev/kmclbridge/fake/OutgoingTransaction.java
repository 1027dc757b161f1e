package dev.kmclbridge.fake;

/** One of our sends, from acceptance until its completion routine would run. */
final class OutgoingTransaction {
    final long tag;
    final long txId;
    final byte[] payload;
    /** External bytes or null. */
    final byte[] external;
    /** The descriptor asks the peer for a completion. */
    final boolean waitForCompletion;
    /** A synchronous request: the waiting caller gets the result instead of a SEND_COMPLETE event. */
    final boolean synchronous;
    /** Counted once in RING_FULL_EVENTS. */
    boolean sawRingFull;
    boolean done;
    int status;
    byte[] reply;

    OutgoingTransaction(long tag, long txId, byte[] payload, byte[] external, boolean waitForCompletion,
                        boolean synchronous) {
        this.tag = tag;
        this.txId = txId;
        this.payload = payload;
        this.external = external;
        this.waitForCompletion = waitForCompletion;
        this.synchronous = synchronous;
    }

    long onRingSize() {
        return PacketFraming.onRingSize(payload.length, external == null ? 0 : external.length);
    }

    int bytes() {
        return payload.length + (external == null ? 0 : external.length);
    }
}
