package dev.kmclbridge;

import java.util.Objects;

/**
 * What a backend is and which versions it speaks.
 *
 * @param name                  "fake", "loopback" or "native"
 * @param description           one line for humans
 * @param protocolVersion       bridge wire protocol version (0 for the pure-Java fake)
 * @param driverVersion         driver (or shim) build version string, "n/a" for the fake
 * @param kmclInterfaceVersion  KMCL interface version in use (1 = KMCL_CLIENT_INTERFACE_V1)
 */
public record BackendInfo(String name, String description, int protocolVersion, String driverVersion,
                          int kmclInterfaceVersion) {
    public BackendInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(driverVersion, "driverVersion");
    }
}
