package dev.kmclbridge.diag.selftest;

import java.util.List;

/**
 * One conformance test's result.
 *
 * @param test        "Class.method" (simple class name)
 * @param displayName JUnit display name
 * @param behaviors   catalog ids it names (empty when it names none)
 * @param result      PASS, FAIL, SKIP (skipped or aborted) or {@value #NEEDS_PEER} (not run: needs the scriptable peer
 *                    the backend lacks)
 * @param message     first line of the failure or skip reason; null when passed
 */
public record TestOutcome(String test, String displayName, List<String> behaviors, String result, String message) {
    /** The result of a test that needs a scriptable peer on a backend without one (native): it did not run. */
    public static final String NEEDS_PEER = "NEEDS-PEER";

    public TestOutcome {
        behaviors = List.copyOf(behaviors);
    }
}
