package dev.kmclbridge.diag;

import dev.kmclbridge.fake.FakeBackendProvider;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;

/**
 * A test backend that is the fake with some calls changed: each call goes to {@link #call}, which by default
 * passes it on. Chosen with the system property {@code kmcl.backend=NAME} (tests only; --backend accepts only the
 * real names).
 */
abstract class WrappedFakeBackendProvider implements BackendProvider {
    private final FakeBackendProvider fake = new FakeBackendProvider();

    @Override
    public final Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public final Backend open(Map<String, String> options) {
        Backend backend = fake.open(options);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> call(backend, method, args));
    }

    /** Answers one call of the backend; {@link #passOn} gives the fake's answer. */
    Object call(Backend fake, Method method, Object[] args) throws Throwable {
        return passOn(fake, method, args);
    }

    static Object passOn(Backend fake, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(fake, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
