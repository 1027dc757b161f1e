package dev.kmclbridge.junit;

import dev.kmclbridge.Kmcl;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs test classes through the JUnit launcher on one backend (the {@code kmcl.backend} property, restored after)
 * and returns each test's result by "Class.method[display name]"; a run that hangs fails after a time limit.
 */
final class LauncherRun {
    private LauncherRun() {
    }

    /** Results of every test {@code selector} finds, run on {@code backend}; skips the caller's test when the backend is absent. */
    static Map<String, TestExecutionResult> run(String backend, long timeLimitSeconds, DiscoverySelector selector)
            throws Exception {
        assumeTrue(Kmcl.backends().getOrDefault(backend, Optional.of("not on the class path")).isEmpty(),
                () -> "backend " + backend + " is not available here");
        String before = System.getProperty(KmclExtension.BACKEND_PROPERTY);
        System.setProperty(KmclExtension.BACKEND_PROPERTY, backend);
        try {
            Map<String, TestExecutionResult> results = new LinkedHashMap<>();
            TestExecutionListener listener = new TestExecutionListener() {
                @Override
                public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                    if (id.isTest()) {
                        synchronized (results) {
                            results.put(name(id), r);
                        }
                    }
                }
            };
            CompletableFuture<Void> run = new CompletableFuture<>();
            Thread runner = new Thread(() -> {
                try {
                    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                            .selectors(selector).build(), listener);
                    run.complete(null);
                } catch (Throwable t) {
                    run.completeExceptionally(t);
                }
            }, "launcher-run");
            runner.setDaemon(true);
            runner.start();
            run.get(timeLimitSeconds, TimeUnit.SECONDS); // a teardown that hangs fails here
            synchronized (results) {
                return new LinkedHashMap<>(results);
            }
        } finally {
            if (before == null) {
                System.clearProperty(KmclExtension.BACKEND_PROPERTY);
            } else {
                System.setProperty(KmclExtension.BACKEND_PROPERTY, before);
            }
        }
    }

    private static String name(TestIdentifier id) {
        return id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(m -> m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1) + "." + m.getMethodName())
                .orElse("") + "[" + id.getDisplayName() + "]";
    }
}
