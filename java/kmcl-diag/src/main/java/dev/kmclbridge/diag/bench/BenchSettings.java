package dev.kmclbridge.diag.bench;

import java.time.Duration;
import java.util.Optional;

/**
 * What a bench run does.
 *
 * @param direction   OUT: we send, the peer completes; IN: the peer sends, we complete
 * @param payloadSize bytes per packet (at least 8: the first 8 carry a sequence number)
 * @param count       packets to move (ignored when a duration is given)
 * @param duration    run for this long instead of a count
 * @param window      packets in flight at most
 * @param warmup      packets moved first and not measured
 */
public record BenchSettings(Direction direction, int payloadSize, long count, Optional<Duration> duration, int window,
                            long warmup) {
    /** Which way the packets go. */
    public enum Direction { OUT, IN }
}
