package dev.kmclbridge.diag.bench;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.traffic.ChannelRig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bench whose other side stops completing ends as a timeout (exit 6), not as an internal error. */
class BenchRunnerTest {
    @Test
    void anOtherSideThatNeverCompletesIsATimeout() throws Exception {
        BenchSettings settings = new BenchSettings(BenchSettings.Direction.OUT, 64, 10, Optional.empty(), 4, 0);
        try (Kmcl kmcl = Kmcl.open("fake");
             ChannelRig rig = ChannelRig.open(kmcl, Optional.empty(), dev.kmclbridge.ChannelConfig.builder().build(),
                     p -> p.complete(), Duration.ofSeconds(10));
             ProgressIndicator progress = new ProgressIndicator(new PrintStream(new ByteArrayOutputStream()), "bench", 10,
                     Long.MAX_VALUE, false)) {
            // no responder: the peer reads our sends but never completes them
            BenchRunner runner = new BenchRunner(settings, Duration.ofMillis(300));
            DiagFailure f = assertThrows(DiagFailure.class, () -> runner.run("fake", rig.channel(), rig.peer(), progress));
            assertEquals(ExitCode.TIMEOUT, f.exitCode());
            assertTrue(f.getMessage().contains("no progress"), f.getMessage());
        }
    }
}
