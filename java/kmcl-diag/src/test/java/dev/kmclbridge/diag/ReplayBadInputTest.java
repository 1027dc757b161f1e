package dev.kmclbridge.diag;

import dev.kmclbridge.diag.capture.CaptureFiles;
import dev.kmclbridge.diag.capture.CaptureHeader;
import dev.kmclbridge.diag.capture.CapturedPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** replay never waits without end and answers bad captures and options with the documented codes (issue 8 items 18, 20). */
class ReplayBadInputTest {
    @TempDir
    Path tmp;

    private static CaptureHeader header(String completeFilter, String failFilter) {
        return new CaptureHeader("kmcl-capture", 1, "2025-01-01T00:00:00Z", "fake", "7a1c0d3e-5b2f-4e8a-9c61-d1a9e0b4c2f7",
                "bb1ad573-19b8-4cd8-a8fb-0e6f684df992", "kmcl-diag test device", "0x100000001", completeFilter, failFilter, "");
    }

    private static CapturedPacket in(long seq, long atNanos, String payloadHex, String verdict) {
        return new CapturedPacket(seq, "in", atNanos, payloadHex, "", true, verdict, "", verdict.equals("pending") ? null : atNanos);
    }

    private Path capture(String name, CaptureHeader header, List<CapturedPacket> packets) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(CaptureFiles.toLine(header));
        packets.forEach(p -> lines.add(CaptureFiles.toLine(p)));
        return Files.write(tmp.resolve(name), lines);
    }

    @Test
    void anAbsurdRecordedTimeIsRefusedInsteadOfWaitedFor() throws Exception {
        Path f = capture("late.kcap", header("all", "none"), List.of(in(1, 0, "01", "completed"),
                in(2, 9_000_000_000_000_000_000L, "02", "completed")));
        DiagProcess.Result r = DiagProcess.run(Duration.ofSeconds(30), List.of(), "--backend", "fake", "replay", f.toString());
        assertFalse(r.timedOut(), r::toString);
        assertEquals(3, r.code(), r::toString);
        assertEquals(1, r.errLineCount(), r::toString);
        assertTrue(r.err().contains("would take"), r::toString);
    }

    @Test
    void anAbsurdlySlowSpeedIsRefused() throws Exception {
        Path f = capture("normal.kcap", header("all", "none"), List.of(in(1, 0, "01", "completed"),
                in(2, 20_000_000, "02", "completed")));
        for (String speed : new String[] {"1e-300", "1e-9", "-1", "NaN", "Infinity"}) {
            DiagProcess.Result r = DiagProcess.run(Duration.ofSeconds(30), List.of(), "--backend", "fake", "replay",
                    "--speed", speed, f.toString());
            assertFalse(r.timedOut(), r::toString);
            assertEquals(3, r.code(), r::toString);
            assertEquals(1, r.errLineCount(), r::toString);
            assertTrue(r.err().contains("--speed"), r::toString);
        }
    }

    @Test
    void packetsAfterTheQueueStoppedAreReportedWithoutWaitingForEach() throws Exception {
        List<CapturedPacket> packets = new ArrayList<>();
        packets.add(in(1, 0, "01", "failed"));
        for (int i = 2; i <= 7; i++) {
            packets.add(in(i, i, "0" + i, "completed"));
        }
        Path f = capture("stopped.kcap", header("all", "nth=1"), packets);
        long t0 = System.nanoTime();
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--timeout", "3", f.toString());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, r.code(), r::toString);
        assertTrue(millis < 8_000, "6 packets after the stop must not cost 6 timeouts of 3 s; took " + millis + " ms\n" + r);
        assertTrue(r.out().contains("incoming queue is stopped"), r::toString);
    }

    @Test
    void anIncomingPacketLargerThanTheLargestPacketIsBadInput() throws Exception {
        Path f = capture("big.kcap", header("all", "none"), List.of(in(1, 0, "00".repeat(20_000), "completed")));
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--timeout", "1", f.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("seq 1") && r.err().contains("more than the largest packet"), r::toString);
        Cli.Result raised = Cli.fake("replay", "--speed", "0", "--timeout", "1", "--max-packet-size", "20000", f.toString());
        assertEquals(0, raised.code(), raised::toString);
    }

    @Test
    void anIncomingPacketThatNeverFitsTheRingIsBadInput() throws Exception {
        Path f = capture("huge.kcap", header("all", "none"), List.of(in(1, 0, "00".repeat(70_000), "completed")));
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--timeout", "1", "--max-packet-size", "70000", f.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("the peer cannot send a 70000-byte packet"), r::toString);
    }

    @Test
    void aPacketWithoutVerdictIsBadInput() throws Exception {
        Path f = capture("noverdict.kcap", header("all", "none"), List.of(in(1, 0, "01", "completed")));
        List<String> lines = Files.readAllLines(f);
        Files.write(f, List.of(lines.get(0), lines.get(1).replace(",\"verdict\":\"completed\"", "")));
        Cli.Result r = Cli.fake("replay", f.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("line 2") && r.err().contains("'verdict'"), r::toString);
    }

    @Test
    void recordingTheReplayToAFullDeviceIsBadInput() throws Exception {
        Path f = capture("ok.kcap", header("all", "none"), List.of(in(1, 0, "01", "completed")));
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--out", "/dev/full", f.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("/dev/full") && r.err().contains("No space left on device"), r::toString);
    }
}
