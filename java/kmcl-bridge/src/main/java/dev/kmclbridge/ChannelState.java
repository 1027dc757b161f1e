package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat;

/**
 * Connection state of a channel (KMCL's state model, section 4.0 of docs/kmcl-api.md). The run state
 * (paused/active) is reported separately by {@link ChannelStatus#paused()}.
 */
public enum ChannelState {
    /** Allocated or disabled: Init* allowed before the first Enable; no traffic. */
    DISABLED(WireFormat.ChannelStates.DISABLED),
    /** Enabled, waiting for the other side (client: a matching offer; server: the guest to open). */
    ENABLED(WireFormat.ChannelStates.ENABLED),
    /** Open (EvtChannelOpened succeeded) but not running: paused, or Started not yet delivered. */
    OPEN(WireFormat.ChannelStates.OPEN),
    /** Open and running: packets flow. */
    ACTIVE(WireFormat.ChannelStates.ACTIVE),
    /** Server only: the guest closed; the offer stays and the guest may open again. */
    CLOSED(WireFormat.ChannelStates.CLOSED),
    /** Cleaned up (VmbChannelCleanup); the id is no longer valid. */
    CLEANED_UP(WireFormat.ChannelStates.CLEANED_UP);

    private final int code;

    ChannelState(int code) {
        this.code = code;
    }

    /** The wire code ({@link dev.kmclbridge.spi.WireFormat.Query#STATE}). */
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
