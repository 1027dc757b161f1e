package dev.kmclbridge.diag.selftest;

import dev.kmclbridge.junit.ScriptablePeerNeeded;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs the conformance suite (classes {@code dev.kmclbridge.conformance.*Contract} shipped in the kmcl-bridge-junit
 * jar) with the JUnit Platform Launcher against one backend (system property {@code kmcl.backend}, which the
 * {@code @KmclTest} extension reads) and collects one {@link TestOutcome} per test. A test the extension aborted
 * with {@link ScriptablePeerNeeded} (it needs the scriptable peer, which native lacks) is
 * {@link TestOutcome#NEEDS_PEER}, neither a failure nor a skip.
 *
 * <p>A watchdog guards against hung tests (a backend that never returns from a blocking call): a test running longer
 * than the per-test limit is reported as FAIL and its thread interrupted; if it still does not finish, the run is
 * abandoned and every test that did not run is reported as FAIL, so a hang can never pass silently.
 */
public final class ConformanceRunner {
    /** Package of the shipped conformance suite. */
    public static final String SUITE_PACKAGE = "dev.kmclbridge.conformance";
    /** Class-name pattern of its contract classes. */
    public static final String SUITE_CLASSES = ".*Contract";

    private final String packageName;
    private final Pattern classPattern;
    private final PrintStream progress;
    private final Duration testTimeout;

    /**
     * {@code classPattern} selects classes by fully qualified or simple name ({@link #classFilter});
     * {@code progress} (nullable) gets one line per test as it starts and ends.
     */
    public ConformanceRunner(String packageName, Pattern classPattern, PrintStream progress, Duration testTimeout) {
        this.packageName = packageName;
        this.classPattern = classPattern;
        this.progress = progress;
        this.testTimeout = testTimeout;
    }

    /** Runs every selected test against {@code backend}. */
    public SelftestReport run(String backend) throws InterruptedException {
        String previous = System.getProperty("kmcl.backend");
        System.setProperty("kmcl.backend", backend);
        try {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectPackage(packageName))
                    .filters(classFilter(classPattern))
                    .build();
            Collector collector = new Collector(progress);
            Launcher launcher = LauncherFactory.create();
            Thread runner = new Thread(() -> launcher.execute(request, collector), "kmcl-diag-selftest");
            runner.setDaemon(true); // a test hung beyond recovery must not keep the process alive
            runner.start();
            while (runner.isAlive()) {
                runner.join(100);
                Collector.Running r = collector.running();
                if (r != null && System.nanoTime() - r.since() > testTimeout.toNanos()) {
                    if (collector.markHung(r)) {
                        runner.interrupt();
                    } else if (System.nanoTime() - r.since() > 2 * testTimeout.toNanos()) {
                        collector.abandon();
                        break;
                    }
                }
            }
            return new SelftestReport(backend, collector.outcomes());
        } finally {
            if (previous == null) {
                System.clearProperty("kmcl.backend");
            } else {
                System.setProperty("kmcl.backend", previous);
            }
        }
    }

    private final class Collector implements TestExecutionListener {
        record Running(TestIdentifier id, long since) {
        }

        private final List<TestOutcome> outcomes = new ArrayList<>();
        private final Set<String> reported = new HashSet<>();
        private final PrintStream progress;
        private TestPlan plan;
        private Running running;
        private boolean abandoned;

        Collector(PrintStream progress) {
            this.progress = progress;
        }

        synchronized List<TestOutcome> outcomes() {
            return List.copyOf(outcomes);
        }

        synchronized Running running() {
            return running;
        }

        /** Reports the running test as hung (once); true if this call did it. */
        synchronized boolean markHung(Running r) {
            if (reported.contains(r.id().getUniqueId())) {
                return false;
            }
            add(r.id(), "FAIL", "did not finish within " + testTimeout.toSeconds() + " s (hung; interrupted)");
            return true;
        }

        /** Stops collecting; every test not reported yet is reported as not run. */
        synchronized void abandon() {
            abandoned = true;
            if (plan == null) {
                return;
            }
            for (TestIdentifier root : plan.getRoots()) {
                for (TestIdentifier t : plan.getDescendants(root)) {
                    if (t.isTest() && !reported.contains(t.getUniqueId())) {
                        add(t, "FAIL", "not run: the suite was abandoned after a test hung");
                    }
                }
            }
        }

        private void add(TestIdentifier id, String result, String message) {
            if (abandoned && !message.startsWith("not run") || !reported.add(id.getUniqueId())) {
                return;
            }
            String name = name(id);
            String method = id.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getMethodName()).orElse("");
            outcomes.add(new TestOutcome(name, id.getDisplayName(), BehaviorIds.in(method, id.getDisplayName()), result,
                    result.equals("PASS") ? null : message));
            if (progress != null) {
                progress.println("selftest: " + result + " " + name + (result.equals("PASS") ? "" : " (" + message + ")"));
                progress.flush();
            }
        }

        @Override
        public synchronized void testPlanExecutionStarted(TestPlan testPlan) {
            this.plan = testPlan;
        }

        @Override
        public synchronized void executionStarted(TestIdentifier id) {
            if (id.isTest()) {
                running = new Running(id, System.nanoTime());
                if (progress != null) {
                    progress.println("selftest: running " + name(id));
                    progress.flush();
                }
            }
        }

        @Override
        public synchronized void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                add(id, "SKIP", reason);
            } else if (plan != null) {
                // a skipped container: its tests never start, report each of them
                for (TestIdentifier t : plan.getDescendants(id)) {
                    if (t.isTest()) {
                        add(t, "SKIP", reason);
                    }
                }
            }
        }

        @Override
        public synchronized void executionFinished(TestIdentifier id, TestExecutionResult r) {
            if (id.isTest()) {
                running = null;
                String result = switch (r.getStatus()) {
                    case SUCCESSFUL -> "PASS";
                    case FAILED -> "FAIL";
                    case ABORTED -> r.getThrowable().orElse(null) instanceof ScriptablePeerNeeded
                            ? TestOutcome.NEEDS_PEER : "SKIP";
                };
                add(id, result, r.getThrowable().map(t -> result.equals(TestOutcome.NEEDS_PEER) ? t.getMessage() : firstLine(t))
                        .orElse(null));
            } else if (r.getStatus() == TestExecutionResult.Status.FAILED && id.getSource().isPresent()) {
                // a class-level failure (e.g. @BeforeAll): report it so it cannot vanish from the table
                add(id, "FAIL", r.getThrowable().map(ConformanceRunner::firstLine).orElse("container failed"));
            }
        }
    }

    /**
     * Includes a class when {@code pattern} matches its fully qualified name or its simple name (the part after the
     * last '.' or '$'), so "StressContract" selects dev.kmclbridge.conformance.StressContract as ".*StressContract" does.
     */
    static ClassNameFilter classFilter(Pattern pattern) {
        return className -> {
            String simple = className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
            return pattern.matcher(className).matches() || pattern.matcher(simple).matches()
                    ? FilterResult.included("class name matches " + pattern)
                    : FilterResult.excluded("class name does not match " + pattern);
        };
    }

    static String name(TestIdentifier id) {
        Optional<TestSource> s = id.getSource();
        if (s.isPresent() && s.get() instanceof MethodSource ms) {
            String cls = ms.getClassName();
            return cls.substring(cls.lastIndexOf('.') + 1) + "." + ms.getMethodName()
                    + (id.getDisplayName().startsWith("[") ? id.getDisplayName() : "");
        }
        if (s.isPresent() && s.get() instanceof ClassSource cs) {
            return cs.getClassName().substring(cs.getClassName().lastIndexOf('.') + 1);
        }
        return id.getDisplayName();
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
