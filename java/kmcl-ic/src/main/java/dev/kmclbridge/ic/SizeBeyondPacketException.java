package dev.kmclbridge.ic;

/** A size field (pipe length, IC message size, KVP key or value size) claims more bytes than the packet or field holds. */
public final class SizeBeyondPacketException extends MalformedIcMessageException {
    private static final long serialVersionUID = 1L;

    /** {@code field} says {@code claimed} bytes where at most {@code limit} exist. */
    public SizeBeyondPacketException(String field, long claimed, long limit) {
        super(field + " says " + claimed + " bytes, beyond the " + limit + " there are");
    }
}
