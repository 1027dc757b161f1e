package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.GeneratorOptions;
import dev.kmclbridge.diag.traffic.HandledPacket;
import dev.kmclbridge.diag.traffic.PacketPolicy;
import dev.kmclbridge.diag.traffic.PacketPolicyOptions;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PeerTraffic;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import dev.kmclbridge.diag.traffic.Waiting;
import org.apache.commons.cli.Options;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code watch}: streams incoming packets with a hex dump; completes, fails or holds them by filter. */
public final class WatchCommand extends NamedCommand {
    static final int DEFAULT_GENERATE = 5;

    public WatchCommand() {
        super("watch", "stream incoming packets with a hex dump; complete or fail those matching a filter");
    }

    @Override
    public Options options() {
        Options o = StopOptions.addTo(new Options(), "stop after N packets");
        GeneratorOptions.addTo(PacketPolicyOptions.addTo(o), DEFAULT_GENERATE);
        return ChannelOptions.addTo(o);
    }

    @Override
    public String helpFooter() {
        return PacketPolicyOptions.FILTER_HELP
                + "On fake/loopback the peer generates the traffic (--generate); on native the packets come from the device.\n"
                + "Example: kmcl-diag watch --backend fake --generate 3 --fail nth=2";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        PacketPolicy policy = PacketPolicyOptions.policy(v);
        GeneratorOptions.validate(v, PacketSizeLimit.of(v, inv.backendChoice().name()));
        long count = StopOptions.count(v);
        long t0 = System.nanoTime();
        PrintStream out = inv.out();
        PolicyHandler handler = new PolicyHandler(policy, p -> print(inv, out, p, t0));
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, handler)) {
            int generate = GeneratorOptions.count(v, rig.peer().isPresent(), DEFAULT_GENERATE);
            Duration duration = StopOptions.duration(v, rig.peer().isPresent());
            long stopAfter = StopOptions.count(v, count, generate);
            if (!inv.json()) {
                out.printf("watching channel %s (%s)%s%n", ChannelView.id(rig.channel()),
                        EndpointsCommand.displayName(rig.endpoint()),
                        generate > 0 ? "; the peer sends " + generate + " packets" : "");
            }
            Optional<PeerTraffic> traffic = GeneratorOptions.start(v, rig.peer(), rig.channel().id(), generate);
            long deadline = System.nanoTime() + duration.toNanos();
            try {
                Waiting.until(() -> handler.delivered() >= stopAfter || rig.channel().status().queueStopped()
                        || traffic.map(PeerTraffic::hasFailed).orElse(false), deadline);
            } finally {
                traffic.ifPresent(PeerTraffic::close);
            }
            int heldCompleted = handler.completeHeld();
            boolean stopped = rig.channel().status().queueStopped();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("summary", true);
            summary.put("delivered", handler.delivered());
            summary.put("completed", handler.completed());
            summary.put("failed", handler.failed());
            summary.put("heldThenCompletedAtExit", heldCompleted);
            summary.put("queueStopped", stopped);
            synchronized (out) {
                if (inv.json()) {
                    inv.printJsonLine(summary);
                } else {
                    out.printf("watched %d packets: %d completed, %d failed, %d held (completed at exit)%s%n",
                            handler.delivered(), handler.completed(), handler.failed(), heldCompleted,
                            stopped ? "; the incoming queue is stopped (a packet was failed)" : "");
                }
            }
        }
        return ExitCode.OK;
    }

    private static void print(Invocation inv, PrintStream out, HandledPacket p, long t0) {
        double at = (p.atNanos() - t0) / 1e9;
        synchronized (out) {
            if (inv.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("n", p.index());
                m.put("atSeconds", Math.round(at * 1e6) / 1e6);
                m.put("bytes", p.payload().length);
                m.put("externalBytes", p.external().length);
                m.put("completionRequested", p.completionRequested());
                m.put("action", p.action());
                m.put("payload", Hex.format(p.payload()));
                inv.printJsonLine(m);
            } else {
                out.printf("#%d +%.3fs %d bytes%s%s -> %s%n", p.index(), at, p.payload().length,
                        p.external().length > 0 ? " + " + p.external().length + " external" : "",
                        p.completionRequested() ? ", completion requested" : "", p.action());
                out.print(Hex.dump(p.payload(), "  "));
                out.flush();
            }
        }
    }
}
