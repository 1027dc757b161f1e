package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kmcl-diag ic}: each IC against the host model on fake and loopback, --json parsed. */
class IcCommandTest {
    private static Cli.Result ic(String backend, String... args) {
        return AvailableBackend.run(backend, "ic", args);
    }

    private static List<JsonNode> guestRecords(JsonNode doc, String type) {
        List<JsonNode> out = new ArrayList<>();
        doc.get("guest").forEach(n -> {
            if (n.get("type").asText().equals(type)) {
                out.add(n);
            }
        });
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void heartbeatNegotiatesAndAnswersEachSequencePlusOne(String backend) {
        JsonNode doc = ic(backend, "heartbeat", "--count", "4", "--interval", "0", "--json").succeededJson();
        assertEquals("heartbeat", doc.get("service").asText());
        assertEquals("3.0", doc.get("framework").asText());
        assertEquals("3.0", doc.get("message").asText());
        assertEquals(4, doc.get("requests").asInt());
        assertEquals(4, doc.get("counts").get("answered").asInt());
        List<JsonNode> beats = guestRecords(doc, "HEARTBEAT");
        for (int i = 0; i < beats.size(); i++) {
            JsonNode d = beats.get(i).get("details");
            assertEquals(i + 1, d.get("sequence").asLong());
            assertEquals(i + 2, d.get("answered").asLong());
        }
        doc.get("hostModel").forEach(h -> assertEquals("ANSWERED", h.get("outcome").asText(), h.toString()));
        assertEquals(5, doc.get("hostModel").size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void failNextIsSeenByTheHostAndLaterRequestsAreNotDelivered(String backend) {
        JsonNode doc = ic(backend, "heartbeat", "--count", "3", "--interval", "0", "--fail-next", "--json").succeededJson();
        assertEquals(1, doc.get("counts").get("failed").asInt());
        assertEquals(1, doc.get("requests").asInt(), "the fail stopped the incoming queue: nothing after it arrives");
        JsonNode host = doc.get("hostModel");
        assertEquals("ANSWERED", host.get(0).get("outcome").asText());
        assertEquals("FAILED_BY_GUEST", host.get(1).get("outcome").asText());
        assertEquals("NOT_ANSWERED", host.get(2).get("outcome").asText());
    }

    @Test
    void stopAnsweringLeavesTheHostWithoutAnswers() {
        JsonNode doc = ic("fake", "heartbeat", "--count", "1", "--stop-answering", "--json").succeededJson();
        assertEquals(1, doc.get("counts").get("not_answered").asInt());
        assertEquals("NOT_ANSWERED", doc.get("hostModel").get(1).get("outcome").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void timesyncShowsHostTimeFlagsAndOffset(String backend) {
        JsonNode doc = ic(backend, "timesync", "--count", "2", "--interval", "0", "--json").succeededJson();
        assertEquals("4.0", doc.get("message").asText());
        List<JsonNode> samples = guestRecords(doc, "TIME_SYNC");
        assertEquals(2, samples.size());
        assertEquals("sync", samples.get(0).get("details").get("flags").asText());
        assertEquals("sample", samples.get(1).get("details").get("flags").asText());
        assertTrue(Math.abs(samples.get(1).get("details").get("hostAheadMillis").asDouble()) < 5000, doc::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void kvpShowsThePairsBothWays(String backend) {
        JsonNode doc = ic(backend, "kvp", "--json").succeededJson();
        assertEquals("5.0", doc.get("message").asText());
        List<JsonNode> kvp = guestRecords(doc, "KVP_EXCHANGE");
        assertEquals("SET", kvp.get(0).get("details").get("operation").asText());
        assertEquals("kmcl-diag-host", kvp.get(0).get("details").get("key").asText());
        assertEquals("kmcl-diag", kvp.get(1).get("details").get("key").asText());
        assertEquals("kmcl-bridge guest", kvp.get(1).get("details").get("value").asText());
        JsonNode host = doc.get("hostModel");
        assertEquals("NO_MORE_ITEMS", host.get(3).get("status").asText(), host.toString());
        assertTrue(host.get(4).get("answer").asText().endsWith("kmcl-diag-host = hello from the host model"), host.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void shutdownIsAnsweredAcceptedOrRefused(String backend) {
        JsonNode accepted = ic(backend, "shutdown", "--json").succeededJson();
        assertEquals("OK", accepted.get("hostModel").get(1).get("status").asText());
        Cli.Result refused = ic(backend, "shutdown", "--refuse", "--json");
        assertEquals("MACHINE_LOCKED", refused.json().get("hostModel").get(1).get("status").asText());
        assertEquals("3.2", refused.json().get("message").asText());
    }

    @Test
    void watchStreamsJsonLinesEndingWithASummary() {
        Cli.Result r = ic("fake", "heartbeat", "--watch", "--count", "3", "--interval", "0", "--json");
        assertEquals(0, r.code(), r::toString);
        List<JsonNode> lines = r.jsonLines();
        assertEquals("start", lines.get(0).get("record").asText());
        assertEquals("end", lines.get(lines.size() - 1).get("record").asText());
        assertEquals(3, lines.get(lines.size() - 1).get("requests").asInt());
        assertTrue(lines.stream().anyMatch(l -> l.get("record").asText().equals("host")));
    }

    @Test
    void plainTextSaysVersionsAndSequenceNumbers() {
        Cli.Result r = ic("fake", "heartbeat", "--count", "2", "--interval", "0");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("chose framework 3.0, message 3.0"), r::toString);
        assertTrue(r.out().contains("heartbeat #1 -> answered 2"), r::toString);
        assertTrue(r.out().contains("host model: heartbeat tx 2 answered: sequence 3"), r::toString);
        assertTrue(r.out().contains("2 request(s) after the negotiation: 2 answered"), r::toString);
    }

    @Test
    void badInputsAreOneLineWithTheirCodes() {
        ic("fake", "bogus").failedOnOneLine(3);
        ic("fake").failedOnOneLine(2);
        ic("fake", "timesync", "--wrong-answer").failedOnOneLine(2);
        ic("fake", "heartbeat", "--duration", "1").failedOnOneLine(2);
        ic("fake", "heartbeat", "--count", "0").failedOnOneLine(3);
    }
}
