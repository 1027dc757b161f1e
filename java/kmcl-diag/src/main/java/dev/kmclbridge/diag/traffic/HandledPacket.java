package dev.kmclbridge.diag.traffic;

/**
 * One incoming packet as kmcl-diag handled it.
 *
 * @param index               delivery order on the channel, 1-based
 * @param atNanos             System.nanoTime() at delivery
 * @param payload             inline payload
 * @param external            external data (empty when none)
 * @param completionRequested the sender waits for a completion
 * @param decision            what was done with it
 * @param completionPayload   completion payload sent back (empty unless completed)
 */
public record HandledPacket(long index, long atNanos, byte[] payload, byte[] external, boolean completionRequested,
                            PacketPolicy.Decision decision, byte[] completionPayload) {
    /** "completed", "failed" or "held". */
    public String action() {
        return switch (decision) {
            case COMPLETE -> "completed";
            case FAIL -> "failed";
            case HOLD -> "held";
        };
    }
}
