package dev.kmclbridge.junit;

import dev.kmclbridge.junit.fixtures.PeerNeedingFixtures;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestExecutionResult.Status;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

/**
 * On a backend without a scriptable peer (native on a VM; here the fake with its peer hidden) a test that needs the
 * peer is aborted with {@link ScriptablePeerNeeded}, never failed, and a test that needs none runs as usual.
 */
class PeerlessBackendTest {
    @Test
    void testsNeedingAPeerAreAbortedAsNeedingOneAndTheOthersRun() throws Exception {
        PeerNeedingFixtures.peerTestBodyRan = false;
        Map<String, TestExecutionResult> r = LauncherRun.run(PeerlessFakeBackendProvider.NAME, 60,
                selectClass(PeerNeedingFixtures.class));
        assertEquals(3, r.size(), r::toString);
        assertNeedsPeer(result(r, "takesAPeer"));
        assertNeedsPeer(result(r, "opensAClientChannelToAPeerOffer"));
        assertEquals(Status.SUCCESSFUL, result(r, "needsNoPeer").getStatus(), r::toString);
        assertFalse(PeerNeedingFixtures.peerTestBodyRan, "a test that takes a Peer is aborted before its body runs");
    }

    @Test
    void theSameFixturesAllPassOnTheFake() throws Exception {
        Map<String, TestExecutionResult> r = LauncherRun.run("fake", 60, selectClass(PeerNeedingFixtures.class));
        assertEquals(3, r.size(), r::toString);
        r.forEach((name, result) -> assertEquals(Status.SUCCESSFUL, result.getStatus(), name + ": " + result));
    }

    /** The whole shipped suite on a peerless backend: every test passes or needs a peer; none fails. */
    @Test
    void everyConformanceTestEitherPassesOrNeedsAPeerWithoutOne() throws Exception {
        Map<String, TestExecutionResult> r = LauncherRun.run(PeerlessFakeBackendProvider.NAME, 600,
                selectPackage("dev.kmclbridge.conformance"));
        Map<String, TestExecutionResult> contracts = r.entrySet().stream()
                .filter(e -> e.getKey().contains("Contract."))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        String other = contracts.entrySet().stream()
                .filter(e -> e.getValue().getStatus() != Status.SUCCESSFUL && !needsPeer(e.getValue()))
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("\n"));
        assertTrue(other.isEmpty(), "neither passed nor needs a peer:\n" + other);
        long needing = contracts.values().stream().filter(PeerlessBackendTest::needsPeer).count();
        assertTrue(needing > 0 && needing < contracts.size(), needing + " of " + contracts.size() + " need a peer");
    }

    private static TestExecutionResult result(Map<String, TestExecutionResult> r, String method) {
        return r.entrySet().stream().filter(e -> e.getKey().startsWith("PeerNeedingFixtures." + method + "["))
                .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new AssertionError(method + " not in " + r));
    }

    private static boolean needsPeer(TestExecutionResult r) {
        return r.getStatus() == Status.ABORTED && r.getThrowable().orElse(null) instanceof ScriptablePeerNeeded;
    }

    private static void assertNeedsPeer(TestExecutionResult r) {
        assertTrue(needsPeer(r), () -> "expected an abort as needing a peer, got " + r);
        assertTrue(r.getThrowable().orElseThrow().getMessage().startsWith(ScriptablePeerNeeded.REASON),
                () -> String.valueOf(r.getThrowable()));
    }
}
