package dev.kmclbridge.junit;

import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.junit.fixtures.HeldPacketFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.TestExecutionResult;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The {@code @KmclTest} extension ends the packets a test left held (issue 8 item 12): the test's own failure is
 * reported instead of its teardown waiting for ever in close, and held packets are failed and named. Runs the
 * fixtures of {@link HeldPacketFixtures} through the JUnit launcher, on fake and (when built) loopback.
 */
class KmclExtensionTest {
    /** How long a fixture may take; a teardown that hangs fails the test here. */
    private static final long FIXTURE_SECONDS = 60;

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void failingAssertionWhileAPacketIsHeldIsReportedAndThePacketFailed(String backend) throws Exception {
        TestExecutionResult r = run(backend, HeldPacketFixtures.AssertionFailsWhileHolding.class);
        assertEquals(TestExecutionResult.Status.FAILED, r.getStatus());
        Throwable thrown = r.getThrowable().orElseThrow();
        assertTrue(thrown.getMessage().contains(HeldPacketFixtures.AssertionFailsWhileHolding.MESSAGE),
                "the test's own failure comes first: " + thrown);
        IncomingPacket held = HeldPacketFixtures.lastPacket;
        assertTrue(Arrays.stream(thrown.getSuppressed()).anyMatch(s -> names(s, held)),
                "the held packet is reported with the test's failure: " + Arrays.toString(thrown.getSuppressed()));
        assertEquals(Optional.of(IncomingPacket.Ending.FAILED), held.ending());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void packetAThrowingHandlerLeftOpenFailsTheTestNamingIt(String backend) throws Exception {
        TestExecutionResult r = run(backend, HeldPacketFixtures.HandlerThrowsWithoutEnding.class);
        assertEquals(TestExecutionResult.Status.FAILED, r.getStatus());
        IncomingPacket held = HeldPacketFixtures.lastPacket;
        assertTrue(names(r.getThrowable().orElseThrow(), held), "report names the packet: " + r.getThrowable());
        assertEquals(Optional.of(IncomingPacket.Ending.FAILED), held.ending());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void testThatEndsItsPacketsPasses(String backend) throws Exception {
        TestExecutionResult r = run(backend, HeldPacketFixtures.EndsItsPackets.class);
        assertEquals(TestExecutionResult.Status.SUCCESSFUL, r.getStatus(), () -> String.valueOf(r.getThrowable()));
        assertEquals(Optional.of(IncomingPacket.Ending.COMPLETED), HeldPacketFixtures.lastPacket.ending());
    }

    private static boolean names(Throwable report, IncomingPacket packet) {
        return report.getMessage() != null && report.getMessage().contains("held")
                && report.getMessage().contains(String.valueOf(packet.id()));
    }

    /** Runs the one test of {@code fixture} on {@code backend} and returns its result. */
    private static TestExecutionResult run(String backend, Class<?> fixture) throws Exception {
        HeldPacketFixtures.lastPacket = null;
        Map<String, TestExecutionResult> results = LauncherRun.run(backend, FIXTURE_SECONDS, selectClass(fixture));
        assertEquals(1, results.size(), results::toString);
        return results.values().iterator().next();
    }
}
