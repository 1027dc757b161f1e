package dev.kmclbridge.peer;

/**
 * How our side ended one of the peer's packets.
 *
 * @param txId    the peer's transaction id
 * @param kind    completed, failed or still pending (timeout)
 * @param payload completion payload (empty unless COMPLETED with a payload and a completion was requested)
 */
public record PeerOutcome(long txId, Kind kind, byte[] payload) {
    /** The three possible states. */
    public enum Kind {
        /** Our side completed it (a completion packet arrived if one was requested). */
        COMPLETED,
        /** Our side failed it with VmbChannelPacketFail: no completion will ever arrive. */
        FAILED,
        /** Not ended within the wait. */
        PENDING
    }
}
