package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;

import java.util.Optional;

/** {@code native}: JNA + shim + DeviceIoControl to the kmclbridge KMDF driver (Windows build of the shim). */
public final class NativeBackendProvider extends ShimBackendProvider {
    /**
     * Why the native backend has no server channels: the driver is the function driver of VMBus child devices in a
     * guest, and KMCL documents no way for a third-party driver to reach the host's server channel table or to
     * name the VM a server channel is for.
     */
    static final String SERVER_CHANNELS_UNAVAILABLE = "server channels are not available on the native backend: no"
            + " documented way exists for a third-party driver to reach the VMBus server channel table on a Hyper-V"
            + " host or to target a VM (VmbServerChannelInitSetVmbusHandle needs a VMBus handle converted in the VM"
            + " worker process); server channels run on the fake and loopback backends only";

    /** The reason a JNA backend of this name refuses server channels: the native one always, the others never. */
    static Optional<String> serverChannelsUnavailable(String backendName) {
        return backendName.equals("native") ? Optional.of(SERVER_CHANNELS_UNAVAILABLE) : Optional.empty();
    }

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
            return Optional.of(openFailure(st));
        }
        Shim.kmclshim_close(session[0]);
        return Optional.empty();
    }

    /** Why the native backend is unavailable when opening the driver's control device failed with {@code status}. */
    static String openFailure(int status) {
        return "the kmclbridge driver's control device could not be opened (" + NtStatus.describe(status)
                + "); install the driver (install-driver.ps1, docs/hyperv-lab.md) and run as administrator";
    }
}
