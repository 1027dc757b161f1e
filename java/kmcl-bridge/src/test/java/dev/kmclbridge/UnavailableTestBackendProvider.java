package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.util.Map;
import java.util.Optional;

/** A provider that is never available, to test that Kmcl.open refuses it instead of falling back. */
public final class UnavailableTestBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "unavailable-test";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.of("the test driver is not installed");
    }

    @Override
    public Backend open(Map<String, String> options) {
        throw new AssertionError("open() must not be called on an unavailable backend");
    }
}
