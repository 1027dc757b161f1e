package dev.kmclbridge.diag;

import dev.kmclbridge.ChannelState;
import dev.kmclbridge.diag.health.ChannelSample;
import dev.kmclbridge.diag.health.HealthEvaluator;
import dev.kmclbridge.diag.health.HealthFinding;
import dev.kmclbridge.diag.traffic.PacketFilter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hex, GUIDs, filters, well-known names and the health evaluator, without a backend. */
class PureLogicTest {
    @Test
    void hexParsingAcceptsCommonSpellings() {
        assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad}, Hex.parse("x", "dead"));
        assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad}, Hex.parse("x", "0xDE AD"));
        assertArrayEquals(new byte[] {1, 2, 3}, Hex.parse("x", "01:02-03"));
        assertArrayEquals(new byte[0], Hex.parse("x", ""));
        assertEquals(ExitCode.BAD_INPUT, assertThrows(DiagFailure.class, () -> Hex.parse("x", "0g")).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(DiagFailure.class, () -> Hex.parse("x", "012")).exitCode());
    }

    @Test
    void hexAcceptsOnlyAsciiHexDigits() {
        for (String bad : new String[] {"\u0663\u0663", "\uff41\uff41", "\u00b2\u00b2"}) {
            assertEquals(ExitCode.BAD_INPUT, assertThrows(DiagFailure.class, () -> Hex.parse("x", bad)).exitCode(), bad);
        }
    }

    @Test
    void echoedInputIsEscapedAndCut() {
        assertEquals("'a\\nb\\u001b'", EchoedText.quote("a\nb\u001b"));
        assertEquals("x".repeat(80), EchoedText.value("x".repeat(80)));
        assertEquals("x".repeat(80) + "\u2026", EchoedText.value("x".repeat(81)));
        assertEquals("\\u202e\\t", EchoedText.value("\u202e\t"));
        assertEquals("\u0663 caf\u00e9", EchoedText.value("\u0663 caf\u00e9"), "printable text stays as it is");
    }

    @Test
    void numbersAcceptOnlyAsciiDigits() {
        assertEquals(OptionalLong.of(42), AsciiNumbers.integer(" 42 "));
        assertEquals(OptionalLong.of(255), AsciiNumbers.integerOrHex("0xff"));
        assertEquals(0.5, AsciiNumbers.decimal(".5").orElseThrow());
        assertEquals(1e-3, AsciiNumbers.decimal("1e-3").orElseThrow());
        for (String bad : new String[] {"\u0664\u0662", "", "1_000", "99999999999999999999"}) {
            assertTrue(AsciiNumbers.integer(bad).isEmpty(), bad);
        }
        for (String bad : new String[] {"NaN", "Infinity", "1d", "0x1p3", "1e999", "\u0661.5"}) {
            assertTrue(AsciiNumbers.decimal(bad).isEmpty(), bad);
        }
    }

    @Test
    void ioFailureReasonsNameTheCauseNotTheFile() {
        assertEquals("permission denied", InputFiles.reason(new AccessDeniedException("/x")));
        assertEquals("Not a directory", InputFiles.reason(new FileSystemException("/x/y", null, "Not a directory")));
        assertEquals("No space left on device", InputFiles.reason(new IOException("No space left on device")));
        assertEquals("not UTF-8 text", InputFiles.reason(new java.nio.charset.MalformedInputException(1)));
    }

    @Test
    void hexDumpHasOffsetsBytesAndAscii() {
        String d = Hex.dump("kmcl-diag sample 001".getBytes(), "");
        assertEquals("0000  6b 6d 63 6c 2d 64 69 61  67 20 73 61 6d 70 6c 65  |kmcl-diag sample|\n"
                + "0010  20 30 30 31                                       | 001|\n", d);
        assertEquals("  (empty)\n", Hex.dump(new byte[0], "  "));
    }

    @Test
    void guidsAreParsedStrictly() {
        UUID u = UUID.fromString("57164f39-9115-4e78-ab55-382f3bd5422d");
        assertEquals(u, Guids.parse("x", "57164f39-9115-4e78-ab55-382f3bd5422d"));
        assertEquals(u, Guids.parse("x", "{57164F39-9115-4E78-AB55-382F3BD5422D}"));
        for (String bad : new String[] {"", "1-2-3-4-5", "57164f39-9115-4e78-ab55-382f3bd5422", "{57164f39-9115-4e78-ab55-382f3bd5422d",
                "57164f39x9115-4e78-ab55-382f3bd5422d"}) {
            assertEquals(ExitCode.BAD_INPUT, assertThrows(DiagFailure.class, () -> Guids.parse("x", bad)).exitCode(), bad);
        }
    }

    @Test
    void wellKnownDeviceNames() {
        assertEquals("heartbeat", WellKnownDevices.nameOf(UUID.fromString("57164f39-9115-4e78-ab55-382f3bd5422d")).orElseThrow());
        assertEquals("synthetic network adapter", WellKnownDevices.nameOf(UUID.fromString("f8615163-df3e-46c5-913f-f2d2f965ed0e")).orElseThrow());
        assertEquals("synthetic SCSI controller", WellKnownDevices.nameOf(UUID.fromString("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f")).orElseThrow());
        assertEquals(16, WellKnownDevices.all().size());
        assertTrue(WellKnownDevices.nameOf(UUID.randomUUID()).isEmpty());
    }

    @Test
    void packetFilters() {
        byte[] p = {1, 2, 3, 4};
        assertTrue(PacketFilter.parse("f", "all").matches(1, p));
        assertFalse(PacketFilter.parse("f", "none").matches(1, p));
        assertTrue(PacketFilter.parse("f", "prefix=0102").matches(1, p));
        assertFalse(PacketFilter.parse("f", "prefix=0203").matches(1, p));
        assertTrue(PacketFilter.parse("f", "contains=0304").matches(1, p));
        assertTrue(PacketFilter.parse("f", "len=4").matches(1, p));
        assertTrue(PacketFilter.parse("f", "len>3").matches(1, p));
        assertFalse(PacketFilter.parse("f", "len<4").matches(1, p));
        assertTrue(PacketFilter.parse("f", "nth=2").matches(2, p));
        assertFalse(PacketFilter.parse("f", "nth=2,len=5").matches(2, p));
        assertTrue(PacketFilter.parse("f", "nth=2, prefix=01").matches(2, p));
        for (String bad : new String[] {"", "some", "len=x", "nth=-1", "prefix=0", ",", ",,,", "nth=1,", ",nth=1", "nth=1,,len=2"}) {
            assertEquals(ExitCode.BAD_INPUT, assertThrows(DiagFailure.class, () -> PacketFilter.parse("f", bad)).exitCode(), bad);
        }
    }

    private static ChannelSample s(double at, long packetsIn, long completions, long pendingIn, long ringUsed, boolean stopped,
                                   List<Long> held) {
        return new ChannelSample((long) (at * 1e9), ChannelState.ACTIVE, stopped, false, packetsIn, completions, pendingIn,
                ringUsed, 0, 0, held);
    }

    private static final HealthEvaluator EVAL = new HealthEvaluator(Duration.ofSeconds(2), Duration.ofSeconds(2));

    @Test
    void progressingChannelIsHealthy() {
        assertEquals(List.of(), EVAL.evaluate(List.of(s(0, 1, 0, 1, 100, false, List.of()), s(1, 2, 1, 1, 100, false, List.of()),
                s(2, 3, 2, 1, 100, false, List.of()), s(3, 4, 3, 1, 100, false, List.of()))));
    }

    @Test
    void pendingDataWithoutDeliveryIsAStall() {
        List<HealthFinding> f = EVAL.evaluate(List.of(s(0, 5, 5, 0, 0, false, List.of()), s(1, 5, 5, 0, 64, false, List.of()),
                s(2, 5, 5, 0, 64, false, List.of()), s(3.5, 5, 5, 0, 128, false, List.of())));
        assertEquals(1, f.size(), f::toString);
        assertEquals(HealthFinding.Kind.INCOMING_STALLED, f.get(0).kind());
        assertTrue(f.get(0).detail().contains("2.5 s"), f.get(0).detail());
    }

    @Test
    void stallShorterThanTheLimitIsNotReported() {
        assertEquals(List.of(), EVAL.evaluate(List.of(s(0, 5, 5, 0, 64, false, List.of()), s(1.5, 5, 5, 0, 64, false, List.of()))));
    }

    @Test
    void uncompletedPacketsWithoutCompletionProgressAreHeldTooLong() {
        List<HealthFinding> f = EVAL.evaluate(List.of(s(0, 3, 2, 1, 0, false, List.of()), s(2.1, 3, 2, 1, 0, false, List.of())));
        assertEquals(HealthFinding.Kind.PACKET_HELD_TOO_LONG, f.get(0).kind());
        List<HealthFinding> known = EVAL.evaluate(List.of(s(0, 1, 0, 1, 0, false, List.of(3_000_000_000L, 1_000_000_000L))));
        assertEquals(HealthFinding.Kind.PACKET_HELD_TOO_LONG, known.get(0).kind());
        assertTrue(known.get(0).detail().startsWith("1 packet(s) held uncompleted, the oldest for 3.0 s"), known.get(0).detail());
    }

    @Test
    void failedAndClosedChannelsAreReported() {
        List<HealthFinding> f = EVAL.evaluate(List.of(s(0, 1, 0, 0, 0, true, List.of())));
        assertEquals(HealthFinding.Kind.CHANNEL_FAILED, f.get(0).kind());
        ChannelSample closed = new ChannelSample(0, ChannelState.CLOSED, false, false, 0, 0, 0, 0, 0, 0, List.of());
        assertEquals(HealthFinding.Kind.NOT_OPEN, EVAL.evaluate(List.of(closed)).get(0).kind());
    }

    @Test
    void outgoingStallIsReported() {
        ChannelSample a = new ChannelSample(0, ChannelState.ACTIVE, false, true, 0, 0, 0, 0, 10, 3, List.of());
        ChannelSample b = new ChannelSample(3_000_000_000L, ChannelState.ACTIVE, false, true, 0, 0, 0, 0, 10, 3, List.of());
        assertEquals(HealthFinding.Kind.OUTGOING_STALLED, EVAL.evaluate(List.of(a, b)).get(0).kind());
    }
}
