package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Completion;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.fillOutgoingRing;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.received;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.6: a full outgoing ring queues sends instead of failing them (B112). */
@KmclTest
@Timeout(60)
public class RingBackpressureContract extends EndsLeftoverPackets {
    private static void awaitAll(List<CompletableFuture<Completion>> fs) {
        try {
            CompletableFuture.allOf(fs.toArray(new CompletableFuture[0]))
                    .get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("queued sends did not complete after the ring drained", e);
        }
    }

    /**
     * With the ring full, sends are still accepted and queued on the channel; once the peer reads again they all
     * go out, in order, and complete.
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B112_fullRingQueuesSendsAndDrainsLater(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        List<byte[]> sent = new ArrayList<>();
        List<CompletableFuture<Completion>> fs = fillOutgoingRing(peer, ch, 2000, sent);
        for (int i = 0; i < 3; i++) {
            byte[] b = pattern(2000, 50_000 + i);
            sent.add(b);
            fs.add(assertDoesNotThrow(() -> ch.send(b), "a send into a full ring is accepted"));
        }
        assertTrue(ch.statistics().ringFullEvents() > 0, "ring-full counted: " + ch.statistics());
        assertTrue(ch.statistics().queuedOutgoing() >= 4, "sends wait on the channel: " + ch.statistics());
        assertTrue(ch.status().outgoingStalled(), "channel reports the stall");
        assertFalse(fs.get(fs.size() - 1).isDone(), "a queued send is not in the ring yet");
        PacketFlow.resumeReadingAndExpect(peer, ch, sent);
        awaitAll(fs);
        PacketFlow.awaitStatistics(ch, s -> s.queuedOutgoing() == 0, "queue drained");
        assertFalse(ch.status().outgoingStalled());
    }

    /** A send that finds the ring full (injected) is queued, counted, and delivered once space frees. */
    @Test
    void B112_injectedRingFullQueuesSend(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long before = ch.statistics().ringFullEvents();
        peer.inject(ch.id(), new Fault.RingFull(1));
        byte[] b = pattern(64, 1);
        CompletableFuture<Completion> f = assertDoesNotThrow(() -> ch.send(b));
        assertTrue(ch.statistics().ringFullEvents() > before, "ring-full counted");
        assertArrayEquals(b, received(peer, ch).payload());
        awaitAll(List.of(f));
    }

    /** Queued sends with WAIT_FOR_COMPLETION still end with the peer's payload after the ring drains. */
    @Test
    void B112_queuedWaitingSendsCompleteWithPayload(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        List<byte[]> sent = new ArrayList<>();
        List<CompletableFuture<Completion>> fs = fillOutgoingRing(peer, ch, 3000, sent);
        CompletableFuture<Completion> waiting = ch.send(PacketFlow.seq(77),
                java.util.EnumSet.of(dev.kmclbridge.SendFlag.WAIT_FOR_COMPLETION));
        peer.setReading(ch.id(), true);
        for (int i = 0; i < sent.size(); i++) {
            received(peer, ch);
        }
        PeerPacket last = received(peer, ch);
        assertArrayEquals(PacketFlow.seq(77), last.payload());
        assertTrue(last.completionRequested());
        peer.complete(ch.id(), last.txId(), new byte[]{7, 7});
        awaitAll(fs);
        awaitAll(List.of(waiting));
        assertArrayEquals(new byte[]{7, 7}, waiting.join().payloadBytes());
        assertEquals(0, ch.statistics().queuedOutgoing());
    }
}
