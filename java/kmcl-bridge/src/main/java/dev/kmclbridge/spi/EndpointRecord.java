package dev.kmclbridge.spi;

import java.util.Objects;
import java.util.UUID;

/**
 * A VMBus device a backend can reach, as the SPI reports it (the typed layer shows it as {@code Endpoint}).
 *
 * @param id                backend-assigned id, stable while the backend is open
 * @param interfaceType     the device class (channel type) GUID
 * @param interfaceInstance the instance GUID that tells two devices of one class apart
 * @param name              the well-known class name ("heartbeat", ...) or "unknown"
 */
public record EndpointRecord(long id, UUID interfaceType, UUID interfaceInstance, String name) {
    public EndpointRecord {
        Objects.requireNonNull(interfaceType, "interfaceType");
        Objects.requireNonNull(interfaceInstance, "interfaceInstance");
        Objects.requireNonNull(name, "name");
    }
}
