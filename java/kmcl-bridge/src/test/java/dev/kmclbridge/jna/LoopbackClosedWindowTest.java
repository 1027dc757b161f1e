package dev.kmclbridge.jna;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The loopback backend remembers which thread received a channel's Closed record (B53's Closed handler window)
 * only while the channel exists: a channel cleaned up before anyone asked for more records leaves nothing behind.
 * Runs when the loopback shim is built (native/build/out); the conformance suite covers the statuses on both backends.
 */
class LoopbackClosedWindowTest {
    private static final UUID TYPE = UUID.fromString("0c4b2f6e-7d1a-4e55-9b3c-2a6d8e1f4c70");

    private static void ok(int status) {
        assertEquals(NtStatus.describe(NtStatus.SUCCESS.value()), NtStatus.describe(status));
    }

    private static void receiveUntilState(JnaBackend b, long channel, int state) {
        EventBatch batch = new EventBatch(64 * 1024);
        int[] needed = new int[1];
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            batch.clear();
            int st = b.receive(channel, batch, 100, needed);
            if (st == NtStatus.TIMEOUT.value()) {
                continue;
            }
            ok(st);
            EventBatch.Reader r = batch.reader();
            while (r.next()) {
                if (r.kind() == Event.KIND_STATE && r.flags() == state) {
                    return;
                }
            }
        }
        throw new AssertionError("no state record " + state + " on channel " + channel);
    }

    @Test
    void noClosedWindowOutlivesItsChannel() {
        LoopbackBackendProvider provider = new LoopbackBackendProvider();
        Assumptions.assumeTrue(provider.unavailableReason().isEmpty(),
                () -> "loopback shim not built: " + provider.unavailableReason().orElse(""));
        try (JnaBackend b = (JnaBackend) provider.open(Map.of())) {
            for (int i = 0; i < 20; i++) {
                PeerOffer offer = b.peer().orElseThrow().offer(TYPE, UUID.randomUUID(), OfferOptions.defaults());
                long[] id = new long[1];
                int[] failed = new int[1];
                ok(b.allocateChannel(offer.endpointId(), false, id));
                ok(b.configure(id[0], ChannelConfig.builder().targetPnp(TYPE, offer.interfaceInstance()).build().toSettings(), failed));
                ok(b.enable(id[0]));
                receiveUntilState(b, id[0], Event.STATE_POST_STARTED);
                ok(b.disable(id[0]));
                receiveUntilState(b, id[0], Event.STATE_CLOSED);
                ok(b.cleanup(id[0]));
            }
            assertEquals(0, b.closedWindowEntries(), "Closed handler windows kept for cleaned-up channels");
        }
    }
}
