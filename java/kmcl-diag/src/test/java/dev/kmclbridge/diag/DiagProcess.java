package dev.kmclbridge.diag;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kmcl-diag in a child JVM started with this test JVM's class path: real exit codes and streams, and a time limit
 * after which the child is killed, so an input that makes kmcl-diag hang fails the test instead of hanging it.
 * Output goes to files, so a child that writes a lot cannot block on a full pipe.
 */
final class DiagProcess {
    /** How a run ended; {@code timedOut} when it was killed at the limit (then {@code code} is -1). */
    record Result(int code, String out, String err, boolean timedOut, Duration took) {
        long errLineCount() {
            return err.lines().count();
        }

        @Override
        public String toString() {
            return (timedOut ? "killed after " + took.toMillis() + " ms" : "exit " + code + " after " + took.toMillis() + " ms")
                    + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private DiagProcess() {
    }

    /** Runs kmcl-diag with {@code args} and the given extra JVM options. */
    static Result run(Duration limit, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        return start(limit, List.of(), jvmOptions, args);
    }

    /**
     * Runs kmcl-diag under {@code ulimit -f blocks} (1024-byte blocks): writes past that size fail with EFBIG,
     * the way a full disk makes them fail (the JVM ignores SIGXFSZ).
     */
    static Result runWithFileSizeLimit(Duration limit, int blocks, String... args) throws IOException, InterruptedException {
        return start(limit, List.of("bash", "-c", "ulimit -f " + blocks + " && exec \"$@\"", "ulimit"),
                List.of("-XX:-UsePerfData"), args);
    }

    private static Result start(Duration limit, List<String> prefix, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KmclDiag.class.getName()));
        cmd.addAll(Arrays.asList(args));
        File out = File.createTempFile("kmcl-diag-out", ".txt");
        File err = File.createTempFile("kmcl-diag-err", ".txt");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
            p.getOutputStream().close();
            boolean finished = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            return new Result(finished ? p.exitValue() : -1, Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8), !finished, took);
        } finally {
            Files.deleteIfExists(out.toPath());
            Files.deleteIfExists(err.toPath());
        }
    }
}
