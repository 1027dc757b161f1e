package dev.kmclbridge.diag.selftest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The selftest result: every test outcome, grouped per behavior id. */
public record SelftestReport(String backend, List<TestOutcome> outcomes) {
    public SelftestReport {
        outcomes = List.copyOf(outcomes);
    }

    public long passed() {
        return outcomes.stream().filter(o -> o.result().equals("PASS")).count();
    }

    public long failed() {
        return outcomes.stream().filter(o -> o.result().equals("FAIL")).count();
    }

    public long skipped() {
        return outcomes.stream().filter(o -> o.result().equals("SKIP")).count();
    }

    /** True when tests ran and every one passed. */
    public boolean allPassed() {
        return !outcomes.isEmpty() && passed() == outcomes.size();
    }

    /** One row per behavior id (numeric order); tests naming no id are grouped under "-". */
    public List<BehaviorRow> rows() {
        Map<String, List<TestOutcome>> by = new TreeMap<>(BehaviorIds::compare);
        for (TestOutcome o : outcomes) {
            List<String> ids = o.behaviors().isEmpty() ? List.of("-") : o.behaviors();
            for (String id : ids) {
                by.computeIfAbsent(id, k -> new ArrayList<>()).add(o);
            }
        }
        List<BehaviorRow> rows = new ArrayList<>();
        by.forEach((id, tests) -> {
            String r = tests.stream().anyMatch(t -> t.result().equals("FAIL")) ? "FAIL"
                    : tests.stream().anyMatch(t -> t.result().equals("SKIP")) ? "SKIP" : "PASS";
            rows.add(new BehaviorRow(id, r, tests));
        });
        return rows;
    }

    /** Distinct behavior ids covered. */
    public long behaviorCount() {
        return rows().stream().filter(r -> !r.behavior().equals("-")).count();
    }

    /** JSON-ready view. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", backend);
        m.put("tests", outcomes.size());
        m.put("passed", passed());
        m.put("failed", failed());
        m.put("skipped", skipped());
        m.put("behaviors", behaviorCount());
        m.put("allPassed", allPassed());
        m.put("table", rows());
        return m;
    }
}
