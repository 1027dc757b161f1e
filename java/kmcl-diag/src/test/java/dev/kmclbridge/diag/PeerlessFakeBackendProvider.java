package dev.kmclbridge.diag;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;

import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The fake backend without its scriptable peer, as the native backend is on a real VM: {@code peer()} is empty and
 * the backend names itself {@value #NAME}. Chosen with the system property {@code kmcl.backend=fake-no-peer}.
 */
public final class PeerlessFakeBackendProvider extends WrappedFakeBackendProvider {
    static final String NAME = "fake-no-peer";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    Object call(Backend fake, Method method, Object[] args) throws Throwable {
        if (method.getParameterCount() == 0 && method.getName().equals("peer")) {
            return Optional.empty();
        }
        if (method.getParameterCount() == 0 && method.getName().equals("info")) {
            BackendDescription d = fake.info();
            return new BackendDescription(NAME, d.description() + ", its peer hidden", d.protocolVersion(),
                    d.driverVersion(), d.kmclInterfaceVersion());
        }
        return passOn(fake, method, args);
    }
}
