package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.Irql;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.PacketFlow.Recorder;
import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.4: delivery of incoming packets (B55-B66). */
@KmclTest
@Timeout(60)
public class IncomingPacketContract extends EndsLeftoverPackets {
    private static final ChannelConfig ROOMY = ChannelConfig.builder()
            .maximumPacketSize(8192).maximumExternalData(256 * 1024, 64).build();

    /** Every packet the peer writes into the incoming ring is handed to the packet callback exactly once. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B55_onePacketCallbackPerRingPacket(Side side, TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = Recorder.completing(new byte[0]);
        Channel ch = side.open(t, ChannelConfig.defaults(), rec);
        int n = 25;
        List<Long> tx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tx.add(peer.send(ch.id(), seq(i), i % 2 == 0, Optional.empty()));
        }
        List<IncomingPacket> got = rec.next(n);
        rec.assertNone(TestChannels.QUIET, "only " + n + " packets were sent");
        rec.assertNoErrors();
        Set<Long> seqs = new HashSet<>();
        Set<Long> ids = new HashSet<>();
        for (IncomingPacket p : got) {
            seqs.add(seqOf(p));
            ids.add(p.id());
        }
        assertEquals(n, seqs.size(), "each sequence number delivered once");
        assertEquals(n, ids.size(), "each delivery has its own packet id");
        for (long id : tx) {
            assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, id).kind());
        }
        assertEquals(n, ch.statistics().packetsIn());
    }

    /** The callback's buffer is exactly the sender's payload: same bytes, same length, no header. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B56_payloadIsExactlyTheSendersBytes(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ROOMY);
        int[] sizes = {1, 7, 8, 9, 63, 64, 100, 1000, 4000, 8192};
        for (int i = 0; i < sizes.length; i++) {
            byte[] sent = pattern(sizes[i], i);
            long tx = peer.send(ch.id(), sent, false, Optional.empty());
            IncomingPacket p = next(ch);
            assertArrayEquals(sent, p.payloadBytes(), "payload of " + sizes[i] + " bytes");
            assertEquals(sizes[i], p.payload().remaining());
            p.complete();
            outcome(peer, ch, tx);
        }
    }

    /** Process-packet flag 0x1 is set exactly when the sender attached external data. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B57_externalDataFlagSetIffSenderAttachedData(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ROOMY);
        peer.send(ch.id(), pattern(16, 1), true, Optional.of(pattern(5000, 2)));
        IncomingPacket with = next(ch);
        assertEquals(0x1, with.flags() & 0x1, "flag 0x1 with external data");
        assertTrue(with.hasExternalData());
        with.complete();
        peer.send(ch.id(), pattern(16, 3), true, Optional.empty());
        IncomingPacket without = next(ch);
        assertEquals(0, without.flags() & 0x1, "no flag 0x1 without external data");
        assertFalse(without.hasExternalData());
        assertEquals(0, without.externalData().remaining());
        without.complete();
    }

    /** Packets are delivered in the order the peer wrote them into the ring. */
    @Tag("inferred")
    @ParameterizedTest
    @EnumSource(Side.class)
    void B58_deliveryIsFifoPerChannel(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        int n = 500;
        for (int i = 0; i < n; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        for (int i = 0; i < n; i++) {
            IncomingPacket p = next(ch);
            assertEquals(i, seqOf(p), "delivery " + i + " out of order");
            p.complete();
        }
    }

    /** With incoming processing at passive requested at creation, every packet callback runs at PASSIVE_LEVEL. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B60_passiveProcessingDeliversOnlyAtPassive(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.builder().incomingProcessingAtPassive(true).build());
        assertHundredDeliveriesAtPassive(peer, ch);
    }

    /** VmbChannelSetIncomingProcessingAtPassive(TRUE) on a running channel moves later callbacks to PASSIVE_LEVEL. */
    @Test
    void B60_passiveProcessingSetOnOpenChannelApplies(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        ch.configure(ChannelConfig.builder().incomingProcessingAtPassive(true).build());
        assertHundredDeliveriesAtPassive(peer, ch);
    }

    /** The peer sends 100 packets; each is delivered at PASSIVE_LEVEL (and completed). */
    private static void assertHundredDeliveriesAtPassive(Peer peer, Channel ch) {
        for (int i = 0; i < 100; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        for (int i = 0; i < 100; i++) {
            IncomingPacket p = next(ch);
            assertEquals(Irql.PASSIVE, p.irql(), "delivery " + i);
            p.complete();
        }
    }

    /** Without the passive requirement, callbacks may run at DISPATCH_LEVEL or PASSIVE_LEVEL; both occur. */
    @Tag("inferred")
    @Test
    void B61_defaultDeliveryUsesBothIrqls(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().incomingProcessingAtPassive(false).build());
        Set<Irql> seen = EnumSet.noneOf(Irql.class);
        for (int i = 0; i < 400; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        for (int i = 0; i < 400; i++) {
            IncomingPacket p = next(ch);
            seen.add(p.irql());
            p.complete();
        }
        assertEquals(EnumSet.allOf(Irql.class), seen, "IRQLs seen over 400 deliveries");
    }

    /** A packet ends exactly once: a second complete, or a fail after complete, is rejected and sends nothing more. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B62_secondCompletionIsRejected(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        p.complete(new byte[]{1});
        assertTrue(p.isRetired());
        assertThrows(PacketRetiredException.class, () -> p.complete(new byte[]{2}));
        assertThrows(PacketRetiredException.class, p::fail);
        PeerOutcome o = outcome(peer, ch, tx);
        assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
        assertArrayEquals(new byte[]{1}, o.payload(), "the first completion is the one the peer sees");
        assertEquals(1, ch.statistics().completionsSent());
        assertEquals(0, ch.statistics().pendingIncoming());
        assertFalse(ch.status().queueStopped(), "the rejected fail() must not stop the queue");
    }

    /** The backend itself refuses a second VmbChannelPacketComplete for the same packet id. */
    @Test
    void B62_backendRejectsCompletingARetiredPacketId(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        p.complete(new byte[]{7});
        int st = t.kmcl().backend().complete(p.id(), ByteBuffer.wrap(new byte[]{8}));
        assertTrue(st < 0, "second complete of packet " + p.id() + " returned success");
        assertArrayEquals(new byte[]{7}, outcome(peer, ch, tx).payload());
        assertEquals(1, ch.statistics().completionsSent());
    }

    /** Every delivered packet must be completed: until then the peer's transaction stays open. */
    @Test
    void B62_uncompletedPacketKeepsPeerTransactionOpen(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        PacketFlow.assertPending(peer, ch, tx);
        assertEquals(1, ch.statistics().pendingIncoming());
        p.complete();
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx).kind());
        assertEquals(0, ch.statistics().pendingIncoming());
    }

    /** VmbChannelPacketComplete works inline inside the packet callback. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B63_completeInlineInsideCallback(Side side, TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> p.complete(new byte[]{(byte) seqOf(p)}));
        Channel ch = side.open(t, ChannelConfig.defaults(), rec);
        long tx = peer.send(ch.id(), seq(42), true, Optional.empty());
        IncomingPacket p = rec.next();
        rec.assertNoErrors();
        assertTrue(p.isRetired());
        assertArrayEquals(new byte[]{42}, outcome(peer, ch, tx).payload());
    }

    /** VmbChannelPacketComplete also works later, from another thread, after the callback returned. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B63_completeLaterFromAnotherThread(Side side, TestChannels t) throws Exception {
        Peer peer = t.peer();
        Recorder rec = Recorder.holding();
        Channel ch = side.open(t, ChannelConfig.defaults(), rec);
        long tx1 = peer.send(ch.id(), seq(1), true, Optional.empty());
        long tx2 = peer.send(ch.id(), seq(2), true, Optional.empty());
        List<IncomingPacket> got = rec.next(2);
        PacketFlow.assertPending(peer, ch, tx1);
        CompletableFuture.runAsync(() -> {
            for (IncomingPacket p : got) {
                p.complete(new byte[]{(byte) (10 + seqOf(p))});
            }
        }).get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(new byte[]{11}, outcome(peer, ch, tx1).payload());
        assertArrayEquals(new byte[]{12}, outcome(peer, ch, tx2).payload());
    }

    /** When the sender asked for a completion, our completion payload reaches it unchanged. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B64_completionPayloadReachesSender(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(5), true, Optional.empty());
        IncomingPacket p = next(ch);
        assertTrue(p.completionRequested());
        byte[] reply = pattern(40, 9);
        p.complete(reply);
        PeerOutcome o = outcome(peer, ch, tx);
        assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
        assertArrayEquals(reply, o.payload());
    }

    /** When the sender did not ask for a completion, completing the packet sends no payload back. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B65_noCompletionPayloadWhenNotRequested(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(5), false, Optional.empty());
        IncomingPacket p = next(ch);
        assertFalse(p.completionRequested());
        p.complete(pattern(40, 9));
        PeerOutcome o = outcome(peer, ch, tx);
        assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
        assertEquals(0, o.payload().length, "no completion packet, so no payload");
    }

    /** Completing a packet whose sender did not request a completion writes nothing into our outgoing ring. */
    @Test
    void B65_noCompletionPacketWrittenWhenNotRequested(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        peer.setReading(ch.id(), false);
        peer.send(ch.id(), seq(1), false, Optional.empty());
        next(ch).complete(pattern(64, 1));
        PacketFlow.awaitStatistics(ch, s -> s.completionsSent() == 1, "completion counted");
        assertEquals(0, peer.ringStatus(ch.id()).outgoingUsed(), "outgoing ring after a completion nobody asked for");
    }

    /** The completion payload is opaque: any bytes and lengths (including empty) arrive unchanged. */
    @Test
    void B66_completionPayloadIsOpaque(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        byte[][] replies = {new byte[0], new byte[]{0}, new byte[8], filled(13, (byte) 0xFF), pattern(3, 4),
                ByteBuffer.allocate(4).putInt(0xC0000001).array(), pattern(512, 77)};
        for (byte[] reply : replies) {
            long tx = peer.send(ch.id(), seq(reply.length), true, Optional.empty());
            next(ch).complete(reply);
            assertArrayEquals(reply, outcome(peer, ch, tx).payload(), reply.length + "-byte completion");
        }
    }

    private static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, v);
        return b;
    }

    /** The external data the callback retrieves is exactly the sender's external range (size and content). */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B75_externalDataIsExactlyTheSendersRange(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ROOMY);
        int[] sizes = {1, 100, 4096, 4097, 3 * 4096 + 5, 65536};
        for (int i = 0; i < sizes.length; i++) {
            byte[] inline = pattern(24, i);
            byte[] ext = pattern(sizes[i], 100 + i);
            long tx = peer.send(ch.id(), inline, true, Optional.of(ext));
            IncomingPacket p = next(ch);
            assertArrayEquals(inline, p.payloadBytes(), "inline part unchanged");
            ByteBuffer e = p.externalData();
            assertEquals(sizes[i], e.remaining(), "external length");
            byte[] got = new byte[e.remaining()];
            e.get(got);
            assertArrayEquals(ext, got, sizes[i] + " bytes of external data");
            p.complete();
            outcome(peer, ch, tx);
        }
    }
}
