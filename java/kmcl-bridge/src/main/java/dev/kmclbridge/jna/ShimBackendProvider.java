package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Shared logic of the two JNA backends: load the shim, check its transport, open a session. Option {@code seed}
 * (a long, loopback only) seeds the C fake's random choices like the fake backend's option of the same name;
 * without it the loopback shim takes {@code KMCL_LOOPBACK_SEED} from the environment, else 1.
 */
abstract class ShimBackendProvider implements BackendProvider {
    private final int transport;

    ShimBackendProvider(int transport) {
        this.transport = transport;
    }

    @Override
    public Optional<String> unavailableReason() {
        Throwable err = Shim.loadError();
        if (err != null) {
            return Optional.of("the kmclshim library could not be loaded (" + err.getMessage().lines().findFirst().orElse("")
                    + "); it is built by scripts/build-native.sh and packed into the jar under linux-x86-64/ and win32-x86-64/");
        }
        int[] out = new int[1];
        int st = Shim.kmclshim_transport(out);
        if (!NtStatus.isSuccess(st)) {
            return Optional.of("the kmclshim library did not report its transport: " + NtStatus.describe(st));
        }
        if (out[0] != transport) {
            return Optional.of(transport == Shim.TRANSPORT_WIN32
                    ? "the native backend needs Windows with the kmclbridge driver; this shim is the loopback build"
                    : "the loopback backend exists only in the Linux build of the shim; this shim talks to the driver");
        }
        return probe();
    }

    /** Extra availability checks (e.g. the driver's control device exists). */
    Optional<String> probe() {
        return Optional.empty();
    }

    /** The {@code seed} option, the only one a backend with a seeded fake takes; anything else is refused. */
    private OptionalLong seedOption(Map<String, String> options) {
        boolean seeded = transport == Shim.TRANSPORT_LOOPBACK;
        OptionalLong seed = OptionalLong.empty();
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (!seeded || !e.getKey().equals("seed")) {
                throw new IllegalArgumentException("unknown " + name() + " backend option '" + e.getKey() + "' (known: "
                        + (seeded ? "seed" : "none") + ")");
            }
            try {
                seed = OptionalLong.of(Long.decode(e.getValue().trim()));
            } catch (NumberFormatException | NullPointerException ex) {
                throw new IllegalArgumentException(name() + " backend option seed must be a long, was '" + e.getValue() + "'");
            }
        }
        return seed;
    }

    @Override
    public Backend open(Map<String, String> options) {
        OptionalLong seed = seedOption(options);
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IllegalStateException("backend '" + name() + "' is not available here: " + why.get());
        }
        long[] session = new long[1];
        int st = seed.isPresent() ? Shim.kmclshim_open_seeded(seed.getAsLong(), session) : Shim.kmclshim_open(session);
        if (!NtStatus.isSuccess(st)) {
            throw new IllegalStateException("opening the " + name() + " shim session failed: " + NtStatus.describe(st)
                    + hint(st, seed));
        }
        return new JnaBackend(name(), session[0]);
    }

    private String hint(int st, OptionalLong seed) {
        if (transport == Shim.TRANSPORT_WIN32) {
            return " (is the kmclbridge driver installed and are you an administrator?)";
        }
        if (seed.isPresent() && st == NtStatus.INVALID_DEVICE_STATE.value()) {
            return " (the process's loopback machine runs with another seed while other sessions are open; close them"
                    + " first, or open without a seed to join it)";
        }
        return "";
    }
}
