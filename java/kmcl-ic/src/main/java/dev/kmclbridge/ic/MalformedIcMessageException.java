package dev.kmclbridge.ic;

/** Bytes that are not a well-formed IC message; the subclass says which rule they broke. Never an index error. */
public class MalformedIcMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A malformed-input failure with its explanation. */
    public MalformedIcMessageException(String message) {
        super(message);
    }
}
