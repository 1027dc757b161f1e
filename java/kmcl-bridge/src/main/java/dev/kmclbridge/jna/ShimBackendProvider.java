package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;

import java.util.Map;
import java.util.Optional;

/** Shared logic of the two JNA backends: load the shim, check its transport, open a session. */
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

    @Override
    public Backend open(Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("backend '" + name() + "' takes no options, got " + options.keySet());
        }
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IllegalStateException("backend '" + name() + "' is not available here: " + why.get());
        }
        long[] session = new long[1];
        int st = Shim.kmclshim_open(session);
        if (!NtStatus.isSuccess(st)) {
            throw new IllegalStateException("opening the " + name() + " shim session failed: " + NtStatus.describe(st)
                    + (transport == Shim.TRANSPORT_WIN32 ? " (is the kmclbridge driver installed and are you an administrator?)" : ""));
        }
        return new JnaBackend(name(), session[0]);
    }
}
