package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.ChannelStatus;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.health.ChannelSample;
import dev.kmclbridge.diag.health.HealthEvaluator;
import dev.kmclbridge.diag.health.HealthFinding;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.PacketFilter;
import dev.kmclbridge.diag.traffic.PacketPolicy;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import dev.kmclbridge.diag.traffic.SamplePayloads;
import dev.kmclbridge.peer.Peer;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * {@code health}: the stuck-channel detector. Samples the channel for a window and reports packets held
 * uncompleted too long, data pending without progress, outgoing stalls and failed channels. Exit 0 = healthy,
 * 1 = unhealthy.
 */
public final class HealthCommand extends NamedCommand {
    static final String MAX_HOLD = "max-hold";
    static final String STALL = "stall";
    static final String WINDOW = "window";
    static final String INTERVAL = "sample-interval";
    static final String SIMULATE = "simulate";
    static final List<String> SCENARIOS = List.of("none", "held", "stalled", "failed");

    public HealthCommand() {
        super("health",
                "stuck-channel detector: held packets, pending data without progress, failed channels (exit 0 healthy, 1 not)");
    }

    @Override
    public Options options() {
        return ChannelOptions.addTo(new Options()
                .addOption(withValue(MAX_HOLD, "SECONDS", "a delivered packet uncompleted longer than this is stuck (default 2)"))
                .addOption(withValue(STALL, "SECONDS", "pending data without progress longer than this is a stall (default 2)"))
                .addOption(withValue(WINDOW, "SECONDS", "how long to observe (default: the larger limit + 1)"))
                .addOption(withValue(INTERVAL, "SECONDS", "time between samples (default 0.25)"))
                .addOption(withValue(SIMULATE, "SCENARIO",
                        "fake/loopback: create a problem first: none (default), held, stalled, failed")));
    }

    @Override
    public String helpFooter() {
        return "The detector watches the channel kmcl-diag opens (a fresh peer offer on fake/loopback, --endpoint on\n"
                + "native). --simulate makes the peer and the tool produce a stuck channel, to see what a finding looks like:\n"
                + "  held    the tool holds every delivered packet (the peer's transactions hang)\n"
                + "  stalled the channel is paused while the peer keeps sending (data pending, no delivery)\n"
                + "  failed  the tool fails the first packet (queue stopped, later packets stay in the ring)\n"
                + "Example: kmcl-diag health --backend fake --simulate held --max-hold 1";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        Duration maxHold = v.seconds(MAX_HOLD, Duration.ofSeconds(2));
        Duration stall = v.seconds(STALL, Duration.ofSeconds(2));
        Duration window = v.seconds(WINDOW, (maxHold.compareTo(stall) > 0 ? maxHold : stall).plusSeconds(1));
        Duration interval = v.seconds(INTERVAL, Duration.ofMillis(250));
        if (interval.isZero()) {
            throw DiagFailure.badInput("--" + INTERVAL + " must be > 0");
        }
        String scenario = v.string(SIMULATE, "none");
        if (!SCENARIOS.contains(scenario)) {
            throw DiagFailure.badInput("--" + SIMULATE + ": unknown scenario " + EchoedText.quote(scenario) + " (choose " + String.join(", ", SCENARIOS) + ")");
        }
        PacketPolicy policy = switch (scenario) {
            case "held" -> new PacketPolicy(PacketFilter.NONE, PacketFilter.NONE, new byte[0]);
            case "failed" -> new PacketPolicy(PacketFilter.ALL, PacketFilter.parse("failed", "nth=1"), new byte[0]);
            default -> PacketPolicy.completeAll();
        };
        PolicyHandler handler = new PolicyHandler(policy, p -> { });
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, handler)) {
            if (!scenario.equals("none")) {
                Peer peer = rig.requirePeer("--simulate");
                long ch = rig.channel().id();
                if (scenario.equals("stalled")) {
                    rig.channel().pause();
                }
                for (int i = 1; i <= 3; i++) {
                    peer.send(ch, SamplePayloads.sample(i), true, Optional.empty());
                }
            }
            List<Channel> channels = inv.kmcl().channels();
            Map<Long, List<ChannelSample>> samples = new LinkedHashMap<>();
            long end = System.nanoTime() + window.toNanos();
            do {
                for (Channel c : channels) {
                    samples.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(sample(c, c == rig.channel() ? handler : null));
                }
                if (System.nanoTime() >= end) {
                    break;
                }
                Thread.sleep(Math.max(1, Math.min(interval.toMillis(), (end - System.nanoTime()) / 1_000_000 + 1)));
            } while (true);
            HealthEvaluator evaluator = new HealthEvaluator(maxHold, stall);
            boolean healthy = true;
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Channel c : channels) {
                List<HealthFinding> findings = evaluator.evaluate(samples.get(c.id()));
                healthy &= findings.isEmpty();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("channel", ChannelView.id(c));
                row.put("endpoint", EndpointsCommand.displayName(c.endpoint()));
                row.put("state", c.state().name());
                row.put("healthy", findings.isEmpty());
                row.put("findings", findings.stream().map(f -> Map.of("kind", f.kind().name(), "detail", f.detail())).toList());
                rows.add(row);
            }
            if (inv.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("healthy", healthy);
                m.put("simulated", scenario);
                m.put("windowSeconds", window.toMillis() / 1000.0);
                m.put("maxHoldSeconds", maxHold.toMillis() / 1000.0);
                m.put("stallSeconds", stall.toMillis() / 1000.0);
                m.put("channels", rows);
                inv.printJson(m);
            } else {
                var out = inv.out();
                for (Map<String, Object> r : rows) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, String>> fs = (List<Map<String, String>>) r.get("findings");
                    out.printf("channel %s (%s, %s): %s%n", r.get("channel"), r.get("endpoint"), r.get("state"),
                            fs.isEmpty() ? "healthy" : "UNHEALTHY");
                    for (Map<String, String> f : fs) {
                        out.printf("  %-21s %s%n", f.get("kind"), f.get("detail"));
                    }
                }
                out.printf("%s (observed %.1f s, max hold %.1f s, stall %.1f s%s)%n", healthy ? "HEALTHY" : "UNHEALTHY",
                        window.toMillis() / 1000.0, maxHold.toMillis() / 1000.0, stall.toMillis() / 1000.0,
                        scenario.equals("none") ? "" : ", simulated: " + scenario);
            }
            handler.completeHeld();
            return healthy ? ExitCode.OK : ExitCode.CHECK_FAILED;
        }
    }

    private static ChannelSample sample(Channel c, PolicyHandler ours) {
        long at = System.nanoTime();
        ChannelStatus s = c.status();
        ChannelStatistics t = c.statistics();
        return new ChannelSample(at, s.state(), s.queueStopped(), s.outgoingStalled(), t.packetsIn(), t.completionsSent(),
                t.pendingIncoming(), t.incomingRingUsed(), t.packetsOut(), t.queuedOutgoing(),
                ours == null ? List.of() : ours.heldAgesNanos());
    }
}
