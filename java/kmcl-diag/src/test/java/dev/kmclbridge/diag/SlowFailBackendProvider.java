package dev.kmclbridge.diag;

import dev.kmclbridge.fake.FakeBackendProvider;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

/**
 * The fake backend with a slow VmbChannelPacketFail: {@code fail} takes {@value #FAIL_MILLIS} ms before it reaches
 * the fake, so a reader that looks at the channel while a fail is under way sees the state before it. Chosen with
 * the system property {@code kmcl.backend=fake-slow-fail} (tests only; --backend accepts only the real names).
 */
public final class SlowFailBackendProvider implements BackendProvider {
    static final String NAME = "fake-slow-fail";
    static final long FAIL_MILLIS = 400;

    private final FakeBackendProvider fake = new FakeBackendProvider();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Backend open(Map<String, String> options) {
        Backend backend = fake.open(options);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("fail")) {
                        Thread.sleep(FAIL_MILLIS);
                    }
                    try {
                        return method.invoke(backend, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
