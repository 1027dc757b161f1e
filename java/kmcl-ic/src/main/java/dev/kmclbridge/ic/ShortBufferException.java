package dev.kmclbridge.ic;

/** The bytes end before a fixed-size part of the message (pipe header, IC header, a body structure). */
public final class ShortBufferException extends MalformedIcMessageException {
    private static final long serialVersionUID = 1L;

    /** {@code what} needed {@code needed} bytes where only {@code available} were left. */
    public ShortBufferException(String what, int needed, int available) {
        super(what + " needs " + needed + " bytes, only " + available + " left");
    }
}
