package dev.kmclbridge.diag;

import dev.kmclbridge.Kmcl;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which backend a run uses: the one named with --backend, else the library's default (system property
 * {@code kmcl.backend}, else native when its driver is present, else fake). A defaulted choice is announced in
 * one stderr line; an explicit one is not.
 *
 * @param name      backend name
 * @param explicit  true when given with --backend
 * @param reason    why this backend was chosen (for the announcement)
 */
public record BackendChoice(String name, boolean explicit, String reason) {
    /** The names --backend accepts. */
    public static final List<String> NAMES = List.of("fake", "loopback", "native");

    /** Resolves the --backend value (null = not given). An unknown name is a usage error. */
    public static BackendChoice resolve(String requested) {
        if (requested != null) {
            String n = requested.trim();
            if (!NAMES.contains(n)) {
                throw DiagFailure.usage("unknown backend " + EchoedText.quote(requested) + "; choose one of fake, loopback, native");
            }
            return new BackendChoice(n, true, "--backend " + n);
        }
        String prop = System.getProperty(Kmcl.BACKEND_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return new BackendChoice(prop.trim(), false, "system property " + Kmcl.BACKEND_PROPERTY);
        }
        String n = Kmcl.defaultBackendName();
        if (n.equals("native")) {
            return new BackendChoice(n, false, "default: the kmclbridge driver is present");
        }
        Optional<String> why = Kmcl.backends().getOrDefault("native", Optional.of("the native backend is not on the class path"));
        return new BackendChoice(n, false, "default: native unavailable (" + why.orElse("unknown reason") + ")");
    }

    /** The stderr line for a defaulted choice. */
    public String announcement() {
        return "kmcl-diag: using backend '" + name + "' (" + reason + "); choose with --backend fake|loopback|native";
    }

    /** Opens the chosen backend; failure to open is {@link ExitCode#BACKEND_UNAVAILABLE}. */
    public Kmcl open() {
        try {
            return Kmcl.open(name);
        } catch (IllegalArgumentException e) {
            Map<String, Optional<String>> known = Kmcl.backends();
            throw DiagFailure.backendUnavailable("backend '" + name + "' is not on the class path (found: "
                    + (known.isEmpty() ? "none" : String.join(", ", known.keySet())) + ")");
        } catch (IllegalStateException e) {
            throw DiagFailure.backendUnavailable(e.getMessage());
        }
    }
}
