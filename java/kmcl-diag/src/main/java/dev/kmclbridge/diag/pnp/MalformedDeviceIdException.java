package dev.kmclbridge.diag.pnp;

/** A PnP device id that is not of the VMBus child form {@code VMBUS\{class}\{instance}}; the message says why. */
public final class MalformedDeviceIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MalformedDeviceIdException(String reason) {
        super(reason);
    }
}
