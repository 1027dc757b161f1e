package dev.kmclbridge.diag.selftest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The selftest result: every test outcome, grouped per behavior id. Tests that need a scriptable peer the backend
 * lacks ({@link TestOutcome#NEEDS_PEER}) did not run: they are listed, and every verdict counts only what ran.
 */
public record SelftestReport(String backend, List<TestOutcome> outcomes) {
    public SelftestReport {
        outcomes = List.copyOf(outcomes);
    }

    public long passed() {
        return count("PASS");
    }

    public long failed() {
        return count("FAIL");
    }

    public long skipped() {
        return count("SKIP");
    }

    /** Tests not run because they need a scriptable peer (fake/loopback) and the backend has none. */
    public long needsPeer() {
        return count(TestOutcome.NEEDS_PEER);
    }

    /** Tests that ran (or were skipped by their own assumptions): all but those that need a peer. */
    public long ran() {
        return outcomes.size() - needsPeer();
    }

    /** True when tests ran and every one that ran passed. */
    public boolean allPassed() {
        return ran() > 0 && passed() == ran();
    }

    private long count(String result) {
        return outcomes.stream().filter(o -> o.result().equals(result)).count();
    }

    /**
     * One row per behavior id (numeric order); tests naming no id are grouped under "-". A row is FAIL if a test
     * failed, else SKIP if one was skipped, else PASS if one ran, else NEEDS-PEER (none of its tests could run).
     */
    public List<BehaviorRow> rows() {
        Map<String, List<TestOutcome>> by = new TreeMap<>(BehaviorIds::compare);
        for (TestOutcome o : outcomes) {
            List<String> ids = o.behaviors().isEmpty() ? List.of("-") : o.behaviors();
            for (String id : ids) {
                by.computeIfAbsent(id, k -> new ArrayList<>()).add(o);
            }
        }
        List<BehaviorRow> rows = new ArrayList<>();
        by.forEach((id, tests) -> rows.add(new BehaviorRow(id, rowResult(tests), tests)));
        return rows;
    }

    private static String rowResult(List<TestOutcome> tests) {
        for (String r : List.of("FAIL", "SKIP", "PASS")) {
            if (tests.stream().anyMatch(t -> t.result().equals(r))) {
                return r;
            }
        }
        return TestOutcome.NEEDS_PEER;
    }

    /** Distinct behavior ids covered by a test that ran. */
    public long behaviorCount() {
        return rows().stream().filter(r -> !r.behavior().equals("-") && !r.result().equals(TestOutcome.NEEDS_PEER)).count();
    }

    /** Behavior ids that ran and did not pass (FAIL or SKIP rows). */
    public long failingBehaviorCount() {
        return rows().stream().filter(r -> !r.behavior().equals("-"))
                .filter(r -> r.result().equals("FAIL") || r.result().equals("SKIP")).count();
    }

    /** JSON-ready view. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", backend);
        m.put("tests", outcomes.size());
        m.put("ran", ran());
        m.put("passed", passed());
        m.put("failed", failed());
        m.put("skipped", skipped());
        m.put("needsPeer", needsPeer());
        m.put("behaviors", behaviorCount());
        m.put("allPassed", allPassed());
        m.put("table", rows());
        return m;
    }
}
