package dev.kmclbridge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

/**
 * A test class's fixture: before each test a fresh {@link ScriptedBackend} with a client channel on its endpoint
 * (default configuration), closed after the test.
 */
abstract class ScriptedChannelFixture {
    /** The bound on every wait for something the dispatcher does. */
    static final Duration WAIT = Duration.ofSeconds(5);

    ScriptedBackend backend;
    Kmcl kmcl;
    ClientChannel ch;

    @BeforeEach
    void openScriptedChannel() {
        openWith(ChannelConfig.defaults());
    }

    @AfterEach
    void closeScriptedChannel() {
        kmcl.close();
    }

    /** Closes the current backend and opens a fresh one with a channel configured by {@code config}. */
    void reopenWith(ChannelConfig config) {
        kmcl.close();
        openWith(config);
    }

    /** Waits until the backend saw a call starting with {@code prefix}; returns its index among the calls. */
    int awaitCall(String prefix) throws InterruptedException {
        return backend.awaitCall(prefix, WAIT);
    }

    private void openWith(ChannelConfig config) {
        backend = new ScriptedBackend();
        kmcl = Kmcl.of(backend);
        ch = kmcl.createClientChannel(kmcl.endpoints().get(0), config);
    }
}
