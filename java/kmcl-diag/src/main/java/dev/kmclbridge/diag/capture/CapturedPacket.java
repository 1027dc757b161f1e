package dev.kmclbridge.diag.capture;

import dev.kmclbridge.diag.Hex;

/**
 * One packet of a capture.
 *
 * @param seq                 order of the packet on the channel (1-based, both directions share the counter)
 * @param direction           {@value #IN}: the other side sent it to us; {@value #OUT}: we sent it
 * @param atNanos             when it was delivered (in) or sent (out), nanoseconds since the capture started
 * @param payload             inline payload, lower-case hex
 * @param external            external data, hex ("" when none)
 * @param completionRequested the sender asked for a completion (WAIT_FOR_COMPLETION)
 * @param verdict             how the packet ended: {@value #COMPLETED}, {@value #FAILED} or {@value #PENDING}
 *                            (not ended while capturing); for "in" our verdict, for "out" the other side's
 * @param completionPayload   hex completion payload ("" when none or not completed)
 * @param verdictAtNanos      when the verdict happened (null when pending)
 */
public record CapturedPacket(long seq, String direction, long atNanos, String payload, String external,
                             boolean completionRequested, String verdict, String completionPayload, Long verdictAtNanos)
        implements CaptureRecord {
    public static final String IN = "in";
    public static final String OUT = "out";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String PENDING = "pending";

    public byte[] payloadBytes() {
        return Hex.decode(payload);
    }

    public byte[] externalBytes() {
        return Hex.decode(external);
    }

    public byte[] completionPayloadBytes() {
        return Hex.decode(completionPayload);
    }

    public boolean incoming() {
        return IN.equals(direction);
    }
}
