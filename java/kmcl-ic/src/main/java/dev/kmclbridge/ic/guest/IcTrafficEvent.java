package dev.kmclbridge.ic.guest;

import java.time.Instant;
import java.util.Map;

/**
 * One request the guest side received and what it did with it.
 *
 * @param at            when it arrived
 * @param type          the IC message type ("NEGOTIATE", "HEARTBEAT", ...; "MALFORMED" when it did not decode)
 * @param transactionId the IC header's transaction id (-1 when malformed)
 * @param action        ANSWERED, NOT_ANSWERED (answering switched off), FAILED (VmbChannelPacketFail), MALFORMED
 * @param summary       the exchange in plain words
 * @param details       the values behind the summary (sequence numbers, versions, time offset, KVP pair)
 */
public record IcTrafficEvent(Instant at, String type, int transactionId, Action action, String summary,
                             Map<String, Object> details) {
    /** What the guest did with the request. */
    public enum Action {
        /** Answered in-band. */
        ANSWERED,
        /** Completed without an answer (stop-answering switch). */
        NOT_ANSWERED,
        /** Failed with VmbChannelPacketFail: the channel's incoming queue stops. */
        FAILED,
        /** Did not decode; completed without an answer. */
        MALFORMED
    }

    /** Details are copied. */
    public IcTrafficEvent {
        details = Map.copyOf(details);
    }
}
