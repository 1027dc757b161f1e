package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;

import java.util.Optional;

/** {@code native}: JNA + shim + DeviceIoControl to the kmclbridge KMDF driver (Windows build of the shim). */
public final class NativeBackendProvider extends ShimBackendProvider {
    /** Registered through ServiceLoader. */
    public NativeBackendProvider() {
        super(Shim.TRANSPORT_WIN32);
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    Optional<String> probe() {
        long[] session = new long[1];
        int st = Shim.kmclshim_open(session);
        if (!NtStatus.isSuccess(st)) {
            return Optional.of("the kmclbridge driver's control device could not be opened (" + NtStatus.describe(st)
                    + "); install the driver (scripts/install-driver.ps1) and run as administrator");
        }
        Shim.kmclshim_close(session[0]);
        return Optional.empty();
    }
}
