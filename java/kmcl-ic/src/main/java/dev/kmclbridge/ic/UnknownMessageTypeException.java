package dev.kmclbridge.ic;

/** A type code (IC message type, KVP operation) this module does not know. */
public final class UnknownMessageTypeException extends MalformedIcMessageException {
    private static final long serialVersionUID = 1L;

    /** {@code what} has the unknown code {@code code}. */
    public UnknownMessageTypeException(String what, int code) {
        super("unknown " + what + " " + code);
    }
}
