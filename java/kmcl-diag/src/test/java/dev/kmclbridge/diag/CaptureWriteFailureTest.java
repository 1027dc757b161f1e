package dev.kmclbridge.diag;

import dev.kmclbridge.diag.capture.Capture;
import dev.kmclbridge.diag.capture.CaptureFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A capture file that cannot be written (full device, disk filling up) ends the capture with exit 3 and one stderr
 * line; no packet is left un-ended, so closing the channel cannot hang (issue 8 items 18 and 20).
 */
class CaptureWriteFailureTest {
    @TempDir
    Path tmp;

    @Test
    void captureToAFullDeviceIsBadInputOnOneLine() {
        Cli.Result r = Cli.fake("capture", "--out", "/dev/full", "--generate", "2", "--interval", "0");
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("/dev/full") && r.err().contains("No space left on device"), r::toString);
    }

    @Test
    void aDiskThatFillsUpDuringTheCaptureStopsItWithOneLine() throws Exception {
        Path out = tmp.resolve("filled.kcap");
        // 2 KiB: the header and a few packet lines fit, then every write fails as on a full disk
        DiagProcess.Result r = DiagProcess.runWithFileSizeLimit(Duration.ofSeconds(40), 2, "--backend", "fake", "capture",
                "--out", out.toString(), "--generate", "200", "--interval", "0", "--duration", "5");
        assertFalse(r.timedOut(), r::toString);
        assertEquals(3, r.code(), r::toString);
        assertEquals(1, r.errLineCount(), r::toString);
        assertTrue(r.err().contains("--out: cannot write " + out) && r.err().contains("File too large"), r::toString);
        // what fitted is kept, without the line the failed write cut short: it reads as an interrupted capture
        Capture kept = CaptureFiles.read(out);
        assertTrue(kept.end().isEmpty(), "no end record: the capture was interrupted");
        assertTrue(Files.size(out) <= 2048, "nothing past the limit");
    }
}
