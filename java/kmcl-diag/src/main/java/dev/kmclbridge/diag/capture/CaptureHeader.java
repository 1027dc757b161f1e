package dev.kmclbridge.diag.capture;

/**
 * First line of a capture file.
 *
 * @param format            always {@value #FORMAT}
 * @param version           format version, {@value #VERSION}
 * @param createdAt         ISO-8601 UTC time the capture started
 * @param backend           backend the traffic was recorded on (fake, loopback, native)
 * @param endpointType      class GUID of the endpoint
 * @param endpointInstance  instance GUID of the endpoint
 * @param endpointName      its name
 * @param channel           channel id (hex) during the capture
 * @param completeFilter    the packet filter of packets kmcl-diag completed (replay re-applies it)
 * @param failFilter        the packet filter of packets kmcl-diag failed
 * @param completionPayload hex completion payload kmcl-diag answered with
 */
public record CaptureHeader(String format, int version, String createdAt, String backend, String endpointType,
                            String endpointInstance, String endpointName, String channel, String completeFilter,
                            String failFilter, String completionPayload) implements CaptureRecord {
    /** The format name. */
    public static final String FORMAT = "kmcl-capture";
    /** The only version so far. */
    public static final int VERSION = 1;
}
