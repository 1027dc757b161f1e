package dev.kmclbridge.diag.health;

/**
 * One reason a channel is not healthy.
 *
 * @param kind   what is wrong
 * @param detail one sentence with the numbers
 */
public record HealthFinding(Kind kind, String detail) {
    /** The stuck-channel conditions kmcl-diag detects. */
    public enum Kind {
        /** Delivered packets left uncompleted longer than the limit (the peer's transactions hang). */
        PACKET_HELD_TOO_LONG,
        /** Data waits in the incoming ring and nothing is delivered (lost or early interrupt, paused channel). */
        INCOMING_STALLED,
        /** Our sends wait for ring space and the peer does not read (ring-full stall, back-pressure). */
        OUTGOING_STALLED,
        /** VmbChannelPacketFail stopped the incoming queue: nothing more is delivered until Disable. */
        CHANNEL_FAILED,
        /** The channel is not open (closed or rescinded by the other side, or never connected). */
        NOT_OPEN
    }
}
