package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.bench.BenchResult;
import dev.kmclbridge.diag.bench.BenchRunner;
import dev.kmclbridge.diag.bench.BenchSettings;
import dev.kmclbridge.diag.bench.ProgressIndicator;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PeerResponder;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.diag.LongOption.flag;
import static dev.kmclbridge.diag.LongOption.withValue;

/** {@code bench}: throughput and latency percentiles over one channel of the selected backend. */
public final class BenchCommand extends NamedCommand {
    static final String DIRECTION = "direction";
    static final String SIZE = "size";
    static final String COUNT = "count";
    static final String DURATION = "duration";
    static final String WINDOW = "window";
    static final String WARMUP = "warmup";
    static final String NO_PROGRESS = "no-progress";

    public BenchCommand() {
        super("bench",
                "throughput and latency percentiles (HdrHistogram) of the selected backend, with a progress bar");
    }

    @Override
    public Options options() {
        return ChannelOptions.addTo(new Options()
                .addOption(withValue(DIRECTION, "out|in", "out: we send with WAIT_FOR_COMPLETION, the other side completes "
                        + "(default); in: the peer sends, we complete (fake/loopback)"))
                .addOption(withValue(SIZE, "BYTES", "payload bytes per packet, >= 8 (default 64)"))
                .addOption(withValue(COUNT, "N", "packets to measure (default 20000)"))
                .addOption(withValue(DURATION, "SECONDS", "measure for SECONDS instead of a count"))
                .addOption(withValue(WINDOW, "N", "packets in flight at most (default 16)"))
                .addOption(withValue(WARMUP, "N", "packets moved first and not measured (default 1000)"))
                .addOption(flag(NO_PROGRESS, "no progress bar (it appears on stderr for runs longer than 2 s)")));
    }

    @Override
    public String helpFooter() {
        return "Latency: send to completion (out) or peer send to delivery (in), in microseconds.\n"
                + "On native, --direction out needs an endpoint whose host side completes packets.\n"
                + "Example: kmcl-diag bench --backend fake --count 20000 --size 256 --window 32";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        String dir = v.string(DIRECTION, "out");
        if (!dir.equals("out") && !dir.equals("in")) {
            throw DiagFailure.badInput("--" + DIRECTION + ": " + EchoedText.quote(dir) + " (choose out or in)");
        }
        Optional<Duration> duration = v.has(DURATION) ? Optional.of(v.seconds(DURATION, null)) : Optional.empty();
        BenchSettings settings = new BenchSettings(dir.equals("out") ? BenchSettings.Direction.OUT : BenchSettings.Direction.IN,
                v.intValue(SIZE, 64, 8, PacketSizeLimit.LARGEST_PACKET), v.longValue(COUNT, 20_000, 1, Long.MAX_VALUE / 2), duration,
                v.intValue(WINDOW, 16, 1, 100_000), v.longValue(WARMUP, 1000, 0, Long.MAX_VALUE / 2));
        PacketSizeLimit.of(v, inv.backendChoice().name()).check("--" + SIZE, settings.payloadSize());
        BenchRunner runner = new BenchRunner(settings);
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, runner::onIncoming)) {
            if (settings.direction() == BenchSettings.Direction.IN) {
                rig.requirePeer("--direction in");
            }
            Optional<PeerResponder> responder = settings.direction() == BenchSettings.Direction.OUT
                    ? PeerResponder.startFor(rig, x -> new byte[0]) : Optional.empty();
            long max = duration.map(Duration::toMillis).orElse(settings.count());
            BenchResult r;
            try (ProgressIndicator progress = new ProgressIndicator(inv.err(), "bench " + dir, max,
                    duration.map(d -> d.compareTo(Duration.ofSeconds(2)) >= 0 ? 0L : Long.MAX_VALUE)
                            .orElse(TimeUnit.SECONDS.toNanos(2)), !v.has(NO_PROGRESS))) {
                r = runner.run(inv.kmcl().info().name(), rig.channel(), rig.peer(), progress);
            } finally {
                responder.ifPresent(PeerResponder::close);
            }
            if (inv.json()) {
                inv.printJson(r);
            } else {
                var out = inv.out();
                out.printf("backend %s, direction %s, %d-byte packets, window %d%n", r.backend(), r.direction(), r.payloadSize(), r.window());
                out.printf("%d packets in %.3f s: %.0f packets/s, %.3f MB/s%n", r.packets(), r.seconds(), r.packetsPerSecond(), r.megabytesPerSecond());
                var l = r.latency();
                out.printf("latency (us): min %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f%n",
                        l.minMicros(), l.p50Micros(), l.p90Micros(), l.p99Micros(), l.p999Micros(), l.maxMicros(), l.meanMicros());
            }
        }
        return ExitCode.OK;
    }
}
