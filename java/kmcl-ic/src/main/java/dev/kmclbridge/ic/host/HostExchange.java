package dev.kmclbridge.ic.host;

import dev.kmclbridge.ic.IcMessage;

import java.util.Optional;

/**
 * One request the host model sent and what the guest did with it.
 *
 * @param request  the request as sent
 * @param outcome  how the exchange ended
 * @param response the guest's in-band answer (present when ANSWERED)
 * @param strays   in-band packets that arrived while waiting but did not answer this request (stale answers)
 */
public record HostExchange(IcMessage request, Outcome outcome, Optional<IcMessage> response, int strays) {
    /** The ways an exchange ends. */
    public enum Outcome {
        /** An in-band response with our IC transaction id and the RESPONSE flag arrived. */
        ANSWERED,
        /** The guest failed our packet with VmbChannelPacketFail. */
        FAILED_BY_GUEST,
        /**
         * Nothing answered within the wait (the packet may still sit in the guest's ring); the model says so at once
         * when the guest's incoming queue is stopped by an earlier fail, since the packet cannot be delivered then.
         */
        NOT_ANSWERED,
        /** Something answered that did not decode as an IC message. */
        MALFORMED_ANSWER
    }

    /** The response, or an IllegalStateException naming the outcome. */
    public IcMessage requireResponse() {
        return response.orElseThrow(() -> new IllegalStateException("no response: " + outcome));
    }
}
