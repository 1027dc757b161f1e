package dev.kmclbridge.diag;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fail} reports the channel as it is after the fail, however long VmbChannelPacketFail takes. */
class FailCommandTest {
    @Test
    void failReportsTheStoppedQueueOnlyAfterTheFailTookEffect() {
        Cli.Result r = Cli.onTestBackend(SlowFailBackendProvider.NAME, "fail", "--generate", "3", "--match", "nth=2", "--json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals(2, j.get("failedPacket").asInt(), r::toString);
        assertTrue(j.get("queueStopped").asBoolean(), () -> "read after the fail, not while it was under way: " + r);
        assertTrue(j.get("peerSeesQueueStopped").asBoolean(), r::toString);
    }
}
