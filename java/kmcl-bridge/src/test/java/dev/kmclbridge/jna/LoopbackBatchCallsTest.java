package dev.kmclbridge.jna;

import dev.kmclbridge.jna.LoopbackSpiCalls.Received;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.kmclbridge.jna.LoopbackSpiCalls.enableClientChannel;
import static dev.kmclbridge.jna.LoopbackSpiCalls.ok;
import static dev.kmclbridge.jna.LoopbackSpiCalls.openOrSkip;
import static dev.kmclbridge.jna.LoopbackSpiCalls.receiveUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loopback backend's batch paths, each one native crossing: the peer's sendBatch, takeReceived and
 * completeBatch (JnaPeer's overrides of the Peer defaults) and the primitive-only receive and completeBatch of
 * JnaBackend. They must behave as the single calls they replace: order, each packet taken once, the first
 * transaction the peer does not hold stops a batch. Runs when the loopback shim is built (native/build/out).
 */
class LoopbackBatchCallsTest {
    private static final UUID TYPE = UUID.fromString("5a0f3e2d-1c4b-4a69-8e7d-6b5c4a3f2e1d");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Receives until at least {@code wanted} records of {@code kind} came; returns them in order. */
    private static List<Received> receiveKind(JnaBackend b, long channel, int kind, int wanted) {
        return receiveUntil(b, channel, wanted, "records of kind " + kind, r -> r.kind() == kind);
    }

    @Test
    void batchCallsKeepOrderTakeEachPacketOnceAndStopAtTheFirstUnheldTransaction() {
        try (JnaBackend b = openOrSkip()) {
            Peer peer = b.peer().orElseThrow();
            long channel = enableClientChannel(b, TYPE);
            receiveKind(b, channel, Event.KIND_STATE, 1);

            // in: one peer call sends three, one receive path brings them in order, one call completes them
            long[] txs = peer.sendBatch(channel, List.of(bytes("a"), bytes("bb"), bytes("ccc")), true);
            assertEquals(3, txs.length);
            List<Received> packets = receiveKind(b, channel, Event.KIND_PACKET, 3);
            assertEquals(3, packets.size());
            assertArrayEquals(bytes("a"), packets.get(0).payload());
            assertArrayEquals(bytes("ccc"), packets.get(2).payload());
            long[] ids = {packets.get(0).id(), packets.get(1).id(), packets.get(2).id()};
            ByteBuffer replies = ByteBuffer.wrap(bytes("xyyzzz"));
            int[] statuses = {-1, -1, -1};
            ok(b.completeBatch(ids, 3, replies, new int[]{0, 1, 3}, new int[]{1, 2, 3}, statuses));
            assertArrayEquals(new int[]{0, 0, 0}, statuses);
            PeerOutcome last = peer.awaitOutcome(channel, txs[2], Duration.ofSeconds(10));
            assertEquals(PeerOutcome.Kind.COMPLETED, last.kind());
            assertArrayEquals(bytes("zzz"), last.payload());

            // out: three sends, one peer call takes them all, a second finds none; one call completes them
            for (int i = 0; i < 3; i++) {
                ok(b.send(channel, 100 + i, ByteBuffer.wrap(bytes("out" + i)), null, 0,
                        WireFormat.FORMAT_FLAG_WAIT_FOR_COMPLETION));
            }
            List<PeerPacket> taken = new ArrayList<>();
            long takeDeadline = System.nanoTime() + 10_000_000_000L;
            while (taken.size() < 3 && System.nanoTime() < takeDeadline) {
                taken.addAll(peer.takeReceived(channel, 10, Duration.ofSeconds(1)));
            }
            assertEquals(3, taken.size());
            assertArrayEquals(bytes("out0"), taken.get(0).payload());
            assertTrue(peer.takeReceived(channel, 10, Duration.ZERO).isEmpty(), "each packet is taken once");
            long[] order = {taken.get(0).txId(), taken.get(1).txId(), taken.get(0).txId(), taken.get(2).txId()};
            assertThrows(IllegalStateException.class, () -> peer.completeBatch(channel, order, 4, bytes("ok")),
                    "the third is completed already");
            peer.completeBatch(channel, new long[]{taken.get(2).txId()}, 1, bytes("ok"));
            assertEquals(3, receiveKind(b, channel, Event.KIND_SEND_COMPLETE, 3).size());
            ok(b.disable(channel));
            ok(b.cleanup(channel));
        }
    }
}
