package dev.kmclbridge.fake;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * ServiceLoader entry for the pure-Java fake ("fake", always available). Options: {@code seed} (a long, default
 * {@link FakeDefaults#SEED}); {@code delivery} ({@code serial} or {@code concurrent}) is accepted and validated for
 * the typed layer, which owns dispatch threads; the fake itself behaves the same for both. Anything else is an
 * {@link IllegalArgumentException}.
 */
public final class FakeBackendProvider implements BackendProvider {
    private static final Set<String> DELIVERY = Set.of("serial", "concurrent");

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Backend open(Map<String, String> options) {
        long seed = FakeDefaults.SEED;
        for (Map.Entry<String, String> e : options.entrySet()) {
            switch (e.getKey()) {
                case "seed":
                    try {
                        seed = Long.decode(e.getValue().trim());
                    } catch (NumberFormatException | NullPointerException ex) {
                        throw new IllegalArgumentException("fake backend option seed must be a long, was '" + e.getValue() + "'");
                    }
                    break;
                case "delivery":
                    if (!DELIVERY.contains(e.getValue())) {
                        throw new IllegalArgumentException("fake backend option delivery must be one of " + DELIVERY
                                + ", was '" + e.getValue() + "'");
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown fake backend option '" + e.getKey()
                            + "' (known: seed, delivery)");
            }
        }
        return new FakeBackend(seed);
    }
}
