package dev.kmclbridge.peer;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.StateEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The peer's batch calls ({@link Peer#sendBatch}, {@link Peer#takeReceived}, {@link Peer#completeBatch}) behave
 * like the single calls they stand for, on the fake and (when the shim is built) on loopback: order, transaction
 * ids, each packet taken once, and completion outcomes.
 */
class PeerBatchCallsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Kmcl kmcl;

    @AfterEach
    void close() {
        if (kmcl != null) {
            kmcl.close();
        }
    }

    /** A running client channel bound to a fresh peer offer; {@code handler} null means the default queue. */
    private ClientChannel open(String backend, dev.kmclbridge.PacketHandler handler) {
        assumeTrue(Kmcl.backends().getOrDefault(backend, Optional.of("not on the class path")).isEmpty(),
                () -> backend + " is not available here: " + Kmcl.backends().get(backend));
        kmcl = Kmcl.open(backend);
        Peer peer = kmcl.peer().orElseThrow();
        PeerOffer offer = peer.offer(UUID.randomUUID(), UUID.randomUUID(), OfferOptions.defaults());
        ClientChannel ch = kmcl.createClientChannel(kmcl.endpoint(offer.endpointId()), ChannelConfig.builder()
                .ringBufferPages(32, 32).targetPnp(offer.interfaceType(), offer.interfaceInstance()).build());
        if (handler != null) {
            ch.onPacket(handler);
        }
        ch.enable();
        assertTrue(ch.awaitStateEvent(StateEvent.POST_STARTED, WAIT), "channel started");
        return ch;
    }

    private static byte[] numbered(int i) {
        return ByteBuffer.allocate(8).putLong(i).array();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void sendBatchDeliversEveryPayloadInOrderWithDistinctRisingTransactionIds(String backend) throws Exception {
        LinkedBlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        ClientChannel ch = open(backend, p -> {
            seen.add(p.payload().getLong(0));
            p.complete(new byte[]{(byte) p.payload().getLong(0)});
        });
        Peer peer = kmcl.peer().orElseThrow();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            payloads.add(numbered(i));
        }
        long[] ids = peer.sendBatch(ch.id(), payloads, true);
        assertEquals(100, ids.length);
        for (int i = 0; i < 100; i++) {
            Long got = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(got, "packet " + i + " delivered");
            assertEquals(i, got, "ring order");
            if (i > 0) {
                assertTrue(ids[i] != ids[i - 1], "distinct transaction ids");
            }
        }
        for (int i = 0; i < 100; i++) {
            PeerOutcome o = peer.awaitOutcome(ch.id(), ids[i], WAIT);
            assertEquals(PeerOutcome.Kind.COMPLETED, o.kind(), "outcome of packet " + i);
            assertArrayEquals(new byte[]{(byte) i}, o.payload(), "packet " + i + "'s completion reached its own id");
        }
        assertThrows(IllegalStateException.class, () -> peer.sendBatch(Long.MAX_VALUE, payloads, false),
                "a channel that does not exist");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void takeReceivedTakesEachPacketOnceOldestFirstUpToMax(String backend) {
        ClientChannel ch = open(backend, null);
        Peer peer = kmcl.peer().orElseThrow();
        for (int i = 0; i < 10; i++) {
            ch.send(numbered(i));
        }
        List<Long> order = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (order.size() < 10 && System.nanoTime() < deadline) {
            List<PeerPacket> got = peer.takeReceived(ch.id(), 3, WAIT);
            assertTrue(got.size() <= 3, "at most max: " + got.size());
            for (PeerPacket p : got) {
                order.add(ByteBuffer.wrap(p.payload()).getLong(0));
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 10; i++) {
            expected.add(i);
        }
        assertEquals(expected, order, "every packet once, oldest first");
        assertTrue(peer.takeReceived(ch.id(), 5, Duration.ofMillis(50)).isEmpty(), "nothing is taken twice");
        assertTrue(peer.awaitReceived(ch.id(), Duration.ofMillis(50)).isEmpty(), "nor by the single call");
        assertThrows(IllegalArgumentException.class, () -> peer.takeReceived(ch.id(), 0, WAIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void completeBatchCompletesEachTransactionWithThePayloadAndRefusesOneItDoesNotHold(String backend)
            throws Exception {
        ClientChannel ch = open(backend, null);
        Peer peer = kmcl.peer().orElseThrow();
        List<CompletableFuture<Completion>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(ch.send(numbered(i), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION)));
        }
        long[] txIds = new long[9];
        int n = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (n < 8 && System.nanoTime() < deadline) {
            for (PeerPacket p : peer.takeReceived(ch.id(), 8, WAIT)) {
                txIds[n++] = p.txId();
            }
        }
        assertEquals(8, n, "all eight requests read");
        peer.completeBatch(ch.id(), txIds, 4, new byte[]{4, 2});
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new byte[]{4, 2}, futures.get(i).get(10, TimeUnit.SECONDS).payloadBytes(),
                    "request " + i + " completed with the batch's payload");
        }
        assertTrue(!futures.get(4).isDone(), "request 4 is not in the completed part of the batch");
        // the rest, with one the peer already completed in the middle: those before it stay completed
        long[] rest = {txIds[4], txIds[5], txIds[0], txIds[6]};
        assertThrows(IllegalStateException.class, () -> peer.completeBatch(ch.id(), rest, 4, new byte[0]));
        futures.get(4).get(10, TimeUnit.SECONDS);
        futures.get(5).get(10, TimeUnit.SECONDS);
        assertTrue(!futures.get(6).isDone(), "the one after the refused transaction was not completed");
        peer.completeBatch(ch.id(), new long[]{txIds[6], txIds[7]}, 2, new byte[0]);
        futures.get(7).get(10, TimeUnit.SECONDS);
        assertThrows(IllegalArgumentException.class, () -> peer.completeBatch(ch.id(), txIds, 10, new byte[0]));
    }
}
