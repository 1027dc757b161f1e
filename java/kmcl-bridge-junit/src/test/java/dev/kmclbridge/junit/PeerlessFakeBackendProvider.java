package dev.kmclbridge.junit;

import dev.kmclbridge.fake.FakeBackendProvider;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;
import dev.kmclbridge.spi.BackendProvider;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

/**
 * The fake backend without its scriptable peer, as the native backend is on a real VM: {@code peer()} is empty,
 * everything else is the fake's. Chosen with {@code kmcl.backend=fake-no-peer} (tests only).
 */
public final class PeerlessFakeBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "fake-no-peer";

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
                    if (method.getName().equals("peer") && method.getParameterCount() == 0) {
                        return Optional.empty();
                    }
                    if (method.getName().equals("info") && method.getParameterCount() == 0) {
                        BackendDescription d = backend.info();
                        return new BackendDescription(NAME, d.description() + ", its peer hidden", d.protocolVersion(),
                                d.driverVersion(), d.kmclInterfaceVersion());
                    }
                    try {
                        return method.invoke(backend, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
