package dev.kmclbridge.diag.selftest;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Runs the conformance suite (classes {@code dev.kmclbridge.conformance.*Contract} shipped in the kmcl-bridge-junit
 * jar) with the JUnit Platform Launcher against one backend (system property {@code kmcl.backend}, which the
 * {@code @KmclTest} extension reads) and collects one {@link TestOutcome} per test.
 */
public final class ConformanceRunner {
    /** Package of the shipped conformance suite. */
    public static final String SUITE_PACKAGE = "dev.kmclbridge.conformance";
    /** Class-name pattern of its contract classes. */
    public static final String SUITE_CLASSES = ".*Contract";

    private final String packageName;
    private final String classPattern;

    public ConformanceRunner(String packageName, String classPattern) {
        this.packageName = packageName;
        this.classPattern = classPattern;
    }

    /** Runs every selected test against {@code backend}. */
    public SelftestReport run(String backend) {
        String previous = System.getProperty("kmcl.backend");
        System.setProperty("kmcl.backend", backend);
        try {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectPackage(packageName))
                    .filters(ClassNameFilter.includeClassNamePatterns(classPattern))
                    .build();
            Collector collector = new Collector();
            Launcher launcher = LauncherFactory.create();
            launcher.execute(request, collector);
            return new SelftestReport(backend, collector.outcomes);
        } finally {
            if (previous == null) {
                System.clearProperty("kmcl.backend");
            } else {
                System.setProperty("kmcl.backend", previous);
            }
        }
    }

    private static final class Collector implements TestExecutionListener {
        private final List<TestOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        private TestPlan plan;

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            this.plan = testPlan;
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                outcomes.add(outcome(id, "SKIP", reason));
            } else if (plan != null) {
                // a skipped container: its tests never start, report each of them
                for (TestIdentifier t : plan.getDescendants(id)) {
                    if (t.isTest()) {
                        outcomes.add(outcome(t, "SKIP", reason));
                    }
                }
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
            if (id.isTest()) {
                String result = switch (r.getStatus()) {
                    case SUCCESSFUL -> "PASS";
                    case FAILED -> "FAIL";
                    case ABORTED -> "SKIP";
                };
                outcomes.add(outcome(id, result, r.getThrowable().map(ConformanceRunner::firstLine).orElse(null)));
            } else if (r.getStatus() == TestExecutionResult.Status.FAILED && id.getSource().isPresent()) {
                // a class-level failure (e.g. @BeforeAll): report it so it cannot vanish from the table
                outcomes.add(new TestOutcome(name(id), id.getDisplayName(), BehaviorIds.in(name(id)), "FAIL",
                        r.getThrowable().map(ConformanceRunner::firstLine).orElse("container failed")));
            }
        }

        private static TestOutcome outcome(TestIdentifier id, String result, String message) {
            String name = name(id);
            String method = id.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getMethodName()).orElse("");
            return new TestOutcome(name, id.getDisplayName(), BehaviorIds.in(method, id.getDisplayName()), result,
                    result.equals("PASS") ? null : message);
        }

        private static String name(TestIdentifier id) {
            Optional<TestSource> s = id.getSource();
            if (s.isPresent() && s.get() instanceof MethodSource ms) {
                String cls = ms.getClassName();
                return cls.substring(cls.lastIndexOf('.') + 1) + "." + ms.getMethodName();
            }
            if (s.isPresent() && s.get() instanceof org.junit.platform.engine.support.descriptor.ClassSource cs) {
                return cs.getClassName().substring(cs.getClassName().lastIndexOf('.') + 1);
            }
            return id.getDisplayName();
        }
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
