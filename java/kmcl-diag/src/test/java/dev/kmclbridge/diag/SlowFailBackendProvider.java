package dev.kmclbridge.diag;

import dev.kmclbridge.spi.Backend;

import java.lang.reflect.Method;

/**
 * The fake backend with a slow VmbChannelPacketFail: {@code fail} takes {@value #FAIL_MILLIS} ms before it reaches
 * the fake, so a reader that looks at the channel while a fail is under way sees the state before it. Chosen with
 * the system property {@code kmcl.backend=fake-slow-fail}.
 */
public final class SlowFailBackendProvider extends WrappedFakeBackendProvider {
    static final String NAME = "fake-slow-fail";
    static final long FAIL_MILLIS = 400;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    Object call(Backend fake, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("fail")) {
            Thread.sleep(FAIL_MILLIS);
        }
        return passOn(fake, method, args);
    }
}
