package dev.kmclbridge;

import java.util.Objects;

/**
 * One state-change callback as delivered to a {@link StateChangeListener}.
 *
 * @param event  which callback
 * @param status the failure status for {@link StateEvent#PNP_FAILURE}, {@link NtStatus#SUCCESS} otherwise
 * @param rawStatus the exact status value
 * @param missedCallbacks for {@link StateEvent#OVERFLOW}: how many callbacks were merged (not delivered one by one);
 *                        0 for every other event
 */
public record StateChange(StateEvent event, NtStatus status, int rawStatus, int missedCallbacks) {
    public StateChange {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(status, "status");
    }

    /** A KMCL callback (nothing missed). */
    public StateChange(StateEvent event, NtStatus status, int rawStatus) {
        this(event, status, rawStatus, 0);
    }
}
