package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Channel;
import dev.kmclbridge.diag.Command;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code channels}: per-channel state of the channels this process owns. */
public final class ChannelsCommand implements Command {
    static final String OPEN = "open";
    static final String CHANNEL = "channel";

    @Override
    public String name() {
        return "channels";
    }

    @Override
    public String summary() {
        return "per-channel state (role, state, paused, open, queue stopped, outgoing stalled)";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt(OPEN).desc("open a channel first (to --endpoint, or a fresh peer offer on fake/loopback)").get());
        o.addOption(Option.builder().longOpt(CHANNEL).hasArg().argName("ID").desc("only this channel (0x hex or decimal)").get());
        return ChannelOptions.addTo(o);
    }

    @Override
    public String helpFooter() {
        return "Channels belong to the process (the driver handle) that created them, so a fresh kmcl-diag process owns\n"
                + "none: use --open to open one and look at it. Example: kmcl-diag channels --open --backend fake";
    }

    @Override
    public ExitCode run(Invocation inv) {
        var v = inv.options();
        Optional<ChannelRig> rig = Optional.empty();
        try {
            if (v.has(OPEN)) {
                rig = Optional.of(ChannelRig.open(inv.kmcl(), ChannelOptions.endpoint(v), ChannelOptions.config(v),
                        Optional.of(p -> p.complete()), ChannelOptions.openTimeout(v)));
            }
            List<Channel> chosen = ChannelView.select(inv.kmcl().channels(), v.string(CHANNEL, null));
            List<Map<String, Object>> rows = chosen.stream().map(ChannelView::state).toList();
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
        } finally {
            rig.ifPresent(ChannelRig::close);
        }
    }
}
