package dev.kmclbridge.diag;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input gives exactly one clear stderr line, the documented exit code, and no stack trace. */
class BadInputTest {
    @TempDir
    static Path tmp;

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("malformed GUID", new String[] {"open", "--endpoint", "not-a-guid"}, 3, "malformed GUID"),
                Arguments.of("short GUID groups", new String[] {"open", "--endpoint", "1-2-3-4-5"}, 3, "malformed GUID"),
                Arguments.of("unknown endpoint", new String[] {"open", "--endpoint", "11111111-2222-3333-4444-555555555555"}, 3, "no endpoint"),
                Arguments.of("bad hex", new String[] {"send", "zz"}, 3, "not a hex digit"),
                Arguments.of("odd hex", new String[] {"send", "--hex", "abc"}, 3, "odd number"),
                Arguments.of("missing file", new String[] {"send", "--file", "/nonexistent/payload.bin"}, 3, "no such file"),
                Arguments.of("unknown channel", new String[] {"stats", "--channel", "0x99"}, 3, "unknown channel"),
                Arguments.of("unknown channel with one open", new String[] {"channels", "--open", "--channel", "12345"}, 3, "unknown channel"),
                Arguments.of("bad channel id", new String[] {"stats", "--channel", "xyz"}, 3, "not a channel id"),
                Arguments.of("bad number", new String[] {"bench", "--count", "lots"}, 3, "not a number"),
                Arguments.of("bad seconds", new String[] {"stats", "--watch", "soon"}, 3, "not a number of seconds"),
                Arguments.of("bad filter", new String[] {"watch", "--fail", "sometimes"}, 3, "bad packet filter"),
                Arguments.of("bad filter hex", new String[] {"watch", "--fail", "prefix=xyz"}, 3, "bad hex"),
                Arguments.of("missing capture", new String[] {"replay", "/nonexistent/x.kcap"}, 3, "capture file: no such file"),
                Arguments.of("bad scenario", new String[] {"health", "--simulate", "meltdown"}, 3, "unknown scenario"),
                Arguments.of("bad peer reply", new String[] {"send", "00", "--peer-reply", "q"}, 3, "bad hex"),
                Arguments.of("capture dir missing", new String[] {"capture", "--out", "/nonexistent/dir/x.kcap"}, 3, "does not exist"),
                Arguments.of("unknown option", new String[] {"send", "--nope", "00"}, 2, "unknown option"),
                Arguments.of("unknown command", new String[] {"sned", "00"}, 2, "unknown command"),
                // issue 8 item 20: hex accepts only [0-9a-fA-F], never other scripts' digits
                Arguments.of("Arabic-Indic digits as hex", new String[] {"send", "\u0663\u0663"}, 3, "not a hex digit"),
                Arguments.of("fullwidth letters as hex", new String[] {"send", "\uff41\uff41"}, 3, "not a hex digit"),
                Arguments.of("Arabic-Indic digits as a number", new String[] {"stats", "--count", "\u0662"}, 3, "not a number"),
                Arguments.of("Arabic-Indic digits in a filter", new String[] {"watch", "--fail", "nth=\u0662"}, 3, "not a number"),
                // items 20 and 21: nothing larger than the largest packet the channel takes is sent or generated
                Arguments.of("payload larger than the largest packet", new String[] {"send", "00".repeat(16385)}, 3,
                        "more than the largest packet"),
                Arguments.of("--generate-hex larger than the largest packet",
                        new String[] {"watch", "--generate-hex", "00".repeat(16385)}, 3, "more than the largest packet"),
                Arguments.of("--generate-hex larger than --max-packet-size",
                        new String[] {"watch", "--generate-hex", "0102", "--max-packet-size", "1"}, 3, "more than the largest packet"),
                Arguments.of("bench in larger than the largest packet", new String[] {"bench", "--direction", "in", "--size", "20000"}, 3,
                        "more than the largest packet"),
                Arguments.of("bench out larger than the largest packet", new String[] {"bench", "--size", "20000"}, 3,
                        "more than the largest packet"),
                // a packet within --max-packet-size that still never fits the 64 KiB incoming ring: the peer refuses it
                Arguments.of("bench in packet that never fits the ring",
                        new String[] {"bench", "--direction", "in", "--size", "70000", "--max-packet-size", "70000"}, 3,
                        "the peer cannot send a 70000-byte packet"),
                Arguments.of("--generate-hex that never fits the ring", new String[] {"watch", "--generate-hex",
                        "00".repeat(70_000), "--max-packet-size", "70000"}, 3, "the peer cannot send a 70000-byte packet"),
                // item 21: a filter that is only separators matched every packet
                Arguments.of("filter of only commas", new String[] {"watch", "--fail", ",,,"}, 3, "empty term"),
                Arguments.of("filter with a trailing comma", new String[] {"watch", "--complete", "nth=1,"}, 3, "empty term"),
                Arguments.of("fail --match of only commas", new String[] {"fail", "--match", ","}, 3, "empty term"),
                // item 22: single-valued options given twice are refused, not resolved silently
                Arguments.of("--backend twice", new String[] {"--backend", "loopback", "status"}, 2, "--backend given 2 times"),
                Arguments.of("a command option twice", new String[] {"send", "--count", "1", "--count", "2", "00"}, 2,
                        "--count given 2 times"),
                Arguments.of("selftest class pattern that is not a regular expression", new String[] {"selftest", "--classes", "("}, 3,
                        "not a regular expression"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void oneLineAndDocumentedExitCode(String what, String[] args, int code, String text) {
        Cli.Result r = Cli.fake(args);
        assertEquals(code, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), () -> "exactly one stderr line for " + what + ": " + r);
        assertTrue(r.err().contains(text), () -> "message names the problem: " + r);
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertTrue(r.err().startsWith("kmcl-diag"), r::toString);
    }

    @Test
    void aHugeBadArgumentIsEchoedCutShort() {
        String huge = "z".repeat(130_000);
        for (Cli.Result r : new Cli.Result[] {Cli.fake("send", huge), Cli.fake("status", "--" + huge), Cli.fake(huge),
                Cli.fake("watch", "--fail", huge)}) {
            assertEquals(1, r.errLines().size(), r::toString);
            assertTrue(r.err().length() < 400, () -> "the echo is cut: " + r.err().length() + " characters");
            assertTrue(r.err().contains("zzzz\u2026") || r.err().contains("zzzz…"), r::toString);
        }
    }

    @Test
    void controlCharactersInBadInputAreEscaped() {
        String hostile = "zz\u001b]0;pwned\u0007\r\u202e";
        for (Cli.Result r : new Cli.Result[] {Cli.fake("send", hostile), Cli.fake(hostile), Cli.fake("status", "--" + hostile),
                Cli.fake("open", "--endpoint", hostile)}) {
            assertEquals(1, r.errLines().size(), r::toString);
            assertFalse(r.err().chars().limit(r.err().length() - 1).anyMatch(c -> Character.isISOControl(c)
                    || Character.getType(c) == Character.FORMAT), () -> "raw control characters: " + r.err());
            assertTrue(r.err().contains("\\u001b"), r::toString);
        }
    }

    @Test
    void anUnreadableFileIsReportedWithTheReason() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain.bin"), "x");
        String below = file.resolve("payload.bin").toString();
        Cli.Result r = Cli.fake("send", "--file", below);
        r.failedOnOneLine(3);
        assertTrue(r.err().toLowerCase(java.util.Locale.ROOT).contains("not a directory"), r::toString);
        assertEquals(1, r.err().split(java.util.regex.Pattern.quote(below), -1).length - 1, () -> "the path once: " + r);
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Result r = Cli.fake("--verbose", "send", "zz");
        assertEquals(3, r.code());
        assertTrue(r.errLines().size() > 1, r::toString);
        assertTrue(r.err().contains("\tat "), r::toString);
    }

    @Test
    void corruptCaptureFileIsBadInput() throws Exception {
        Path f = tmp.resolve("corrupt.kcap");
        Files.writeString(f, "{\"record\":\"packet\",\"seq\":1}\n");
        Cli.Result r = Cli.fake("replay", f.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("line 1"), r::toString);
        Files.writeString(f, "this is not json\n");
        Cli.Result r2 = Cli.fake("replay", f.toString());
        r2.failedOnOneLine(3);
    }

    @Test
    void replayOnABackendWithoutPeerIsBackendUnavailable() throws Exception {
        // native is not on this machine: the backend cannot be opened, exit 4 either way
        Path f = tmp.resolve("empty.kcap");
        Files.writeString(f, "{\"record\":\"header\",\"format\":\"kmcl-capture\",\"version\":1,\"completeFilter\":\"all\",\"failFilter\":\"none\",\"completionPayload\":\"\"}\n");
        Cli.Result r = Cli.run("--backend", "native", "replay", f.toString());
        r.failedOnOneLine(4);
    }
}
