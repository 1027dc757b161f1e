package dev.kmclbridge;

/**
 * A KMCL call (or the bridge on its behalf) returned a failure NTSTATUS. The message names the call, the
 * status and what was wrong with the input.
 */
public class KmclException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int rawStatus;
    private final KmclFunction function;

    /** Creates the exception for {@code function} failing with {@code rawStatus}; {@code detail} says why. */
    public KmclException(KmclFunction function, int rawStatus, String detail) {
        super(function.memberName() + " failed with " + NtStatus.describe(rawStatus)
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.rawStatus = rawStatus;
        this.function = function;
    }

    /** The status as an enum constant ({@link NtStatus#BRIDGE_UNKNOWN_STATUS} if not listed). */
    public NtStatus status() {
        return NtStatus.of(rawStatus);
    }

    /** The exact 32-bit value returned. */
    public int rawStatus() {
        return rawStatus;
    }

    /** The KMCL member (or bridge operation) that failed. */
    public KmclFunction function() {
        return function;
    }
}
