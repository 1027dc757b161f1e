package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Completion;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.diag.capture.Capture;
import dev.kmclbridge.diag.capture.CaptureFiles;
import dev.kmclbridge.diag.capture.CaptureHeader;
import dev.kmclbridge.diag.capture.CaptureRecorder;
import dev.kmclbridge.diag.capture.CaptureReplayer;
import dev.kmclbridge.diag.capture.CapturedPacket;
import dev.kmclbridge.diag.capture.PacketComparison;
import dev.kmclbridge.diag.capture.ReplayReport;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.PacketFilter;
import dev.kmclbridge.diag.traffic.PacketPolicy;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import dev.kmclbridge.peer.Peer;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * {@code replay}: feeds a capture into the fake's (or loopback's) peer: the peer re-sends the recorded incoming
 * packets to a fresh channel that ends them with the recorded filters, kmcl-diag re-sends the recorded outgoing
 * packets and the peer answers with the recorded completions; packet sequence and verdicts are compared.
 */
public final class ReplayCommand extends NamedCommand {
    static final String IN = "in";
    static final String SPEED = "speed";
    static final String TIMEOUT = "timeout";
    static final String OUT = "out";
    static final String MAX_DURATION = "max-duration";
    /** The slowest --speed other than 0: a thousand times slower than recorded. */
    static final double MIN_SPEED = 1e-3;
    static final double MAX_SPEED = 1e6;

    public ReplayCommand() {
        super("replay",
                "replay a capture into the fake's peer and compare packet sequence and verdicts (exit 1 on mismatch)");
    }

    @Override
    public String positionalUsage() {
        return "[FILE]";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(withValue(IN, "FILE", "capture file to replay, a regular file of at most 256 MiB (or give FILE as argument)"))
                .addOption(withValue(SPEED, "FACTOR", "1 = recorded timing (default), 2 = twice as fast, 0 = no waits; "
                        + "otherwise " + MIN_SPEED + " to " + (long) MAX_SPEED))
                .addOption(withValue(MAX_DURATION, "SECONDS", "refuse a timed replay that would take longer (default 3600)"))
                .addOption(withValue(TIMEOUT, "SECONDS", "wait per packet (default 5)"))
                .addOption(withValue(OUT, "FILE", "also record the replayed traffic as a capture"))
                .addOption(withValue(ChannelOptions.MAX_PACKET, "BYTES", "VmbChannelInitSetMaximumPacketSize for the replay channel"));
    }

    @Override
    public String helpFooter() {
        return "Needs a backend with a peer (fake or loopback): on native it exits with 4.\n"
                + "In your own tests use dev.kmclbridge.diag.capture.CaptureReplayer with your channel and handler instead.\n"
                + "Example: kmcl-diag replay --backend fake --speed 0 demo.kcap";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        String name = v.has(IN) ? v.string(IN, null) : v.positional().length == 1 ? v.positional()[0] : null;
        if (name == null || (v.has(IN) && v.positional().length > 0) || v.positional().length > 1) {
            throw DiagFailure.usage("replay needs exactly one capture file (--in FILE or FILE)");
        }
        Path file = OptionValues.path("capture file", name);
        Capture capture = CaptureFiles.read(file);
        double speed = speed(v);
        refuseEndlessTiming(file, capture, speed, v.seconds(MAX_DURATION, Duration.ofHours(1)));
        refuseOversizedPackets(file, capture, PacketSizeLimit.of(v, inv.backendChoice().name()));
        Duration timeout = v.seconds(TIMEOUT, Duration.ofSeconds(5));
        Optional<Path> outFile = v.has(OUT) ? Optional.of(v.path(OUT)) : Optional.empty();
        CaptureHeader h = capture.header();
        PacketPolicy policy = new PacketPolicy(PacketFilter.parse("capture header completeFilter", h.completeFilter()),
                PacketFilter.parse("capture header failFilter", h.failFilter()), Hex.parse("capture header completionPayload",
                h.completionPayload()));
        if (inv.kmcl().peer().isEmpty()) {
            throw DiagFailure.backendUnavailable("replay needs a backend with a peer (fake or loopback); backend '"
                    + inv.kmcl().info().name() + "' has none");
        }
        List<byte[]> delivered = Collections.synchronizedList(new ArrayList<>());
        CaptureRecorder[] recorder = new CaptureRecorder[1];
        PolicyHandler handler = new PolicyHandler(policy, p -> {
            delivered.add(p.payload());
            if (recorder[0] != null) {
                recorder[0].incoming(p);
            }
        });
        try (ChannelRig rig = ChannelRig.open(inv.kmcl(), Optional.empty(), ChannelOptions.config(v), handler,
                Duration.ofSeconds(10))) {
            CaptureHeader replayHeader = CaptureCommand.header(Instant.now(), inv.kmcl().info().name(), rig, h.completeFilter(),
                    h.failFilter(), h.completionPayload());
            recorder[0] = outFile.isPresent() ? CaptureCommand.openRecorder(outFile.get(), replayHeader)
                    : CaptureRecorder.inMemory(replayHeader);
            Peer peer = rig.requirePeer("replay");
            List<CompletableFuture<Completion>> sends = new ArrayList<>();
            CaptureReplayer replayer = new CaptureReplayer(peer, rig.channel().id(), speed, timeout);
            ReplayReport report = replayer.replay(capture,
                    p -> sends.add(recorder[0].send(rig.channel(), p.payloadBytes(), p.completionRequested())));
            try {
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // unanswered sends are reported by the comparison and recorded as pending
            }
            Capture replayed = recorder[0].finish(rig.channel().status().queueStopped());
            handler.completeHeld();
            if (outFile.isPresent()) {
                CaptureCommand.failIfNotRecorded(outFile.get(), recorder[0], handler, replayed);
            }
            List<byte[]> expectedOrder = capture.packets().stream().filter(CapturedPacket::incoming).map(CapturedPacket::payloadBytes).toList();
            boolean sameOrder;
            synchronized (delivered) {
                sameOrder = expectedOrder.size() == delivered.size()
                        && java.util.stream.IntStream.range(0, delivered.size()).allMatch(i -> Arrays.equals(expectedOrder.get(i), delivered.get(i)));
            }
            boolean ok = report.allMatch() && sameOrder;
            print(inv, name, report, sameOrder, delivered.size(), expectedOrder.size(), ok);
            return ok ? ExitCode.OK : ExitCode.CHECK_FAILED;
        }
    }

    /** --speed: 0 (no waits) or {@value #MIN_SPEED}..{@value #MAX_SPEED}; 1e-300 would wait practically forever. */
    private static double speed(OptionValues v) {
        double speed = v.doubleValue(SPEED, 1.0, 0, MAX_SPEED);
        if (speed > 0 && speed < MIN_SPEED) {
            throw DiagFailure.badInput("--" + SPEED + ": " + EchoedText.value(v.string(SPEED, "")) + " is neither 0 (no waits) nor "
                    + MIN_SPEED + " to " + (long) MAX_SPEED);
        }
        return speed;
    }

    /** A timed replay longer than {@code max} (an absurd recorded time, a very low speed) is refused up front. */
    private static void refuseEndlessTiming(Path file, Capture capture, double speed, Duration max) {
        double seconds = CaptureReplayer.timedLength(capture, speed);
        if (seconds > max.toNanos() / 1e9) {
            throw DiagFailure.badInput("replaying " + file + " at --" + SPEED + " " + speed + " would take " + readable(seconds)
                    + " (more than --" + MAX_DURATION + " " + max.toSeconds() + " s); replay faster with --" + SPEED
                    + ", without waits with --" + SPEED + " 0, or allow it with --" + MAX_DURATION);
        }
    }

    /** A recorded packet the replay channel cannot carry is refused up front (the receiving side would drop it). */
    private static void refuseOversizedPackets(Path file, Capture capture, PacketSizeLimit limit) {
        for (CapturedPacket p : capture.packets()) {
            limit.check("capture file " + file + ": packet seq " + p.seq(), p.payload().length() / 2);
        }
    }

    private static String readable(double seconds) {
        double days = seconds / 86_400;
        return days >= 365 ? String.format("%.3g years", days / 365) : days >= 1 ? String.format("%.1f days", days)
                : String.format("%.0f s", seconds);
    }

    private static void print(Invocation inv, String file, ReplayReport r, boolean sameOrder, int delivered, int expected, boolean ok) {
        if (inv.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file);
            m.put("packets", r.packets().size());
            m.put("mismatches", r.mismatches());
            m.put("deliveryOrderMatches", sameOrder);
            m.put("incomingDelivered", delivered);
            m.put("incomingRecorded", expected);
            m.put("match", ok);
            m.put("comparisons", r.packets());
            inv.printJson(m);
            return;
        }
        var out = inv.out();
        out.printf("%-4s %-3s %-6s %-10s %-10s %s%n", "SEQ", "DIR", "BYTES", "RECORDED", "REPLAYED", "RESULT");
        for (PacketComparison c : r.packets()) {
            out.printf("%-4d %-3s %-6d %-10s %-10s %s%n", c.seq(), c.direction(), c.bytes(), c.expectedVerdict(), c.actualVerdict(),
                    c.match() ? "ok" : "DIFFERS: " + c.detail());
        }
        out.printf("replayed %d packets from %s: %d match, %d differ; delivery order %s (%d of %d incoming delivered)%n",
                r.packets().size(), file, r.packets().size() - r.mismatches(), r.mismatches(), sameOrder ? "same" : "DIFFERENT",
                delivered, expected);
        out.println(ok ? "REPLAY MATCHES" : "REPLAY DIFFERS");
    }
}
