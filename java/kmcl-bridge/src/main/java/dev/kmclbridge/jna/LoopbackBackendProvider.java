package dev.kmclbridge.jna;

/** {@code loopback}: JNA + shim + the driver core in-process over the C fake of KMCL (Linux build of the shim). */
public final class LoopbackBackendProvider extends ShimBackendProvider {
    /** Registered through ServiceLoader. */
    public LoopbackBackendProvider() {
        super(Shim.TRANSPORT_LOOPBACK);
    }

    @Override
    public String name() {
        return "loopback";
    }
}
