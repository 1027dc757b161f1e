package dev.kmclbridge.spi;

import java.util.Objects;

/**
 * What a backend is and which versions it speaks, as the SPI reports it (the typed layer shows it as
 * {@code BackendInfo}).
 *
 * @param name                 "fake", "loopback" or "native"
 * @param description          one line for humans
 * @param protocolVersion      bridge wire protocol version (0 for the pure-Java fake)
 * @param driverVersion        driver (or shim) build version string, "n/a" for the fake
 * @param kmclInterfaceVersion KMCL interface version in use ({@link WireFormat#KMCL_INTERFACE_VERSION})
 */
public record BackendDescription(String name, String description, int protocolVersion, String driverVersion,
                                 int kmclInterfaceVersion) {
    public BackendDescription {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(driverVersion, "driverVersion");
    }
}
