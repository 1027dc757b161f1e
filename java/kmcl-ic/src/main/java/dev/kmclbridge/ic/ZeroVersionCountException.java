package dev.kmclbridge.ic;

/** A version negotiation whose framework or message version count is zero: no version was offered or chosen. */
public final class ZeroVersionCountException extends MalformedIcMessageException {
    private static final long serialVersionUID = 1L;

    /** The counts as found on the wire. */
    public ZeroVersionCountException(int frameworkCount, int messageCount) {
        super("version negotiation with " + frameworkCount + " framework and " + messageCount
                + " message versions (both must be at least 1)");
    }
}
