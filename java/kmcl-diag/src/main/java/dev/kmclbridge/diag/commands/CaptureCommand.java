package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Completion;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.InputFiles;
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
import dev.kmclbridge.diag.traffic.PacketPolicyOptions;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PeerReplyOption;
import dev.kmclbridge.diag.traffic.PeerResponder;
import dev.kmclbridge.diag.traffic.PeerTraffic;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import dev.kmclbridge.diag.traffic.Waiting;
import org.apache.commons.cli.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

import static dev.kmclbridge.diag.LongOption.withValue;

/** {@code capture}: records a channel's traffic with timing and verdicts to a capture file (docs/capture-format.md). */
public final class CaptureCommand extends NamedCommand {
    static final String OUT = "out";
    static final String SEND = "send";
    static final int DEFAULT_GENERATE = 5;

    public CaptureCommand() {
        super("capture", "record a channel's traffic (timing, payloads, verdicts) to a JSON Lines capture file");
    }

    @Override
    public Options options() {
        Options o = StopOptions.addTo(new Options().addOption(withValue(OUT, "FILE", "capture file to write (required)")),
                "stop after N incoming packets");
        o.addOption(withValue(SEND, "HEX", "also send this payload with WAIT_FOR_COMPLETION during the capture (repeatable)"))
                .addOption(PeerReplyOption.option("fake/loopback: the peer completes our sends with this payload (default: echo)"));
        GeneratorOptions.addTo(PacketPolicyOptions.addTo(o), DEFAULT_GENERATE);
        return ChannelOptions.addTo(o);
    }

    @Override
    public Set<String> repeatableOptions() {
        return Set.of(SEND);
    }

    @Override
    public String helpFooter() {
        return PacketPolicyOptions.FILTER_HELP
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
        Path file = v.path(OUT);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw DiagFailure.badInput("--out: directory " + parent + " does not exist");
        }
        PacketPolicy policy = PacketPolicyOptions.policy(v);
        GeneratorOptions.validate(v, PacketSizeLimit.of(v, inv.backendChoice().name()));
        List<byte[]> sends = new ArrayList<>();
        for (String s : v.commandLine().getOptionValues(SEND) == null ? new String[0] : v.commandLine().getOptionValues(SEND)) {
            sends.add(Hex.parse("--send", s));
        }
        Optional<byte[]> peerReply = PeerReplyOption.read(v);
        long count = StopOptions.count(v);

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
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, handler)) {
            int generate = GeneratorOptions.count(v, rig.peer().isPresent(), DEFAULT_GENERATE);
            UnaryOperator<byte[]> reply = PeerReplyOption.reply(peerReply, rig);
            Duration duration = StopOptions.duration(v, rig.peer().isPresent());
            long stopAfter = StopOptions.count(v, count, generate);
            CaptureHeader header = header(Instant.now().truncatedTo(ChronoUnit.MILLIS), inv.kmcl().info().name(), rig,
                    policy.complete().toString(), policy.fail().toString(), Hex.format(policy.completionPayload()));
            CaptureRecorder rec = openRecorder(file, header);
            synchronized (early) {
                early.forEach(rec::incoming);
                recorder[0] = rec;
            }
            Optional<PeerResponder> responder = PeerResponder.startFor(rig, reply);
            Optional<PeerTraffic> traffic = GeneratorOptions.start(v, rig.peer(), rig.channel().id(), generate);
            long deadline = System.nanoTime() + duration.toNanos();
            Capture capture;
            try {
                for (byte[] payload : sends) {
                    CompletableFuture<Completion> f = rec.send(rig.channel(), payload, true);
                    try {
                        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException | ExecutionException e) {
                        break; // recorded as pending / failed
                    }
                }
                // a failed write stops the capture at once: what follows could not be recorded
                Waiting.until(() -> handler.delivered() >= stopAfter || rec.writeFailure().isPresent()
                        || handler.listenerFailure().isPresent() || traffic.map(PeerTraffic::hasFailed).orElse(false)
                        || (rig.channel().status().queueStopped() && traffic.map(PeerTraffic::finished).orElse(true)), deadline);
            } finally {
                traffic.ifPresent(PeerTraffic::close);
                boolean stopped = rig.channel().status().queueStopped();
                capture = rec.finish(stopped);
                handler.completeHeld();
                responder.ifPresent(PeerResponder::close);
            }
            failIfNotRecorded(file, rec, handler, capture);
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

    /** A recorder writing {@code file}; a file that cannot be created or take the header is bad input. */
    static CaptureRecorder openRecorder(Path file, CaptureHeader header) {
        try {
            return CaptureRecorder.toFile(file, header);
        } catch (IOException e) {
            throw DiagFailure.badInput("--" + OUT + ": cannot write " + file + ": " + InputFiles.reason(e));
        }
    }

    /**
     * After the capture ended: a write that failed (disk full) is bad input, exit 3, naming the reason and how much
     * was recorded; a listener that threw is a bug and rethrown (exit 9). Either way every packet was ended.
     */
    static void failIfNotRecorded(Path file, CaptureRecorder rec, PolicyHandler handler, Capture capture) {
        Optional<IOException> failure = rec.writeFailure();
        if (failure.isPresent()) {
            throw DiagFailure.badInput("--" + OUT + ": cannot write " + file + ": " + InputFiles.reason(failure.get())
                    + " (the capture stopped; " + capture.packets().size() + " packets were seen, the file keeps those written before)");
        }
        handler.listenerFailure().ifPresent(e -> {
            throw e;
        });
    }

    /** The header of a capture of {@code rig}'s channel (capture writes it; replay records the replay with one). */
    static CaptureHeader header(Instant createdAt, String backend, ChannelRig rig, String completeFilter, String failFilter,
                                String completionPayload) {
        return new CaptureHeader(CaptureHeader.FORMAT, CaptureHeader.VERSION, createdAt.toString(), backend,
                rig.endpoint().interfaceType().toString(), rig.endpoint().interfaceInstance().toString(),
                EndpointsCommand.displayName(rig.endpoint()), ChannelView.id(rig.channel()), completeFilter, failFilter,
                completionPayload);
    }
}
