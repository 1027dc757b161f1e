package dev.kmclbridge.jna;

import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.kmclbridge.jna.LoopbackSpiCalls.enableClientChannel;
import static dev.kmclbridge.jna.LoopbackSpiCalls.ok;
import static dev.kmclbridge.jna.LoopbackSpiCalls.openOrSkip;
import static dev.kmclbridge.jna.LoopbackSpiCalls.receiveUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The loopback backend remembers which thread received a channel's Closed record (B53's Closed handler window)
 * only while the channel exists: a channel cleaned up before anyone asked for more records leaves nothing behind.
 * Runs when the loopback shim is built (native/build/out); the conformance suite covers the statuses on both backends.
 */
class LoopbackClosedWindowTest {
    private static final UUID TYPE = UUID.fromString("0c4b2f6e-7d1a-4e55-9b3c-2a6d8e1f4c70");

    private static void receiveState(JnaBackend b, long channel, int state) {
        receiveUntil(b, channel, 1, "state records " + state, r -> r.kind() == Event.KIND_STATE && r.flags() == state);
    }

    @Test
    void noClosedWindowOutlivesItsChannel() {
        try (JnaBackend b = openOrSkip()) {
            for (int i = 0; i < 20; i++) {
                long channel = enableClientChannel(b, TYPE);
                receiveState(b, channel, Event.STATE_POST_STARTED);
                ok(b.disable(channel));
                receiveState(b, channel, Event.STATE_CLOSED);
                ok(b.cleanup(channel));
            }
            assertEquals(0, b.closedWindowEntries(), "Closed handler windows kept for cleaned-up channels");
        }
    }
}
