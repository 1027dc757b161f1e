package dev.kmclbridge.jna;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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

    private static void ok(int status) {
        assertEquals(NtStatus.describe(NtStatus.SUCCESS.value()), NtStatus.describe(status));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Receives until at least `wanted` records of `kind` came; returns their ids (and payloads), in order. */
    private static List<long[]> receiveKind(JnaBackend b, long channel, int kind, int wanted, List<byte[]> payloads) {
        EventBatch batch = new EventBatch(64 * 1024);
        int[] needed = new int[1];
        List<long[]> found = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (found.size() < wanted && System.nanoTime() < deadline) {
            batch.clear();
            int st = b.receive(channel, batch, 100, needed);
            if (st == NtStatus.TIMEOUT.value()) {
                continue;
            }
            ok(st);
            EventBatch.Reader r = batch.reader();
            while (r.next()) {
                if (r.kind() == kind) {
                    found.add(new long[]{r.id()});
                    if (payloads != null) {
                        payloads.add(r.payload());
                    }
                }
            }
        }
        assertTrue(found.size() >= wanted, "records of kind " + kind + ": " + found.size());
        return found;
    }

    @Test
    void batchCallsKeepOrderTakeEachPacketOnceAndStopAtTheFirstUnheldTransaction() {
        LoopbackBackendProvider provider = new LoopbackBackendProvider();
        Assumptions.assumeTrue(provider.unavailableReason().isEmpty(),
                () -> "loopback shim not built: " + provider.unavailableReason().orElse(""));
        try (JnaBackend b = (JnaBackend) provider.open(Map.of())) {
            Peer peer = b.peer().orElseThrow();
            PeerOffer offer = peer.offer(TYPE, UUID.randomUUID(), OfferOptions.defaults());
            long[] id = new long[1];
            int[] failed = new int[1];
            ok(b.allocateChannel(offer.endpointId(), false, id));
            long channel = id[0];
            ok(b.configure(channel, ChannelConfig.builder().targetPnp(TYPE, offer.interfaceInstance()).build().toSettings(), failed));
            ok(b.enable(channel));
            receiveKind(b, channel, Event.KIND_STATE, 1, null);

            // in: one peer call sends three, one receive path brings them in order, one call completes them
            long[] txs = peer.sendBatch(channel, List.of(bytes("a"), bytes("bb"), bytes("ccc")), true);
            assertEquals(3, txs.length);
            List<byte[]> payloads = new ArrayList<>();
            List<long[]> packets = receiveKind(b, channel, Event.KIND_PACKET, 3, payloads);
            assertEquals(3, packets.size());
            assertArrayEquals(bytes("a"), payloads.get(0));
            assertArrayEquals(bytes("ccc"), payloads.get(2));
            long[] ids = {packets.get(0)[0], packets.get(1)[0], packets.get(2)[0]};
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
            assertEquals(3, receiveKind(b, channel, Event.KIND_SEND_COMPLETE, 3, null).size());
            ok(b.disable(channel));
            ok(b.cleanup(channel));
        }
    }
}
