package dev.kmclbridge.diag;

import dev.kmclbridge.Kmcl;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs kmcl-diag on a backend, skipping the test with the reason when that backend is not available here. */
final class AvailableBackend {
    private AvailableBackend() {
    }

    /** {@code kmcl-diag --backend BACKEND COMMAND ARGS...} in-process, or a skipped test. */
    static Cli.Result run(String backend, String command, String... args) {
        Optional<String> why = Kmcl.backends().getOrDefault(backend, Optional.of("not on the class path"));
        Assumptions.assumeTrue(why.isEmpty(), () -> backend + " unavailable: " + why.orElse(""));
        List<String> all = new ArrayList<>(List.of("--backend", backend, command));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}
