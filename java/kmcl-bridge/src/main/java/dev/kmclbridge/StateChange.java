package dev.kmclbridge;

import java.util.Objects;

/**
 * One state-change callback as delivered to a {@link StateChangeListener}.
 *
 * @param event  which callback
 * @param status the failure status for {@link StateEvent#PNP_FAILURE}, {@link NtStatus#SUCCESS} otherwise
 * @param rawStatus the exact status value
 */
public record StateChange(StateEvent event, NtStatus status, int rawStatus) {
    public StateChange {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(status, "status");
    }
}
