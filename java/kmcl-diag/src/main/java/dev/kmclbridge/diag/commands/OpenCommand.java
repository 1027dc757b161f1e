package dev.kmclbridge.diag.commands;

import dev.kmclbridge.ChannelStatus;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import org.apache.commons.cli.Options;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code open}: opens a channel to an endpoint, reports how it came up, and closes it again. */
public final class OpenCommand extends NamedCommand {
    public OpenCommand() {
        super("open", "open a client channel to an endpoint, report the state callbacks and timing, then close it");
    }

    @Override
    public Options options() {
        return ChannelOptions.addTo(new Options());
    }

    @Override
    public String helpFooter() {
        return "A connectivity check: VmbChannelAllocate, Init*, Enable, wait for PostStarted, Disable, Cleanup.\n"
                + "Examples: kmcl-diag open --backend fake\n"
                + "          kmcl-diag open --backend native --endpoint 57164f39-9115-4e78-ab55-382f3bd5422d";
    }

    @Override
    public ExitCode run(Invocation inv) {
        var v = inv.options();
        long t0 = System.nanoTime();
        ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, p -> p.complete());
        double openedMs = (System.nanoTime() - t0) / 1e6;
        String id;
        ChannelStatus status;
        List<String> history;
        try {
            id = ChannelView.id(rig.channel());
            status = rig.channel().status();
            history = rig.channel().stateHistory().stream().map(s -> s.event().name()).toList();
        } finally {
            rig.close();
        }
        double totalMs = (System.nanoTime() - t0) / 1e6;
        if (inv.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("channel", id);
            m.put("endpointId", rig.endpoint().id());
            m.put("endpoint", EndpointsCommand.displayName(rig.endpoint()));
            m.put("type", rig.endpoint().interfaceType().toString());
            m.put("instance", rig.endpoint().interfaceInstance().toString());
            m.put("state", status.state().name());
            m.put("stateCallbacks", history);
            m.put("openMillis", Math.round(openedMs * 1000) / 1000.0);
            m.put("openAndCloseMillis", Math.round(totalMs * 1000) / 1000.0);
            m.put("closed", true);
            inv.printJson(m);
        } else {
            var out = inv.out();
            out.printf("opened channel %s to endpoint %d (%s, instance %s)%n", id, rig.endpoint().id(),
                    EndpointsCommand.displayName(rig.endpoint()), rig.endpoint().interfaceInstance());
            out.printf("state %s after %.2f ms; callbacks: %s%n", status.state(), openedMs, String.join(" -> ", history));
            out.printf("closed again (disable + cleanup) after %.2f ms in total%n", totalMs);
        }
        return ExitCode.OK;
    }
}
