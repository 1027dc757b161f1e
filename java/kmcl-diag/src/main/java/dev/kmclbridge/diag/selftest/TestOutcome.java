package dev.kmclbridge.diag.selftest;

import java.util.List;

/**
 * One conformance test's result.
 *
 * @param test        "Class.method" (simple class name)
 * @param displayName JUnit display name
 * @param behaviors   catalog ids it names (empty when it names none)
 * @param result      PASS, FAIL or SKIP (skipped or aborted)
 * @param message     first line of the failure or skip reason; null when passed
 */
public record TestOutcome(String test, String displayName, List<String> behaviors, String result, String message) {
    public TestOutcome {
        behaviors = List.copyOf(behaviors);
    }
}
