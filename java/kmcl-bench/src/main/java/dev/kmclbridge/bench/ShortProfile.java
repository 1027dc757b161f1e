package dev.kmclbridge.bench;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The short benchmark profile ({@code scripts/bench --profile short}): every packet path on fake and loopback,
 * the reference calls and the scaling runs, in one JVM session with the GC profiler, then
 * {@link PerformanceReport} writes the results to a Markdown file (docs/performance.md by default).
 *
 * <p>Arguments: {@code [--out FILE] [--warmups N] [--iterations N] [--seconds N] [--backends fake,loopback]}.
 */
public final class ShortProfile {
    private ShortProfile() {
    }

    /** One JMH run: a benchmark method and the parameter values it runs with. */
    record Run(String group, Class<?> benchmark, String method, String[][] params) {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Path out = Path.of("docs/performance.md");
        int warmups = 3;
        int iterations = 5;
        int seconds = 1;
        String[] backends = {"fake", "loopback"};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--warmups" -> warmups = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--backends" -> backends = args[++i].split(",");
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --out FILE --warmups N --iterations N --seconds N --backends LIST)");
            }
        }
        long started = System.nanoTime();
        List<PerformanceReport.Measured> measured = new ArrayList<>();
        for (Run run : runs(backends)) {
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .include(run.benchmark().getName() + "." + run.method() + "$")
                    .forks(1).warmupIterations(warmups).measurementIterations(iterations)
                    .warmupTime(TimeValue.seconds(seconds)).measurementTime(TimeValue.seconds(seconds))
                    .addProfiler(GCProfiler.class).shouldFailOnError(true);
            for (String[] p : run.params()) {
                o.param(p[0], java.util.Arrays.copyOfRange(p, 1, p.length));
            }
            for (RunResult r : new Runner(o.build()).run()) {
                Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
                measured.add(new PerformanceReport.Measured(run.group(), run.method(),
                        r.getParams().getParam("backend"), intParam(r, "payloadSize"), intParam(r, "batch"),
                        intParam(r, "channels"), intParam(r, "window"),
                        r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(),
                        r.getPrimaryResult().getScoreUnit(),
                        alloc == null ? Double.NaN : alloc.getScore(), alloc == null ? Double.NaN : alloc.getScoreError()));
            }
        }
        String command = "scripts/bench --profile short (" + warmups + " warm-up and " + iterations + " measured "
                + seconds + " s iterations, 1 fork, -prof gc)";
        double minutes = (System.nanoTime() - started) / 60e9;
        String kept = Files.exists(out) ? PerformanceReport.handMeasuredPart(Files.readString(out)) : "";
        Files.writeString(out, new PerformanceReport(measured, command, minutes).markdown() + kept);
        System.out.println("wrote " + out + " (" + String.format("%.1f", minutes) + " min)");
    }

    private static int intParam(RunResult r, String name) {
        String v = r.getParams().getParam(name);
        return v == null ? 0 : Integer.parseInt(v);
    }

    static List<Run> runs(String[] backends) {
        List<Run> runs = new ArrayList<>();
        String[] b = prepend("backend", backends);
        runs.add(new Run("paths", OneWayInBenchmark.class, "oneWayIn", new String[][]{b, {"payloadSize", "64", "1500"},
                {"batch", "64"}, {"channels", "1"}}));
        runs.add(new Run("paths", OneWayOutBenchmark.class, "oneWayOut", new String[][]{b, {"payloadSize", "64", "1500"},
                {"batch", "64"}}));
        runs.add(new Run("paths", RoundTripBenchmark.class, "roundTrip", new String[][]{b, {"payloadSize", "64", "1500"},
                {"window", "64"}}));
        if (List.of(backends).contains("loopback")) {
            runs.add(new Run("reference", ReferenceBenchmark.class, "jnaDirectCall", new String[][]{{"backend", "loopback"}}));
        }
        runs.add(new Run("reference", ReferenceBenchmark.class, "emptyReceive", new String[][]{b}));
        runs.add(new Run("batch", OneWayInBenchmark.class, "oneWayIn", new String[][]{b, {"payloadSize", "64"},
                {"batch", "1", "8", "64", "256"}, {"channels", "1"}}));
        runs.add(new Run("size", OneWayInBenchmark.class, "oneWayIn", new String[][]{b,
                {"payloadSize", "64", "256", "1024", "4096", "16384", "65536"}, {"batch", "16"}, {"channels", "1"}}));
        runs.add(new Run("channels", OneWayInBenchmark.class, "oneWayIn", new String[][]{b, {"payloadSize", "64"},
                {"batch", "64"}, {"channels", "1", "4", "16"}}));
        return runs;
    }

    private static String[] prepend(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
