package dev.kmclbridge.ic.guest;

import java.util.Map;

/**
 * A service's answer to one request: the response body and IC status, and the exchange in words.
 *
 * @param body    response body (the request's, changed in place as the references do)
 * @param status  IC status for the response header
 * @param summary the exchange in plain words
 * @param details values for the traffic log
 */
public record IcReply(byte[] body, int status, String summary, Map<String, Object> details) {
    /** Body copied, details copied. */
    public IcReply {
        body = body.clone();
        details = Map.copyOf(details);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
