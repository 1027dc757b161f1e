package dev.kmclbridge.diag;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * kmcl-diag as a separate process (real System.exit codes, real stdout/stderr), started with this test JVM's class
 * path. The launcher script itself is tested by scripts/test-diag-launcher.sh after the jar is packaged.
 */
class ProcessLevelTest {
    static DiagProcess.Result run(String... args) throws IOException, InterruptedException {
        DiagProcess.Result r = DiagProcess.run(Duration.ofSeconds(60), List.of(), args);
        assertFalse(r.timedOut(), r::toString);
        return r;
    }

    @Test
    void statusJsonInAChildProcess() throws Exception {
        DiagProcess.Result r = run("--backend", "fake", "status", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("fake", Cli.JSON.readTree(r.out()).get("backend").asText());
        assertEquals("", r.err());
    }

    @Test
    void badInputExitCodesInAChildProcess() throws Exception {
        DiagProcess.Result hex = run("--backend", "fake", "send", "xyz");
        assertEquals(3, hex.code());
        assertEquals(1, hex.err().lines().count(), hex.err());
        assertFalse(hex.err().contains("\tat "));
        DiagProcess.Result opt = run("--backend", "fake", "status", "--nope");
        assertEquals(2, opt.code());
        assertEquals(1, opt.err().lines().count(), opt.err());
        DiagProcess.Result backend = run("--backend", "native", "status");
        assertEquals(4, backend.code());
        assertEquals(1, backend.err().lines().count(), backend.err());
    }
}
