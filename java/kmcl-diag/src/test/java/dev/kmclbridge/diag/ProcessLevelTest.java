package dev.kmclbridge.diag;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kmcl-diag as a separate process (real System.exit codes, real stdout/stderr), started with this test JVM's class
 * path. The launcher script itself is tested by scripts/test-diag-launcher.sh after the jar is packaged.
 */
class ProcessLevelTest {
    record Proc(int code, String out, String err) {
    }

    static Proc run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KmclDiag.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kmcl-diag finished");
        return new Proc(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void statusJsonInAChildProcess() throws Exception {
        Proc r = run("--backend", "fake", "status", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("fake", Cli.JSON.readTree(r.out()).get("backend").asText());
        assertEquals("", r.err());
    }

    @Test
    void badInputExitCodesInAChildProcess() throws Exception {
        Proc hex = run("--backend", "fake", "send", "xyz");
        assertEquals(3, hex.code());
        assertEquals(1, hex.err().lines().count(), hex.err());
        assertFalse(hex.err().contains("\tat "));
        Proc opt = run("--backend", "fake", "status", "--nope");
        assertEquals(2, opt.code());
        assertEquals(1, opt.err().lines().count(), opt.err());
        Proc backend = run("--backend", "native", "status");
        assertEquals(4, backend.code());
        assertEquals(1, backend.err().lines().count(), backend.err());
    }
}
