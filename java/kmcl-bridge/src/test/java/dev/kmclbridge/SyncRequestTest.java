package dev.kmclbridge;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How a synchronous request's timeout reaches KMCL: relative 100 ns units, never rounded down to "do not wait". */
class SyncRequestTest {
    private static long units(Duration timeout) {
        return SyncRequest.builder(new byte[8]).timeout(timeout).build().relativeTimeout100ns();
    }

    @Test
    void noTimeoutAndZeroTimeoutAreZero() {
        assertEquals(0, SyncRequest.builder(new byte[8]).build().relativeTimeout100ns());
        assertEquals(0, units(Duration.ZERO));
    }

    @Test
    void aNonZeroTimeoutRoundsUpToWhole100NanosecondUnits() {
        assertEquals(-1, units(Duration.ofNanos(1)));
        assertEquals(-1, units(Duration.ofNanos(99)));
        assertEquals(-1, units(Duration.ofNanos(100)));
        assertEquals(-2, units(Duration.ofNanos(101)));
        assertEquals(-1_500_000, units(Duration.ofMillis(150)));
        assertEquals(-10_000_001, units(Duration.ofSeconds(1, 1)));
    }

    @Test
    void aTimeoutKmclCannotExpressBecomesTheLongestItCan() {
        assertEquals(-Long.MAX_VALUE, units(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(-Long.MAX_VALUE, units(Duration.ofDays(365L * 1_000_000)));
    }
}
