package dev.kmclbridge.spi;

import java.util.Map;
import java.util.Optional;

/**
 * A backend implementation discovered with {@link java.util.ServiceLoader}; register it in
 * {@code META-INF/services/dev.kmclbridge.spi.BackendProvider}.
 */
public interface BackendProvider {
    /** The name users ask for: "fake", "loopback" or "native". */
    String name();

    /** Empty when the backend can be opened here, otherwise why not (missing driver, wrong OS, no library). */
    Optional<String> unavailableReason();

    /**
     * Opens a backend instance. Options are backend specific (the fake knows {@code seed} and
     * {@code delivery}); unknown options are an {@link IllegalArgumentException}.
     */
    Backend open(Map<String, String> options);
}
