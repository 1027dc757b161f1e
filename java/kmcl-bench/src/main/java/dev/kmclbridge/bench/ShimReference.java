package dev.kmclbridge.bench;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The benchmarks' own JNA direct mapping of the shim's cheapest export, {@code kmclshim_transport} (it writes one
 * constant and returns; the shim has no dedicated no-op export), as the reference cost of one JNA crossing.
 */
final class ShimReference {
    static {
        Native.register(ShimReference.class, NativeLibrary.getInstance("kmclshim"));
    }

    private ShimReference() {
    }

    static native int kmclshim_transport(int[] outTransport);
}
