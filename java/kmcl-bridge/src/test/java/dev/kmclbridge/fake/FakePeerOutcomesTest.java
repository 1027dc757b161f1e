package dev.kmclbridge.fake;

import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static dev.kmclbridge.fake.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The peer's record of how our side ended its packets stays bounded however long a channel runs (a watch, a soak). */
class FakePeerOutcomesTest {
    private static final int PACKETS = 200_000;

    /** Completes every packet the channel delivers, the way a long watch does; returns how many it ended. */
    private static int completeDelivered(Harness h, long ch) {
        int ended = 0;
        for (Harness.Ev e : h.receive(ch, 0)) {
            if (e.kind() == Event.KIND_PACKET) {
                ok(h.backend.complete(e.id(), null));
                ended++;
            }
        }
        return ended;
    }

    @Test
    void outcomesNobodyAwaitsStayBoundedOver200kPackets() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            FakeChannel channel = h.backend.channel(ch);
            int ended = 0;
            long lastTx = 0;
            int maxRetained = 0;
            for (int i = 0; i < PACKETS; i++) {
                lastTx = h.peer.send(ch, new byte[] {(byte) i}, (i & 1) == 0, Optional.empty());
                if ((i & 63) == 63) {
                    ended += completeDelivered(h, ch);
                    maxRetained = Math.max(maxRetained, channel.retainedOutcomes());
                }
            }
            while (ended < PACKETS) {
                ended += completeDelivered(h, ch);
            }
            maxRetained = Math.max(maxRetained, channel.retainedOutcomes());
            assertTrue(maxRetained <= PeerEndpoint.MAXIMUM_KEPT_OUTCOMES,
                    "the peer kept " + maxRetained + " outcomes of " + PACKETS + " packets; the cap is "
                            + PeerEndpoint.MAXIMUM_KEPT_OUTCOMES);
            assertEquals(PeerOutcome.Kind.COMPLETED, h.peer.awaitOutcome(ch, lastTx, Duration.ofSeconds(5)).kind(),
                    "the newest outcome is still there to read");
        }
    }

    @Test
    void anOutcomeStaysUntilDrainedThenIsForgotten() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            FakeChannel channel = h.backend.channel(ch);
            long tx = 0;
            for (int i = 0; i < 1000; i++) {
                tx = h.peer.send(ch, new byte[] {(byte) i}, true, Optional.empty());
                assertEquals(1, completeDelivered(h, ch));
            }
            assertEquals(PeerOutcome.Kind.COMPLETED, h.peer.awaitOutcome(ch, tx, Duration.ofSeconds(5)).kind());
            assertEquals(PeerOutcome.Kind.COMPLETED, h.peer.awaitOutcome(ch, tx, Duration.ofSeconds(5)).kind(),
                    "asking again returns the outcome again");
            assertEquals(1000, h.peer.drainOutcomes(ch).size());
            assertEquals(0, channel.retainedOutcomes(), "drained outcomes are forgotten");
            assertEquals(PeerOutcome.Kind.PENDING, h.peer.awaitOutcome(ch, tx, Duration.ofMillis(20)).kind());
        }
    }
}
