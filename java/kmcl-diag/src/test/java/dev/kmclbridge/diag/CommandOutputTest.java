package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each command on the fake backend: exit code, text output, and --json that Jackson parses. */
class CommandOutputTest {
    @Test
    void statusText() {
        Cli.Result r = Cli.fake("status");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("backend:") && r.out().contains("fake"), r::toString);
        assertTrue(r.out().contains("KMCL interface version: 1"), r::toString);
    }

    @Test
    void statusJson() {
        Cli.Result r = Cli.fake("status", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("fake", j.get("backend").asText());
        assertEquals(1, j.get("kmclInterfaceVersion").asInt());
        assertTrue(j.get("endpoints").asInt() >= 0);
        assertEquals(0, j.get("channels").asInt());
        assertTrue(j.get("peer").asBoolean());
        assertEquals("available", j.get("backends").get("fake").asText());
    }

    @Test
    void endpointsShowWellKnownNames() {
        Cli.Result r = Cli.fake("endpoints", "--json");
        assertEquals(0, r.code(), r::toString);
        for (JsonNode e : r.json().get("endpoints")) {
            java.util.UUID type = java.util.UUID.fromString(e.get("type").asText());
            WellKnownDevices.nameOf(type).ifPresent(n -> assertEquals(n, e.get("name").asText()));
            assertEquals(WellKnownDevices.nameOf(type).isPresent(), e.get("wellKnown").asBoolean());
            assertTrue(e.has("instance"));
        }
        Cli.Result text = Cli.fake("endpoints");
        assertEquals(0, text.code());
        assertTrue(text.out().startsWith("ID") || text.out().startsWith("no endpoints"), text::toString);
    }

    @Test
    void channelsWithoutOpenAreEmptyAndWithOpenShowOne() {
        Cli.Result none = Cli.fake("channels", "--json");
        assertEquals(0, none.json().get("channels").size());
        Cli.Result r = Cli.fake("channels", "--open", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode ch = r.json().get("channels").get(0);
        assertEquals("ACTIVE", ch.get("state").asText());
        assertEquals("client", ch.get("role").asText());
        assertFalse(ch.get("queueStopped").asBoolean());
        Cli.Result text = Cli.fake("channels", "--open");
        assertTrue(text.out().contains("ACTIVE"), text::toString);
    }

    @Test
    void statsWatchPrintsOneJsonLinePerSampleWithGrowingCounters() {
        Cli.Result r = Cli.fake("stats", "--open", "--traffic", "2", "--watch", "0.05", "--count", "3", "--json");
        assertEquals(0, r.code(), r::toString);
        List<JsonNode> lines = r.jsonLines();
        assertEquals(3, lines.size());
        long prev = -1;
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, lines.get(i).get("sample").asInt());
            long in = lines.get(i).get("channels").get(0).get("counters").get("packetsIn").asLong();
            assertTrue(in > prev, "packetsIn grows: " + r.out());
            prev = in;
        }
        assertEquals(6, prev);
    }

    @Test
    void openReportsTheCallbacks() {
        Cli.Result r = Cli.fake("open", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("ACTIVE", j.get("state").asText());
        assertEquals("[\"OPENED\",\"STARTED\",\"POST_STARTED\"]", j.get("stateCallbacks").toString());
        assertTrue(j.get("closed").asBoolean());
    }

    @Test
    void sendWaitsForTheEchoedCompletion() {
        Cli.Result r = Cli.fake("send", "--wait-completion", "de ad be ef", "--json");
        assertEquals(0, r.code(), r::toString);
        assertEquals("deadbeef", r.json().get("sends").get(0).get("completionPayload").asText());
        Cli.Result text = Cli.fake("send", "--wait-completion", "--hex", "0x0102", "--peer-reply", "aabb", "--count", "2");
        assertEquals(0, text.code(), text::toString);
        assertEquals(2, text.out().split("completed with 2 bytes", -1).length - 1, text::toString);
        assertTrue(text.out().contains("aa bb"), text::toString);
    }

    @Test
    void sendFromFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = tmp.resolve("p.bin");
        java.nio.file.Files.write(f, new byte[] {1, 2, 3});
        Cli.Result r = Cli.fake("send", "--file", f.toString(), "--wait-completion", "--json");
        assertEquals(0, r.code(), r::toString);
        assertEquals(3, r.json().get("sends").get(0).get("bytes").asInt());
        assertEquals("010203", r.json().get("sends").get(0).get("completionPayload").asText());
    }

    @Test
    void watchDumpsPacketsAndFailsTheFilteredOne() {
        Cli.Result r = Cli.fake("watch", "--generate", "3", "--fail", "nth=2");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("#1 ") && r.out().contains("-> completed"), r::toString);
        assertTrue(r.out().contains("#2 ") && r.out().contains("-> failed"), r::toString);
        assertTrue(r.out().contains("|kmcl-diag sample|"), "hex dump with ASCII column: " + r);
        assertFalse(r.out().contains("#3 "), "nothing is delivered after a fail");
        assertTrue(r.out().contains("incoming queue is stopped"), r::toString);
    }

    @Test
    void watchJsonLinesWithHoldFilter() {
        Cli.Result r = Cli.fake("watch", "--generate", "3", "--complete", "len<22", "--json");
        assertEquals(0, r.code(), r::toString);
        List<JsonNode> lines = r.jsonLines();
        assertEquals(4, lines.size(), r::toString);
        assertEquals("completed", lines.get(0).get("action").asText()); // sample 1: 21 bytes
        assertEquals("held", lines.get(1).get("action").asText());      // sample 2: 22 bytes
        JsonNode summary = lines.get(3);
        assertTrue(summary.get("summary").asBoolean());
        assertEquals(2, summary.get("heldThenCompletedAtExit").asInt());
    }

    @Test
    void failFailsTheMatchingPacketAndReportsThePeerView() {
        Cli.Result r = Cli.fake("fail", "--generate", "3", "--match", "nth=2", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals(2, j.get("failedPacket").asInt());
        assertEquals(1, j.get("completedBefore").asInt());
        assertTrue(j.get("queueStopped").asBoolean());
        assertEquals("FAILED", j.get("peerOutcome").asText());
        assertTrue(j.get("peerSeesQueueStopped").asBoolean());
        assertEquals(1, j.get("peerPacketsNotDelivered").asInt());
    }

    @Test
    void failTimesOutWhenNothingMatches() {
        Cli.Result r = Cli.fake("fail", "--generate", "2", "--match", "prefix=ffff", "--timeout", "0.5");
        r.failedOnOneLine(6);
    }

    @Test
    void healthyChannelExitsZero() {
        Cli.Result r = Cli.fake("health", "--window", "0.5", "--json");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.json().get("healthy").asBoolean());
    }

    @Test
    void heldPacketsMakeTheChannelUnhealthy() {
        Cli.Result r = Cli.fake("health", "--simulate", "held", "--max-hold", "0.3", "--window", "0.6", "--json");
        assertEquals(1, r.code(), r::toString);
        JsonNode ch = r.json().get("channels").get(0);
        assertFalse(ch.get("healthy").asBoolean());
        assertEquals("PACKET_HELD_TOO_LONG", ch.get("findings").get(0).get("kind").asText());
    }

    @Test
    void stalledAndFailedChannelsAreDetected() {
        Cli.Result stalled = Cli.fake("health", "--simulate", "stalled", "--stall", "0.3", "--window", "0.6");
        assertEquals(1, stalled.code(), stalled::toString);
        assertTrue(stalled.out().contains("INCOMING_STALLED"), stalled::toString);
        Cli.Result failed = Cli.fake("health", "--simulate", "failed", "--stall", "0.3", "--window", "0.6");
        assertEquals(1, failed.code(), failed::toString);
        assertTrue(failed.out().contains("CHANNEL_FAILED"), failed::toString);
    }

    @Test
    void benchReportsThroughputAndPercentiles() {
        for (String dir : new String[] {"out", "in"}) {
            Cli.Result r = Cli.fake("bench", "--direction", dir, "--count", "2000", "--warmup", "100", "--json");
            assertEquals(0, r.code(), r::toString);
            JsonNode j = r.json();
            assertEquals(2000, j.get("packets").asLong());
            assertTrue(j.get("packetsPerSecond").asDouble() > 0);
            JsonNode lat = j.get("latency");
            assertEquals(2000, lat.get("samples").asLong());
            assertTrue(lat.get("p50Micros").asDouble() <= lat.get("p99Micros").asDouble());
            assertTrue(lat.get("p99Micros").asDouble() <= lat.get("maxMicros").asDouble());
        }
    }

    @Test
    void benchTextOutput() {
        Cli.Result r = Cli.fake("bench", "--count", "500", "--warmup", "0", "--no-progress");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("latency (us): min"), r::toString);
        assertTrue(r.out().contains("packets/s"), r::toString);
    }
}
