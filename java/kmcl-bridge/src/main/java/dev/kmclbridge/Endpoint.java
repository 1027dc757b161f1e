package dev.kmclbridge;

import java.util.Objects;
import java.util.UUID;

/**
 * A VMBus device the backend can reach (one driver filter instance on a VMBus child, or one fake offer).
 *
 * @param id               backend-assigned id, stable while the backend is open
 * @param interfaceType    the device class (channel type) GUID
 * @param interfaceInstance the instance GUID that tells two devices of one class apart
 * @param name             the well-known class name ("heartbeat", "synthetic network adapter") or "unknown"
 */
public record Endpoint(long id, UUID interfaceType, UUID interfaceInstance, String name) {
    public Endpoint {
        Objects.requireNonNull(interfaceType, "interfaceType");
        Objects.requireNonNull(interfaceInstance, "interfaceInstance");
        Objects.requireNonNull(name, "name");
    }
}
