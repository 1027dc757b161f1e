package dev.kmclbridge.diag;

import dev.kmclbridge.diag.capture.Capture;
import dev.kmclbridge.diag.capture.CaptureEnd;
import dev.kmclbridge.diag.capture.CaptureFiles;
import dev.kmclbridge.diag.capture.CaptureHeader;
import dev.kmclbridge.diag.capture.CapturedPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capture codec (docs/capture-format.md). */
class CaptureFilesTest {
    @TempDir
    Path tmp;

    static final CaptureHeader HEADER = new CaptureHeader("kmcl-capture", 1, "2025-01-01T00:00:00Z", "native",
            "57164f39-9115-4e78-ab55-382f3bd5422d", "bb1ad573-19b8-4cd8-a8fb-0e6f684df992", "heartbeat", "0x10001",
            "all", "none", "");

    @Test
    void writeThenReadGivesTheSameCaptureSortedBySeq() throws Exception {
        Capture c = new Capture(HEADER, List.of(
                new CapturedPacket(2, "out", 2000, "0102", "", true, "completed", "ff", 3000L),
                new CapturedPacket(1, "in", 1000, "aa", "bbcc", false, "pending", "", null)),
                Optional.of(new CaptureEnd(2, 5000, false)));
        Path f = tmp.resolve("c.kcap");
        CaptureFiles.write(f, c);
        List<String> lines = Files.readAllLines(f);
        assertEquals(4, lines.size());
        assertTrue(lines.get(0).startsWith("{\"record\":\"header\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"seq\":1"), "packets written in seq order");
        Capture back = CaptureFiles.read(f);
        assertEquals(c.header(), back.header());
        assertEquals(c.end(), back.end());
        assertEquals(2, back.packets().size());
        assertEquals(1, back.packets().get(0).seq());
        assertEquals("bbcc", back.packets().get(0).external());
        assertEquals(null, back.packets().get(0).verdictAtNanos());
    }

    @Test
    void packetsMayComeInAnyOrderAndTheEndIsOptional() throws Exception {
        Path f = tmp.resolve("p.kcap");
        Files.write(f, List.of(CaptureFiles.toLine(HEADER),
                CaptureFiles.toLine(new CapturedPacket(3, "in", 3, "", "", false, "completed", "", 3L)),
                CaptureFiles.toLine(new CapturedPacket(1, "in", 1, "", "", false, "completed", "", 1L))));
        Capture c = CaptureFiles.read(f);
        assertEquals(List.of(1L, 3L), c.packets().stream().map(CapturedPacket::seq).toList());
        assertTrue(c.end().isEmpty());
    }

    @Test
    void invalidFilesAreRejectedWithTheLineNumber() throws Exception {
        String h = CaptureFiles.toLine(HEADER);
        String good = CaptureFiles.toLine(new CapturedPacket(1, "in", 1, "00", "", false, "completed", "", 1L));
        assertBad(List.of(good), "line 1: the first record must be the header");
        assertBad(List.of(h.replace("kmcl-capture", "pcap")), "format 'pcap'");
        assertBad(List.of(h.replace("\"version\":1", "\"version\":7")), "version 7");
        assertBad(List.of(h, good, good), "line 3: duplicate seq 1");
        assertBad(List.of(h, good.replace("\"in\"", "\"sideways\"")), "direction 'sideways'");
        assertBad(List.of(h, good.replace("\"completed\"", "\"lost\"")), "verdict 'lost'");
        assertBad(List.of(h, good.replace("\"00\"", "\"zz\"")), "field 'payload' must be a hex string");
        assertBad(List.of(h, h), "a second header");
        assertBad(List.of(h, "{oops"), "line 2: not a capture record");
        assertBad(List.of(), "is empty");
    }

    @Test
    void theReaderIsStrictAboutEveryFieldAndNamesItWithTheLine() throws Exception {
        String h = CaptureFiles.toLine(HEADER);
        String good = CaptureFiles.toLine(new CapturedPacket(1, "in", 1, "00", "", false, "completed", "", 1L));
        String end = CaptureFiles.toLine(new CaptureEnd(1, 5, false));
        assertBad(List.of(h, good.replace("\"seq\":1", "\"seq\":\"1\"")), "line 2: field 'seq' must be an integer >= 1");
        assertBad(List.of(h, good.replace("\"atNanos\":1", "\"atNanos\":1.9")), "line 2: field 'atNanos' must be an integer >= 0");
        assertBad(List.of(h, good.replace("\"atNanos\":1", "\"atNanos\":1e3")), "line 2: field 'atNanos'");
        assertBad(List.of(h, good.replace("\"seq\":1", "\"seq\":-1")), "line 2: field 'seq' must be an integer >= 1");
        assertBad(List.of(h, good.replace("\"seq\":1", "\"seq\":0")), "line 2: field 'seq' must be an integer >= 1");
        assertBad(List.of(h, good.replace("\"atNanos\":1", "\"atNanos\":-5")), "line 2: field 'atNanos' must be an integer >= 0");
        assertBad(List.of(h, good.replace("\"seq\":1", "\"seq\":123456789012345678901234567890")), "line 2: field 'seq'");
        assertBad(List.of(h, good.replace("\"payload\":\"00\",", "")), "line 2: field 'payload' is missing");
        assertBad(List.of(h, good.replace(",\"verdict\":\"completed\"", "")), "line 2: field 'verdict' is missing");
        assertBad(List.of(h, good.replace("\"verdict\":\"completed\"", "\"verdict\":null")), "line 2: field 'verdict' must be a string");
        assertBad(List.of(h, good.replace("\"payload\":\"00\"", "\"payload\":0")), "line 2: field 'payload' must be a hex string");
        assertBad(List.of(h, good.replace("\"completionRequested\":false", "\"completionRequested\":\"false\"")),
                "line 2: field 'completionRequested' must be true or false");
        assertBad(List.of(h, good.replace("\"completionRequested\":false", "\"completionRequested\":0")),
                "line 2: field 'completionRequested' must be true or false");
        assertBad(List.of(h, good.replace("\"verdictAtNanos\":1", "\"verdictAtNanos\":-1")), "line 2: field 'verdictAtNanos'");
        assertBad(List.of(h, good.replace("{", "{\"colour\":\"red\",")), "line 2: unknown field 'colour'");
        assertBad(List.of(h, good.replace("\"seq\":1", "\"seq\":1,\"seq\":2")), "line 2: not a capture record");
        assertBad(List.of(h, good + " {}"), "line 2: not a capture record");
        assertBad(List.of(h, "[1,2]"), "line 2: not a capture record");
        assertBad(List.of(h, good.replace("\"packet\"", "\"pakket\"")), "line 2: field 'record'");
        assertBad(List.of(h.replace("\"version\":1", "\"version\":\"1\"")), "line 1: field 'version'");
        assertBad(List.of(h.replace(",\"failFilter\":\"none\"", "")), "line 1: field 'failFilter' is missing");
        assertBad(List.of(h, good, end.replace("\"durationNanos\":5", "\"durationNanos\":-5")), "line 3: field 'durationNanos'");
        assertBad(List.of(h, good, end.replace("\"queueStopped\":false", "\"queueStopped\":\"no\"")), "line 3: field 'queueStopped'");
    }

    @Test
    void informativeHeaderFieldsMayBeLeftOut() throws Exception {
        Path f = tmp.resolve("minimal.kcap");
        Files.write(f, List.of("{\"record\":\"header\",\"format\":\"kmcl-capture\",\"version\":1,\"completeFilter\":\"all\","
                + "\"failFilter\":\"none\",\"completionPayload\":\"\"}"));
        assertEquals("all", CaptureFiles.read(f).header().completeFilter());
    }

    private void assertBad(List<String> lines, String expected) throws Exception {
        Path f = tmp.resolve("bad.kcap");
        Files.write(f, lines);
        DiagFailure e = assertThrows(DiagFailure.class, () -> CaptureFiles.read(f));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
