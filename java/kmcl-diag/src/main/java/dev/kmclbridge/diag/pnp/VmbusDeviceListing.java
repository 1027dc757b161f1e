package dev.kmclbridge.diag.pnp;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The VMBus devices of a {@link VmbusDeviceSource} as {@code endpoints} shows them: a table like Linux's lsvmbus
 * (class GUID, instance GUID, bound driver, kmclbridge attached, state, well-known name) or JSON that holds every
 * field read, so that the JSON of one machine can be read back as a recorded sample.
 */
public record VmbusDeviceListing(String origin, List<VmbusDevice> devices) {
    public VmbusDeviceListing {
        devices = List.copyOf(devices);
    }

    /** The devices of {@code source}. */
    public static VmbusDeviceListing of(VmbusDeviceSource source) {
        return new VmbusDeviceListing(source.origin(), source.devices().stream().map(VmbusDevice::of).toList());
    }

    /** How many devices have kmclbridge attached. */
    public long boundCount() {
        return devices.stream().filter(VmbusDevice::kmclbridgeBound).count();
    }

    /** Prints the table, with a line under a device for a problem or a malformed id, and a summary line. */
    public void print(PrintStream out) {
        String row = "%-36s %-36s %-16s %-10s %-11s %s%n";
        out.printf(row, "TYPE (CLASS GUID)", "INSTANCE", "DRIVER", "KMCLBRIDGE", "STATE", "NAME");
        for (VmbusDevice d : devices) {
            out.printf(row, d.classGuid().map(UUID::toString).orElse("?"), d.instanceGuid().map(UUID::toString).orElse("?"),
                    d.record().service().orElse("(none)"), d.kmclbridgeBound() ? "bound" : "-", d.state().summary(), d.name());
            if (!d.state().detail().isEmpty()) {
                out.printf("%-6s -> %s: %s%n", "", d.state().summary(), d.state().detail());
            }
            d.idProblem().ifPresent(p -> out.printf("%-6s -> device id %s is not VMBUS\\{class}\\{instance}: %s%n", "",
                    d.record().instanceId(), p));
        }
        out.printf("%d VMBus devices from %s; kmclbridge bound to %d%n", devices.size(), origin, boundCount());
    }

    /** JSON-ready view: {"source": ..., "devices": [...]} with the derived and the raw fields of each device. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", origin);
        m.put("devices", devices.stream().map(VmbusDeviceListing::json).toList());
        return m;
    }

    private static Map<String, Object> json(VmbusDevice d) {
        PnpDeviceRecord r = d.record();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", d.classGuid().map(UUID::toString).orElse(null));
        m.put("instance", d.instanceGuid().map(UUID::toString).orElse(null));
        m.put("name", d.name());
        m.put("wellKnown", d.wellKnown());
        m.put("service", r.service().orElse(null));
        m.put("kmclbridgeBound", d.kmclbridgeBound());
        m.put("state", d.state().summary());
        m.put("stateDetail", d.state().detail());
        m.put("idProblem", d.idProblem().orElse(null));
        m.put("instanceId", r.instanceId());
        m.put("hardwareIds", r.hardwareIds());
        m.put("compatibleIds", r.compatibleIds());
        m.put("description", r.description().orElse(null));
        m.put("upperFilters", r.upperFilters());
        m.put("lowerFilters", r.lowerFilters());
        m.put("statusFlags", String.format("0x%08x", r.statusFlags()));
        m.put("problemCode", Integer.toUnsignedLong(r.problemCode()));
        return m;
    }
}
