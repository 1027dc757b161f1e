package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Endpoint;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.WellKnownDevices;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code endpoints}: every VMBus endpoint with its class GUID, well-known name and instance GUID. */
public final class EndpointsCommand extends NamedCommand {
    public EndpointsCommand() {
        super("endpoints", "VMBus endpoints: id, class (type) GUID, well-known device name, instance GUID");
    }

    @Override
    public String helpFooter() {
        return "Well-known names follow the device classes Linux's lsvmbus names (heartbeat, KVP, network, SCSI, ...).\n"
                + "Other classes show the backend's own name for the endpoint.";
    }

    /** The name shown for an endpoint: the well-known class name, else the backend's name. */
    public static String displayName(Endpoint e) {
        return WellKnownDevices.nameOf(e.interfaceType()).orElse(e.name());
    }

    @Override
    public ExitCode run(Invocation inv) {
        List<Endpoint> eps = inv.kmcl().endpoints();
        if (inv.json()) {
            List<Map<String, Object>> rows = eps.stream().map(e -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", e.id());
                m.put("type", e.interfaceType().toString());
                m.put("name", displayName(e));
                m.put("wellKnown", WellKnownDevices.nameOf(e.interfaceType()).isPresent());
                m.put("instance", e.interfaceInstance().toString());
                return m;
            }).toList();
            inv.printJson(Map.of("endpoints", rows));
        } else if (eps.isEmpty()) {
            inv.out().println("no endpoints");
        } else {
            var out = inv.out();
            out.printf("%-4s %-36s %-36s %s%n", "ID", "TYPE (CLASS GUID)", "INSTANCE", "NAME");
            for (Endpoint e : eps) {
                out.printf("%-4d %-36s %-36s %s%n", e.id(), e.interfaceType(), e.interfaceInstance(), displayName(e));
            }
        }
        return ExitCode.OK;
    }
}
