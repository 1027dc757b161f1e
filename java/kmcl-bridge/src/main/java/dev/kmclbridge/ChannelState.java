package dev.kmclbridge;

/**
 * Connection state of a channel (KMCL's state model, section 4.0 of docs/kmcl-api.md). The run state
 * (paused/active) is reported separately by {@link ChannelStatus#paused()}.
 */
public enum ChannelState {
    /** Allocated or disabled: Init* allowed before the first Enable; no traffic. */
    DISABLED(0),
    /** Enabled, waiting for the other side (client: a matching offer; server: the guest to open). */
    ENABLED(1),
    /** Open (EvtChannelOpened succeeded) but not running: paused, or Started not yet delivered. */
    OPEN(2),
    /** Open and running: packets flow. */
    ACTIVE(3),
    /** Server only: the guest closed; the offer stays and the guest may open again. */
    CLOSED(4),
    /** Cleaned up (VmbChannelCleanup); the id is no longer valid. */
    CLEANED_UP(5);

    private final int code;

    ChannelState(int code) {
        this.code = code;
    }

    /** The wire code ({@link dev.kmclbridge.spi.ChannelQuery#STATE}). */
    public int code() {
        return code;
    }

    /** The state for a wire code. */
    public static ChannelState ofCode(int code) {
        for (ChannelState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown channel state code " + code);
    }
}
