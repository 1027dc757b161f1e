package dev.kmclbridge.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The profile rewrites docs/performance.md but keeps its hand-measured part (comparisons it cannot make). */
class PerformanceReportTest {
    @Test
    void handMeasuredPartIsEverythingFromItsMarkerOn() {
        String tail = PerformanceReport.HAND_MEASURED_MARKER + "\n## Before and after\n| a | b |\n";
        assertEquals(tail, PerformanceReport.handMeasuredPart("# Performance\n\ngenerated table\n\n" + tail));
    }

    @Test
    void aReportWithoutTheMarkerKeepsNothing() {
        assertEquals("", PerformanceReport.handMeasuredPart("# Performance\n\ngenerated table\n"));
    }
}
