package dev.kmclbridge.diag.selftest;

import java.util.List;

/**
 * One row of the selftest table: a behavior id, the tests that check it and the combined result (FAIL if any
 * failed, else SKIP if any was skipped, else PASS).
 */
public record BehaviorRow(String behavior, String result, List<TestOutcome> tests) {
    public BehaviorRow {
        tests = List.copyOf(tests);
    }
}
