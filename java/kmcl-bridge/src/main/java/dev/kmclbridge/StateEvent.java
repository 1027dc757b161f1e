package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat;

/** The KMCL state-change callbacks (plus the client PnP-failure callback), in the order KMCL documents them. */
public enum StateEvent {
    /** EvtChannelOpened: the open handshake completed. */
    OPENED(WireFormat.Event.STATE_OPENED),
    /** EvtChannelClosed: the channel closed (local Disable, or the peer closed or rescinded). */
    CLOSED(WireFormat.Event.STATE_CLOSED),
    /** EvtChannelSuspend: a running channel stopped; no packet callback runs until the next STARTED. */
    SUSPEND(WireFormat.Event.STATE_SUSPEND),
    /** EvtChannelStarted: configuration done, incoming delivery not yet on. Do not wait for packets here. */
    STARTED(WireFormat.Event.STATE_STARTED),
    /** EvtChannelPostStarted: packets can be received; synchronous requests work from here on. */
    POST_STARTED(WireFormat.Event.STATE_POST_STARTED),
    /** EvtChannelPnpFailure: the PnP target was found but connecting failed; the status says why. */
    PNP_FAILURE(WireFormat.Event.STATE_PNP_FAILURE),
    /**
     * Not a KMCL callback: the driver's bounded queue of state records was full because nobody received them in
     * time, so {@link StateChange#missedCallbacks()} callbacks were merged instead of delivered one by one. The
     * newest callback of them follows as a normal state change, so the last change delivered is still the
     * channel's latest state. No wire code ({@code -1}).
     */
    OVERFLOW(-1);

    private final int code;

    StateEvent(int code) {
        this.code = code;
    }

    /** Wire code (flags field of a STATE event record). */
    public int code() {
        return code;
    }

    /** The event for a wire code. */
    public static StateEvent ofCode(int code) {
        for (StateEvent e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown state event code " + code);
    }
}
