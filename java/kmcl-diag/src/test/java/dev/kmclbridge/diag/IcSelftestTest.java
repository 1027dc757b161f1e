package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code selftest --endpoint IC}: the peer-free IC subset against the host model on fake and loopback. */
class IcSelftestTest {
    private static Cli.Result selftest(String backend, String... args) {
        return AvailableBackend.run(backend, "selftest", args);
    }

    private static List<String> column(JsonNode doc, String field) {
        List<String> out = new ArrayList<>();
        doc.get("steps").forEach(s -> out.add(s.get(field).asText()));
        return out;
    }

    @ParameterizedTest
    @CsvSource({"fake,heartbeat", "loopback,heartbeat", "fake,timesync", "loopback,timesync"})
    void periodicIcRunsEveryStepAndRecordsWhatTheHostDidAfterTheFail(String backend, String ic) {
        JsonNode doc = selftest(backend, "--endpoint", ic, "--json").succeededJson();
        assertEquals(List.of("bring-up", "negotiation", "requests", "fail-one", "after-fail", "reopen-nego", "close-reopen"),
                column(doc, "step"));
        assertEquals(List.of("PASS", "PASS", "PASS", "PASS", "OBSERVED", "PASS", "PASS"), column(doc, "result"), doc::toString);
        String afterFail = doc.get("steps").get(4).get("detail").asText();
        assertTrue(afterFail.contains("incoming queue stopped"), afterFail);
        assertTrue(afterFail.contains("the host model saw its request failed"), afterFail);
        assertTrue(doc.get("allPassed").asBoolean());
    }

    @ParameterizedTest
    @CsvSource({"fake,kvp", "fake,shutdown", "loopback,kvp"})
    void onDemandIcNegotiatesAndReopens(String backend, String ic) {
        JsonNode doc = selftest(backend, "--endpoint", ic, "--json").succeededJson();
        assertEquals(List.of("bring-up", "negotiation", "requests", "reopen-nego", "close-reopen"), column(doc, "step"));
        assertEquals("OBSERVED", doc.get("steps").get(2).get("result").asText());
    }

    @Test
    void textTableEndsWithTheVerdict() {
        Cli.Result r = selftest("fake", "--endpoint", "heartbeat");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("IC selftest: heartbeat on backend fake"), r::toString);
        assertTrue(r.out().contains("7 steps: 6 passed, 0 failed, 1 observed"), r::toString);
        assertTrue(r.out().strip().endsWith("SELFTEST PASSED"), r::toString);
    }

    @Test
    void anEndpointThatIsNoIcIsBadInput() {
        selftest("fake", "--endpoint", "bogus").failedOnOneLine(3);
        selftest("fake", "--endpoint", "7a1c0d3e-5b2f-4e8a-9c61-d1a9e0b4c2f8").failedOnOneLine(3);
        selftest("fake", "--endpoint", "heartbeat", "--classes", "Foo").failedOnOneLine(2);
    }
}
