package dev.kmclbridge.diag.bench;

import org.HdrHistogram.Histogram;

/** Latency percentiles in microseconds, from an HdrHistogram recorded in nanoseconds. */
public record LatencySummary(long samples, double minMicros, double p50Micros, double p90Micros, double p99Micros,
                             double p999Micros, double maxMicros, double meanMicros) {
    public static LatencySummary of(Histogram h) {
        return new LatencySummary(h.getTotalCount(), us(h.getMinValue()), us(h.getValueAtPercentile(50)),
                us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)),
                us(h.getMaxValue()), Math.round(h.getMean() / 10.0) / 100.0);
    }

    private static double us(long nanos) {
        return Math.round(nanos / 10.0) / 100.0;
    }
}
