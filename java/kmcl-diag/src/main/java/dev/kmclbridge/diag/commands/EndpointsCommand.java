package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Endpoint;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.WellKnownDevices;
import dev.kmclbridge.diag.pnp.RecordedVmbusDeviceSource;
import dev.kmclbridge.diag.pnp.VmbusDeviceListing;
import dev.kmclbridge.diag.pnp.VmbusDeviceSource;
import dev.kmclbridge.diag.pnp.WindowsVmbusDeviceSource;
import org.apache.commons.cli.Options;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * {@code endpoints}: every VMBus endpoint with its class GUID, well-known name and instance GUID. On native it lists
 * the VMBus child devices of the PnP tree instead (without the kmclbridge driver: also those it is not bound to),
 * with bound driver, state and whether kmclbridge is attached; {@code --pnp-sample} lists a recorded tree.
 */
public final class EndpointsCommand extends NamedCommand {
    static final String PNP_SAMPLE = "pnp-sample";

    public EndpointsCommand() {
        super("endpoints", "VMBus endpoints: id, class (type) GUID, well-known device name, instance GUID "
                + "(native: every VMBus device of the PnP tree, like lsvmbus)");
    }

    @Override
    public Options options() {
        return new Options().addOption(withValue(PNP_SAMPLE, "FILE",
                "list the VMBus devices recorded in FILE (the --json output of 'endpoints --backend native' on a VM) "
                        + "instead of asking the backend"));
    }

    @Override
    public String helpFooter() {
        return "Well-known names follow the device classes Linux's lsvmbus names (heartbeat, KVP, network, SCSI, ...).\n"
                + "Other classes show the backend's own name for the endpoint.\n"
                + "On native the list comes from the PnP tree (CfgMgr32), like lsvmbus: every VMBus child device, with\n"
                + "or without the kmclbridge driver; KMCLBRIDGE says whether it is attached (upper filter).\n"
                + "Examples: kmcl-diag endpoints --backend native        (on a Hyper-V VM; driver not needed)\n"
                + "          kmcl-diag endpoints --pnp-sample vm.json    (a list recorded with --json on a VM)";
    }

    /** The name shown for an endpoint: the well-known class name, else the backend's name. */
    public static String displayName(Endpoint e) {
        return WellKnownDevices.nameOf(e.interfaceType()).orElse(e.name());
    }

    @Override
    public ExitCode run(Invocation inv) {
        Optional<VmbusDeviceSource> pnp = pnpSource(inv);
        if (pnp.isPresent()) {
            VmbusDeviceListing listing = VmbusDeviceListing.of(pnp.get());
            if (inv.json()) {
                inv.printJson(listing.toJson());
            } else {
                listing.print(inv.out());
            }
            return ExitCode.OK;
        }
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

    /** The PnP listing's source: a recorded sample, or on native this machine's PnP tree (never the driver). */
    private static Optional<VmbusDeviceSource> pnpSource(Invocation inv) {
        if (inv.options().has(PNP_SAMPLE)) {
            return Optional.of(new RecordedVmbusDeviceSource("--" + PNP_SAMPLE, inv.options().path(PNP_SAMPLE)));
        }
        if (!inv.backendChoice().name().equals("native")) {
            return Optional.empty();
        }
        WindowsVmbusDeviceSource.unavailableReason().ifPresent(why -> {
            throw DiagFailure.backendUnavailable(why);
        });
        return Optional.of(new WindowsVmbusDeviceSource());
    }
}
