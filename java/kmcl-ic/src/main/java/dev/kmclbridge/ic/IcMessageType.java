package dev.kmclbridge.ic;

/** The IC header's message type (UINT16). The codes are the ones Linux and OpenVMM define. */
public enum IcMessageType {
    /** Version negotiation, always the first exchange on an IC channel. */
    NEGOTIATE(0),
    /** Heartbeat request: the guest answers with the sequence number plus one. */
    HEARTBEAT(1),
    /** Key-value pair exchange. */
    KVP_EXCHANGE(2),
    /** Shutdown request. */
    SHUTDOWN(3),
    /** Time sample or sync. */
    TIME_SYNC(4),
    /** Volume shadow copy (not implemented here beyond the code). */
    VSS(5),
    /** Remote desktop virtualization (code only). */
    RDV(6),
    /** Guest interface / file copy (code only). */
    GUEST_INTERFACE(7),
    /** VM session (code only). */
    VM_SESSION(8);

    private final int code;

    IcMessageType(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The type with this wire code; any other code is an {@link UnknownMessageTypeException}. */
    public static IcMessageType of(int code) {
        for (IcMessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new UnknownMessageTypeException("IC message type", code);
    }
}
