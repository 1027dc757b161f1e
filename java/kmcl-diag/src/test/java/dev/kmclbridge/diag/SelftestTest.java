package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmclbridge.diag.selftest.BehaviorIds;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** selftest's launcher, table and exit code, on fixture "contracts" (the real suite runs in scripts/test-diag-launcher.sh). */
class SelftestTest {
    private static final String PKG = "dev.kmclbridge.diag.selftestfixture";

    @Test
    void allPassingGivesExitZeroAndATableRowPerBehavior() {
        Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", ".*PassingContract");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("BEHAVIOR  RESULT TEST"), r::toString);
        assertRow(r, "B10", "PASS", "PassingContract.B10_backendIsTheSelectedOne");
        assertRow(r, "B73", "PASS", "PassingContract.B73_B74_twoIdsInOneName");
        assertRow(r, "B74", "PASS", "PassingContract.B73_B74_twoIdsInOneName");
        assertTrue(r.out().contains("2 tests: 2 passed, 0 failed, 0 skipped; 3 behaviors covered (0 failing) on backend fake"), r::toString);
        assertTrue(r.out().contains("SELFTEST PASSED"));
    }

    @Test
    void aFailureOrSkipGivesExitOneAndShowsTheMessage() {
        Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", ".*(Passing|Failing)Contract");
        assertEquals(1, r.code(), r::toString);
        assertRow(r, "B64", "FAIL", "FailingContract.B64_completionPayloadReachesSender");
        assertTrue(r.out().contains("-> AssertionFailedError: expected completion payload 01 but was empty"), r::toString);
        assertRow(r, "B99", "SKIP", "FailingContract.B99_skipped");
        assertRow(r, "-", "PASS", "FailingContract.helperWithoutId");
        assertTrue(r.out().contains("SELFTEST FAILED"));
    }

    @Test
    void jsonReportParses() {
        Cli.Result r = Cli.fake("selftest", "--json", "--package", PKG, "--classes", ".*(Passing|Failing)Contract");
        assertEquals(1, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals(5, j.get("tests").asInt());
        assertEquals(3, j.get("passed").asInt());
        assertEquals(1, j.get("failed").asInt());
        assertEquals(1, j.get("skipped").asInt());
        assertEquals("B10", j.get("table").get(0).get("behavior").asText());
    }

    @Test
    void simpleClassNamesSelectContractsLikeFullyQualifiedOnes() {
        for (String classes : new String[] {"PassingContract", "Passing.*", PKG + ".PassingContract"}) {
            Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", classes);
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("2 tests: 2 passed"), r::toString);
        }
    }

    @Test
    void noTestsFoundIsAFailure() {
        Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", ".*NoSuchContract");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("no conformance tests found"), r::toString);
    }

    @Test
    void aHungTestIsReportedAsFailedAndTheRunGoesOn() {
        Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", ".*HangingContract", "--test-timeout", "0.5");
        assertEquals(1, r.code(), r::toString);
        assertRow(r, "B1", "FAIL", "HangingContract.B1_hangs");
        assertTrue(r.out().contains("hung"), r::toString);
        assertRow(r, "B2", "PASS", "HangingContract.B2_runsAfterTheHang");
    }

    @Test
    void behaviorIdsAreParsedFromTestNames() {
        assertEquals(List.of("B64"), BehaviorIds.in("B64_completionPayloadReachesSender"));
        assertEquals(List.of("B73", "B74"), BehaviorIds.in("B73_B74_failStopsQueue"));
        assertEquals(List.of("B5"), BehaviorIds.in("x", "B5 display name"));
        assertEquals(List.of(), BehaviorIds.in("testBuffer", "AB12", "B12a3"));
        assertTrue(BehaviorIds.compare("B2", "B10") < 0);
        assertTrue(BehaviorIds.compare("B157", "-") < 0);
    }

    @Test
    void onABackendWithoutAPeerThePeerNeedingTestsAreListedAsSuchAndTheExitCountsOnlyWhatRan() {
        Cli.Result r = onPeerlessFake("selftest", "--package", PKG, "--classes", "(Passing|PeerNeeding)Contract");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("BEHAVIOR  RESULT     TEST"), r::toString);
        assertRow(r, "(B10)?", "PASS", "PassingContract.B10_backendIsTheSelectedOne");
        assertRow(r, "(B10)?", "NEEDS-PEER", "PeerNeedingContract.B10_opensAClientChannelToAPeerOffer");
        assertRow(r, "B20", "NEEDS-PEER", "PeerNeedingContract.B20_takesAPeer");
        assertRow(r, "B21", "NEEDS-PEER", "PeerNeedingContract.B21_offersADevice");
        assertTrue(r.out().contains("5 tests: 2 passed, 0 failed, 0 skipped, 3 not run (needs a scriptable peer "
                + "(fake/loopback)); 3 behaviors covered (0 failing) on backend fake-no-peer"), r::toString);
        assertTrue(r.out().contains("SELFTEST PASSED"), r::toString);
    }

    @Test
    void onABackendWithoutAPeerTheJsonCountsThePeerNeedingTestsApart() {
        Cli.Result r = onPeerlessFake("selftest", "--json", "--package", PKG, "--classes", "(Failing|PeerNeeding)Contract");
        assertEquals(1, r.code(), "a failure among the tests that ran still fails: " + r);
        JsonNode j = r.json();
        assertEquals(6, j.get("tests").asInt(), r::toString);
        assertEquals(3, j.get("ran").asInt());
        assertEquals(3, j.get("needsPeer").asInt());
        assertEquals(1, j.get("passed").asInt());
        assertEquals(1, j.get("failed").asInt());
        assertEquals(1, j.get("skipped").asInt());
        JsonNode b20 = row(j, "B20");
        assertEquals("NEEDS-PEER", b20.get("result").asText());
        assertTrue(b20.get("tests").get(0).get("message").asText().startsWith("needs a scriptable peer (fake/loopback)"),
                b20::toString);
    }

    @Test
    void whenEverySelectedTestNeedsAPeerNothingRanAndTheSelftestFails() {
        Cli.Result r = onPeerlessFake("selftest", "--package", PKG, "--classes", "PeerNeedingContract");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("no test ran: each of the 3 selected tests needs a scriptable peer"), r::toString);
        assertTrue(r.out().contains("SELFTEST FAILED"), r::toString);
    }

    @Test
    void theSameTestsAllRunAndPassOnTheFake() {
        Cli.Result r = Cli.fake("selftest", "--package", PKG, "--classes", "(Passing|PeerNeeding)Contract");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("5 tests: 5 passed, 0 failed, 0 skipped; 5 behaviors covered"), r::toString);
        assertFalse(r.out().contains("NEEDS-PEER"), r::toString);
    }

    /** The shipped suite on a peerless backend: its peer-free tests pass, the rest need a peer, none fails. */
    @Test
    void theConformanceSuiteOnABackendWithoutAPeerPassesWhatRuns() {
        Cli.Result r = onPeerlessFake("selftest", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertTrue(j.get("needsPeer").asInt() > 0 && j.get("passed").asInt() > 0, r::toString);
        assertEquals(j.get("ran").asInt(), j.get("passed").asInt(), r::toString);
    }

    private static Cli.Result onPeerlessFake(String... args) {
        return Cli.onTestBackend(PeerlessFakeBackendProvider.NAME, args);
    }

    private static JsonNode row(JsonNode report, String behavior) {
        for (JsonNode row : report.get("table")) {
            if (row.get("behavior").asText().equals(behavior)) {
                return row;
            }
        }
        throw new AssertionError("no row " + behavior + " in " + report);
    }

    /**
     * The table has a row for {@code test} with {@code result} in the column of {@code behavior} ("-" for none; a
     * regular expression, so "(B10)?" also accepts the row's second line, whose column is blank).
     */
    private static void assertRow(Cli.Result r, String behavior, String result, String test) {
        Pattern row = Pattern.compile("^" + (behavior.equals("-") ? "-" : behavior) + "\\s+" + Pattern.quote(result) + "\\s+" + Pattern.quote(test),
                Pattern.MULTILINE);
        assertTrue(row.matcher(r.out()).find(), r::toString);
    }
}
