package dev.kmclbridge.junit;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * JUnit 5 extension behind {@link KmclTest}: resolves {@link Kmcl}, {@link Peer} and {@link TestChannels}
 * parameters from one backend per test method, opened from system properties:
 * {@code kmcl.backend} (default {@code fake}) and {@code kmcl.seed} (the fake's seed, default 1). A backend that
 * is requested but unavailable fails the test (never a silent fallback). A test that needs a {@link Peer} on a
 * backend without one (native) is aborted with {@link ScriptablePeerNeeded}, before it starts when the test method
 * declares a {@code Peer} parameter, else when it first asks {@link TestChannels#peer()}: it is reported as
 * "needs a scriptable peer (fake/loopback)", not as a failure.
 *
 * <p>After each test the backend is closed ({@link TestChannels#close()}). Packets the test still holds (handed
 * to it or to its packet handler and never completed or failed, for instance because an assertion failed first
 * or a handler threw) are failed, so the close cannot hang (one whose handler call is still running gets a
 * second to end first), and the test then fails with an {@link AssertionError} naming them; when the test had
 * already failed, its own failure is reported and that error is attached to it as suppressed.
 */
public final class KmclExtension implements ParameterResolver, BeforeEachCallback, AfterEachCallback {
    /** System property choosing the backend. */
    public static final String BACKEND_PROPERTY = "kmcl.backend";
    /** System property with the fake's seed. */
    public static final String SEED_PROPERTY = "kmcl.seed";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KmclExtension.class);

    /** The backend the extension opens: {@code kmcl.backend} or "fake". */
    public static String backendName() {
        String b = System.getProperty(BACKEND_PROPERTY);
        return b == null || b.isBlank() ? "fake" : b.trim();
    }

    /**
     * Aborts a test whose method takes a {@link Peer} when the backend has none: a parameter resolver cannot abort
     * (JUnit turns whatever it throws into a failure), so this runs first.
     */
    @Override
    public void beforeEach(ExtensionContext ec) {
        boolean wantsPeer = Arrays.asList(ec.getRequiredTestMethod().getParameterTypes()).contains(Peer.class);
        if (wantsPeer) {
            fixture(ec).peer();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        return t == Kmcl.class || t == Peer.class || t == TestChannels.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        TestChannels fixture = fixture(ec);
        Class<?> t = pc.getParameter().getType();
        if (t == Kmcl.class) {
            return fixture.kmcl();
        }
        if (t == Peer.class) {
            return fixture.peer();
        }
        if (t == TestChannels.class) {
            return fixture;
        }
        throw new ParameterResolutionException("unsupported parameter " + t);
    }

    private static TestChannels fixture(ExtensionContext ec) {
        return ec.getStore(NS).getOrComputeIfAbsent("fixture", k -> {
            Map<String, String> options = new HashMap<>();
            String seed = System.getProperty(SEED_PROPERTY);
            if (seed != null && !seed.isBlank() && !backendName().equals("native")) {
                options.put("seed", seed.trim());
            }
            return new TestChannels(Kmcl.open(backendName(), options));
        }, TestChannels.class);
    }

    @Override
    public void afterEach(ExtensionContext ec) {
        TestChannels f = ec.getStore(NS).remove("fixture", TestChannels.class);
        if (f != null) {
            f.close();
        }
    }
}
