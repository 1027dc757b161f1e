package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Channel;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.SamplePayloads;
import dev.kmclbridge.peer.Peer;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.kmclbridge.diag.LongOption.withValue;

/** {@code stats [--watch SECONDS] [--count N]}: per-channel counters, once or repeatedly. */
public final class StatsCommand extends NamedCommand {
    static final String WATCH = "watch";
    static final String COUNT = "count";
    static final String TRAFFIC = "traffic";

    public StatsCommand() {
        super("stats",
                "per-channel counters (packets, bytes, completions, failures, pending, ring use), once or with --watch");
    }

    @Override
    public Options options() {
        Options o = new Options()
                .addOption(withValue(WATCH, "SECONDS", "print a sample every SECONDS"))
                .addOption(withValue(COUNT, "N", "number of samples (default 1; unlimited with --watch)"));
        return ChannelOptions.addTo(ChannelSelection.addTo(o)
                .addOption(withValue(TRAFFIC, "N", "fake/loopback with --open: the peer sends N packets before each sample")));
    }

    @Override
    public String helpFooter() {
        return "With --json every sample is one JSON object per line (JSON Lines).\n"
                + "Example: kmcl-diag stats --backend fake --open --traffic 5 --watch 1 --count 3";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        Duration every = v.seconds(WATCH, Duration.ZERO);
        long count = v.longValue(COUNT, v.has(WATCH) ? Long.MAX_VALUE : 1, 1, Long.MAX_VALUE);
        int traffic = v.intValue(TRAFFIC, 0, 0, 1_000_000);
        try (ChannelSelection selection = ChannelSelection.open(inv)) {
            Optional<ChannelRig> rig = selection.opened();
            Optional<Peer> peer = rig.flatMap(ChannelRig::peer);
            if (traffic > 0 && peer.isEmpty()) {
                throw DiagFailure.usage("--traffic needs --open on a backend with a peer (fake or loopback)");
            }
            List<Channel> chosen = selection.channels();
            int sent = 0;
            for (long n = 1; n <= count; n++) {
                if (n > 1) {
                    Thread.sleep(Math.max(1, every.toMillis()));
                }
                if (traffic > 0) {
                    long ch = rig.get().channel().id();
                    long last = 0;
                    for (int i = 0; i < traffic; i++) {
                        last = peer.get().send(ch, SamplePayloads.sample(++sent), true, Optional.empty());
                    }
                    peer.get().awaitOutcome(ch, last, Duration.ofSeconds(5));
                }
                print(inv, n, chosen);
            }
            return ExitCode.OK;
        }
    }

    private static void print(Invocation inv, long sample, List<Channel> channels) {
        String at = Instant.now().toString();
        if (inv.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sample", sample);
            m.put("at", at);
            m.put("channels", channels.stream().map(c -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", ChannelView.id(c));
                row.put("state", c.state().name());
                row.put("counters", ChannelView.counters(c));
                return row;
            }).toList());
            inv.printJsonLine(m);
            return;
        }
        var out = inv.out();
        out.println("# sample " + sample + " at " + at);
        if (channels.isEmpty()) {
            out.println("no channels in this process (use --open to open one)");
        }
        for (Channel c : channels) {
            out.println("channel " + ChannelView.id(c) + " (" + c.state() + ", " + EndpointsCommand.displayName(c.endpoint()) + ")");
            ChannelView.counters(c).forEach((k, val) -> out.printf("  %-20s %d%n", k, (Long) val));
        }
        out.flush();
    }
}
