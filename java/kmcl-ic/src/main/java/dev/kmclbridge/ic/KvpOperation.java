package dev.kmclbridge.ic;

/** The KVP header's operation byte (Linux enum hv_kvp_exchg_op; the IP-info operations are not implemented). */
public enum KvpOperation {
    /** Read one key. */
    GET(0),
    /** Write one key. */
    SET(1),
    /** Remove one key. */
    DELETE(2),
    /** Read the pair at an index; past the end the answer is {@link IcStatus#NO_MORE_ITEMS}. */
    ENUMERATE(3);

    private final int code;

    KvpOperation(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The operation with this code; any other is an {@link UnknownMessageTypeException}. */
    public static KvpOperation of(int code) {
        for (KvpOperation o : values()) {
            if (o.code == code) {
                return o;
            }
        }
        throw new UnknownMessageTypeException("KVP operation", code);
    }
}
