package dev.kmclbridge.diag.bench;

/**
 * The outcome of a bench run.
 *
 * @param backend        backend name
 * @param direction      "out" or "in"
 * @param payloadSize    bytes per packet
 * @param window         packets in flight at most
 * @param packets        packets measured
 * @param seconds        measured wall time
 * @param packetsPerSecond throughput in packets
 * @param megabytesPerSecond throughput in payload MB (10^6 bytes) per second
 * @param latency        per-packet latency: send to completion (out) or send to delivery (in)
 */
public record BenchResult(String backend, String direction, int payloadSize, int window, long packets, double seconds,
                          double packetsPerSecond, double megabytesPerSecond, LatencySummary latency) {
}
