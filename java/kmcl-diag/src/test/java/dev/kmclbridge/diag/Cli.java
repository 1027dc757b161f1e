package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs kmcl-diag in-process and captures exit code, stdout and stderr. */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\\R"));
        }

        /** Asserts that the run failed with {@code expectedCode} and said why on exactly one stderr line. */
        Result failedOnOneLine(int expectedCode) {
            assertEquals(expectedCode, code, this::toString);
            assertEquals(1, errLines().size(), this::toString);
            return this;
        }

        /** Asserts that the run exited 0 and returns its stdout as one JSON document. */
        JsonNode succeededJson() {
            assertEquals(0, code, this::toString);
            return json();
        }

        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("stdout is not JSON: " + out, e);
            }
        }

        List<JsonNode> jsonLines() {
            List<JsonNode> out = new ArrayList<>();
            for (String l : this.out.split("\\R")) {
                if (!l.isBlank()) {
                    try {
                        out.add(JSON.readTree(l));
                    } catch (Exception e) {
                        throw new AssertionError("not a JSON line: " + l, e);
                    }
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new KmclDiag(o, e).run(args);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs on a test-only backend (not a --backend name): the system property kmcl.backend names it for this run
     * and is restored after.
     */
    static Result onTestBackend(String backend, String... args) {
        String previous = System.getProperty("kmcl.backend");
        System.setProperty("kmcl.backend", backend);
        try {
            return run(args);
        } finally {
            if (previous == null) {
                System.clearProperty("kmcl.backend");
            } else {
                System.setProperty("kmcl.backend", previous);
            }
        }
    }

    /** Runs with --backend fake prepended. */
    static Result fake(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--backend";
        all[1] = "fake";
        System.arraycopy(args, 0, all, 2, args.length);
        return run(all);
    }
}
