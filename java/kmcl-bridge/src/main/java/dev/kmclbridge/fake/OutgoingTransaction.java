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
    /** A completion packet (VMBus type 0xB) for the peer's transaction {@link #txId}, not a send of ours. */
    final boolean completion;
    /** Counted once in RING_FULL_EVENTS. */
    boolean sawRingFull;
    boolean done;
    int status;
    byte[] reply;

    OutgoingTransaction(long tag, long txId, byte[] payload, byte[] external, boolean waitForCompletion,
                        boolean synchronous) {
        this(tag, txId, payload, external, waitForCompletion, synchronous, false);
    }

    private OutgoingTransaction(long tag, long txId, byte[] payload, byte[] external, boolean waitForCompletion,
                                boolean synchronous, boolean completion) {
        this.tag = tag;
        this.txId = txId;
        this.payload = payload;
        this.external = external;
        this.waitForCompletion = waitForCompletion;
        this.synchronous = synchronous;
        this.completion = completion;
    }

    /** The completion packet our side owes the peer for its transaction {@code peerTxId} (B64). */
    static OutgoingTransaction completionOf(long peerTxId, byte[] payload) {
        return new OutgoingTransaction(0, peerTxId, payload, null, false, false, true);
    }

    long onRingSize() {
        return PacketFraming.onRingSize(payload.length, external == null ? 0 : external.length);
    }

    int bytes() {
        return payload.length + (external == null ? 0 : external.length);
    }
}
