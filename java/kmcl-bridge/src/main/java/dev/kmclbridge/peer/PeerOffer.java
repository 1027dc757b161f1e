package dev.kmclbridge.peer;

import java.util.UUID;

/** An offer the host peer made; {@code endpointId} is the endpoint id ({@code Endpoint.id()}) it appears as. */
public record PeerOffer(long id, long endpointId, UUID interfaceType, UUID interfaceInstance) {
}
