package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import org.apache.commons.cli.Options;

import java.util.List;
import java.util.Map;

/** {@code channels}: per-channel state of the channels this process owns. */
public final class ChannelsCommand extends NamedCommand {
    public ChannelsCommand() {
        super("channels", "per-channel state (role, state, paused, open, queue stopped, outgoing stalled)");
    }

    @Override
    public Options options() {
        return ChannelOptions.addTo(ChannelSelection.addTo(new Options()));
    }

    @Override
    public String helpFooter() {
        return "Channels belong to the process (the driver handle) that created them, so a fresh kmcl-diag process owns\n"
                + "none: use --open to open one and look at it. Example: kmcl-diag channels --open --backend fake";
    }

    @Override
    public ExitCode run(Invocation inv) {
        try (ChannelSelection selection = ChannelSelection.open(inv)) {
            List<Map<String, Object>> rows = selection.channels().stream().map(ChannelView::state).toList();
            if (inv.json()) {
                inv.printJson(Map.of("channels", rows));
            } else if (rows.isEmpty()) {
                inv.out().println("no channels in this process (use --open to open one)");
            } else {
                var out = inv.out();
                out.printf("%-12s %-6s %-9s %-6s %-5s %-12s %-15s %s%n", "ID", "ROLE", "STATE", "PAUSED", "OPEN",
                        "QUEUE-STOP", "OUT-STALLED", "ENDPOINT");
                for (Map<String, Object> r : rows) {
                    out.printf("%-12s %-6s %-9s %-6s %-5s %-12s %-15s %s%n", r.get("id"), r.get("role"), r.get("state"),
                            r.get("paused"), r.get("open"), r.get("queueStopped"), r.get("outgoingStalled"), r.get("endpoint"));
                }
            }
            return ExitCode.OK;
        }
    }
}
