package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Completion;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.diag.Command;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.capture.Capture;
import dev.kmclbridge.diag.capture.CaptureHeader;
import dev.kmclbridge.diag.capture.CaptureRecorder;
import dev.kmclbridge.diag.capture.CapturedPacket;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.GeneratorOptions;
import dev.kmclbridge.diag.traffic.HandledPacket;
import dev.kmclbridge.diag.traffic.PacketPolicy;
import dev.kmclbridge.diag.traffic.PeerResponder;
import dev.kmclbridge.diag.traffic.PeerTraffic;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/** {@code capture}: records a channel's traffic with timing and verdicts to a capture file (docs/capture-format.md). */
public final class CaptureCommand implements Command {
    static final String OUT = "out";
    static final String COUNT = "count";
    static final String DURATION = "duration";
    static final String SEND = "send";
    static final String PEER_REPLY = "peer-reply";
    static final int DEFAULT_GENERATE = 5;

    @Override
    public String name() {
        return "capture";
    }

    @Override
    public String summary() {
        return "record a channel's traffic (timing, payloads, verdicts) to a JSON Lines capture file";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt(OUT).hasArg().argName("FILE").desc("capture file to write (required)").get());
        o.addOption(Option.builder().longOpt(COUNT).hasArg().argName("N").desc("stop after N incoming packets").get());
        o.addOption(Option.builder().longOpt(DURATION).hasArg().argName("SECONDS")
                .desc("stop after SECONDS (default: fake/loopback 10, native unlimited)").get());
        o.addOption(Option.builder().longOpt(SEND).hasArg().argName("HEX")
                .desc("also send this payload with WAIT_FOR_COMPLETION during the capture (repeatable)").get());
        o.addOption(Option.builder().longOpt(PEER_REPLY).hasArg().argName("HEX")
                .desc("fake/loopback: the peer completes our sends with this payload (default: echo)").get());
        WatchCommand.policyOptions(o);
        GeneratorOptions.addTo(o, DEFAULT_GENERATE);
        return ChannelOptions.addTo(o);
    }

    @Override
    public String helpFooter() {
        return WatchCommand.FILTER_HELP
                + "kmcl-diag is the endpoint of the channel it records (it does not sniff another process's channel): it\n"
                + "completes/fails incoming packets by the filters, which are stored in the header so replay can re-apply them.\n"
                + "Example: kmcl-diag capture --backend fake --out demo.kcap --generate 4 --fail nth=4 --send 01020304";
    }

    @Override
    public ExitCode run(Invocation inv) throws Exception {
        var v = inv.options();
        if (!v.has(OUT)) {
            throw DiagFailure.usage("capture needs --out FILE");
        }
        Path file = Path.of(v.string(OUT, null));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw DiagFailure.badInput("--out: directory " + parent + " does not exist");
        }
        PacketPolicy policy = WatchCommand.policy(v);
        GeneratorOptions.validate(v);
        List<byte[]> sends = new ArrayList<>();
        for (String s : v.commandLine().getOptionValues(SEND) == null ? new String[0] : v.commandLine().getOptionValues(SEND)) {
            sends.add(Hex.parse("--send", s));
        }
        Optional<byte[]> peerReply = v.has(PEER_REPLY) ? Optional.of(v.hex(PEER_REPLY, null)) : Optional.empty();
        long count = v.longValue(COUNT, Long.MAX_VALUE, 1, Long.MAX_VALUE);

        List<HandledPacket> early = new ArrayList<>();
        CaptureRecorder[] recorder = new CaptureRecorder[1];
        PolicyHandler handler = new PolicyHandler(policy, p -> {
            synchronized (early) {
                if (recorder[0] == null) {
                    early.add(p);
                    return;
                }
            }
            recorder[0].incoming(p);
        });
        try (ChannelRig rig = ChannelRig.open(inv.kmcl(), ChannelOptions.endpoint(v), ChannelOptions.config(v),
                Optional.of(handler), ChannelOptions.openTimeout(v))) {
            int generate = GeneratorOptions.count(v, rig.peer().isPresent(), DEFAULT_GENERATE);
            if (peerReply.isPresent() && rig.peer().isEmpty()) {
                throw DiagFailure.usage("--peer-reply needs a backend with a peer (fake or loopback)");
            }
            Duration duration = v.seconds(DURATION, rig.peer().isPresent() ? Duration.ofSeconds(10) : Duration.ofDays(3650));
            if (!v.has(COUNT) && generate > 0) {
                count = generate;
            }
            CaptureHeader header = new CaptureHeader(CaptureHeader.FORMAT, CaptureHeader.VERSION,
                    Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(), inv.kmcl().info().name(),
                    rig.endpoint().interfaceType().toString(), rig.endpoint().interfaceInstance().toString(),
                    EndpointsCommand.displayName(rig.endpoint()), ChannelView.id(rig.channel()), policy.complete().toString(),
                    policy.fail().toString(), Hex.format(policy.completionPayload()));
            CaptureRecorder rec;
            try {
                rec = CaptureRecorder.toFile(file, header);
            } catch (IOException e) {
                throw DiagFailure.badInput("--out: cannot write " + file + ": " + e.getMessage());
            }
            synchronized (early) {
                early.forEach(rec::incoming);
                recorder[0] = rec;
            }
            UnaryOperator<byte[]> reply = peerReply.<UnaryOperator<byte[]>>map(r -> p -> r).orElse(p -> p);
            PeerResponder responder = rig.peer().map(p -> PeerResponder.start(p, rig.channel().id(), reply)).orElse(null);
            Optional<PeerTraffic> traffic = GeneratorOptions.start(v, rig.peer(), rig.channel().id(), generate);
            long deadline = System.nanoTime() + duration.toNanos();
            Capture capture;
            try {
                for (byte[] payload : sends) {
                    long at = System.nanoTime();
                    CompletableFuture<Completion> f = rig.channel().send(payload, EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
                    rec.outgoing(payload, true, at, f);
                    try {
                        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException | ExecutionException e) {
                        break; // recorded as pending / failed
                    }
                }
                while (handler.delivered() < count && System.nanoTime() < deadline
                        && !(rig.channel().status().queueStopped() && traffic.map(PeerTraffic::finished).orElse(true))) {
                    Thread.sleep(10);
                }
            } finally {
                traffic.ifPresent(PeerTraffic::close);
                boolean stopped = rig.channel().status().queueStopped();
                capture = rec.finish(stopped);
                handler.completeHeld();
                if (responder != null) {
                    responder.close();
                }
            }
            long in = capture.packets().stream().filter(CapturedPacket::incoming).count();
            long outN = capture.packets().size() - in;
            double secs = capture.end().map(e -> e.durationNanos() / 1e9).orElse(0.0);
            if (inv.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file.toString());
                m.put("packets", capture.packets().size());
                m.put("in", in);
                m.put("out", outN);
                m.put("durationSeconds", Math.round(secs * 1000) / 1000.0);
                m.put("queueStopped", capture.end().map(e -> e.queueStopped()).orElse(false));
                inv.printJson(m);
            } else {
                inv.out().printf("captured %d packets (%d in, %d out) on channel %s to %s in %.3f s%n",
                        capture.packets().size(), in, outN, ChannelView.id(rig.channel()), file, secs);
                for (CapturedPacket p : capture.packets()) {
                    inv.out().printf("  #%d %-3s +%.3fs %d bytes -> %s%n", p.seq(), p.direction(), p.atNanos() / 1e9,
                            p.payloadBytes().length, p.verdict());
                }
            }
        }
        return ExitCode.OK;
    }
}
