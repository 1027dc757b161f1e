package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmclbridge.diag.capture.Capture;
import dev.kmclbridge.diag.capture.CaptureFiles;
import dev.kmclbridge.diag.capture.CapturedPacket;
import dev.kmclbridge.diag.capture.TrafficComparison;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** capture -> replay reproduces the same packet sequence and verdicts; a changed capture is caught. */
class CaptureReplayRoundTripTest {
    @TempDir
    Path tmp;

    private Capture capture(Path file, String... extra) {
        String[] base = {"capture", "--out", file.toString(), "--generate", "5", "--interval", "5",
                "--complete", "len<25", "--fail", "nth=5", "--completion-payload", "0badf00d",
                "--send", "01020304", "--send", "a0a1", "--peer-reply", "cafe"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli.Result r = Cli.fake(args);
        assertEquals(0, r.code(), r::toString);
        return CaptureFiles.read(file);
    }

    @Test
    void replayReproducesSequenceAndVerdicts() throws Exception {
        Path original = tmp.resolve("original.kcap");
        Capture c = capture(original);
        assertTrue(c.end().isPresent(), "the capture finished");
        assertTrue(c.end().get().queueStopped(), "nth=5 was failed");
        List<CapturedPacket> in = c.packets().stream().filter(CapturedPacket::incoming).toList();
        List<CapturedPacket> out = c.packets().stream().filter(p -> !p.incoming()).toList();
        assertEquals(5, in.size(), c::toString);
        assertEquals(2, out.size(), c::toString);
        // samples 1..5 are 21,22,23,24,25 bytes: 1-4 complete (len<25), the 5th is failed
        assertEquals(List.of("completed", "completed", "completed", "completed", "failed"), in.stream().map(CapturedPacket::verdict).toList());
        assertEquals("0badf00d", in.get(0).completionPayload());
        assertEquals("cafe", out.get(0).completionPayload());
        assertEquals("01020304", out.get(0).payload());

        Path replayed = tmp.resolve("replayed.kcap");
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--out", replayed.toString(), original.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("REPLAY MATCHES"), r::toString);
        assertTrue(r.out().contains("delivery order same"), r::toString);
        Capture again = CaptureFiles.read(replayed);
        assertEquals(List.of(), TrafficComparison.differences(c, again), "replayed traffic equals the recorded traffic");
    }

    @Test
    void heldPacketsReplayAsPending() throws Exception {
        Path f = tmp.resolve("held.kcap");
        Cli.Result cap = Cli.fake("capture", "--out", f.toString(), "--generate", "3", "--complete", "nth=1,len<30");
        assertEquals(0, cap.code(), cap::toString);
        Capture c = CaptureFiles.read(f);
        assertEquals(List.of("completed", "pending", "pending"), c.packets().stream().map(CapturedPacket::verdict).toList());
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--json", f.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertTrue(j.get("match").asBoolean());
        assertEquals(3, j.get("packets").asInt());
    }

    @Test
    void replayHonoursRecordedTiming() throws Exception {
        Path f = tmp.resolve("timed.kcap");
        assertEquals(0, Cli.fake("capture", "--out", f.toString(), "--generate", "3", "--interval", "150").code());
        Capture c = CaptureFiles.read(f);
        long span = c.packets().get(2).atNanos() - c.packets().get(0).atNanos();
        assertTrue(span >= 250_000_000L, "recorded 150 ms gaps: " + span);
        long t0 = System.nanoTime();
        assertEquals(0, Cli.fake("replay", f.toString()).code());
        assertTrue(System.nanoTime() - t0 >= span, "speed 1 keeps the recorded gaps");
    }

    @Test
    void aChangedVerdictIsReportedAsMismatch() throws Exception {
        Path original = tmp.resolve("original.kcap");
        capture(original);
        // pretend the recording saw packet 2 failed: the replay (which completes it) must disagree
        List<String> lines = Files.readAllLines(original);
        List<String> edited = lines.stream().map(l -> l.contains("\"record\":\"packet\"") && l.contains("\"seq\":2,")
                ? l.replace("\"verdict\":\"completed\"", "\"verdict\":\"failed\"") : l).toList();
        assertFalse(lines.equals(edited), "the edit applied");
        Path tampered = tmp.resolve("tampered.kcap");
        Files.write(tampered, edited);
        Cli.Result r = Cli.fake("replay", "--speed", "0", "--timeout", "1", tampered.toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("DIFFERS"), r::toString);
        assertTrue(r.out().contains("REPLAY DIFFERS"), r::toString);
    }

    @Test
    void aChangedPayloadOrderIsReported() throws Exception {
        Path f = tmp.resolve("o.kcap");
        assertEquals(0, Cli.fake("capture", "--out", f.toString(), "--generate", "3").code());
        Capture c = CaptureFiles.read(f);
        // swap the seq numbers of packets 1 and 2: the replay sends them in the other order
        List<CapturedPacket> p = c.packets();
        CapturedPacket a = p.get(0);
        CapturedPacket b = p.get(1);
        Capture swapped = new Capture(c.header(), List.of(
                new CapturedPacket(2, a.direction(), b.atNanos(), a.payload(), a.external(), a.completionRequested(), a.verdict(), a.completionPayload(), a.verdictAtNanos()),
                new CapturedPacket(1, b.direction(), a.atNanos(), b.payload(), b.external(), b.completionRequested(), b.verdict(), b.completionPayload(), b.verdictAtNanos()),
                p.get(2)), c.end());
        Path g = tmp.resolve("swapped.kcap");
        CaptureFiles.write(g, swapped);
        assertFalse(TrafficComparison.differences(c, CaptureFiles.read(g)).isEmpty(), "the comparison sees the reorder");
    }

    @Test
    void captureJsonSummaryParses() throws Exception {
        Path f = tmp.resolve("j.kcap");
        Cli.Result r = Cli.fake("capture", "--json", "--out", f.toString(), "--generate", "2", "--send", "ff");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals(3, j.get("packets").asInt());
        assertEquals(2, j.get("in").asInt());
        assertEquals(1, j.get("out").asInt());
        // every line of the file is JSON with a record type
        for (String line : Files.readAllLines(f)) {
            assertTrue(Cli.JSON.readTree(line).has("record"), line);
        }
    }
}
