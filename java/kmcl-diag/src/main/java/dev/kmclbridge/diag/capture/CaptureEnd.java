package dev.kmclbridge.diag.capture;

/**
 * Last line of a complete capture.
 *
 * @param packets       packet records written
 * @param durationNanos length of the capture
 * @param queueStopped  the incoming queue was stopped by a failed packet when the capture ended
 */
public record CaptureEnd(long packets, long durationNanos, boolean queueStopped) implements CaptureRecord {
}
