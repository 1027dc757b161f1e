package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.Irql;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.conformance.PacketFlow.Recorder;
import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.assertPending;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.4: VmbChannelPacketDeferToPassive (B70-B72). */
@KmclTest
@Timeout(60)
public class DeferToPassiveContract extends EndsLeftoverPackets {
    /** Defers every first delivery and completes every redelivery with {@code reply}. */
    private static Recorder deferThenComplete(byte[] reply) {
        return new Recorder(p -> {
            if (p.isRedelivery()) {
                p.complete(reply);
            } else {
                p.deferToPassive();
            }
        });
    }

    /** deferToPassive() inline makes the same packet (same payload) come back once more, at PASSIVE_LEVEL. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B70_deferredPacketIsRedeliveredAtPassive(Side side, TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = deferThenComplete(new byte[]{5, 6});
        Channel ch = side.open(t, ChannelConfig.defaults(), rec);
        byte[] payload = pattern(77, 3);
        long tx = peer.send(ch.id(), payload, true, Optional.empty());
        IncomingPacket first = rec.next();
        IncomingPacket again = rec.next();
        rec.assertNone(TestChannels.QUIET, "one redelivery only");
        rec.assertNoErrors();
        assertFalse(first.isRedelivery());
        assertTrue(again.isRedelivery());
        assertEquals(Irql.PASSIVE, again.irql(), "redelivery runs at PASSIVE_LEVEL");
        assertArrayEquals(payload, PacketFlow.payloadOf(again), "same payload");
        assertEquals(first.flags(), again.flags());
        assertEquals(first.completionRequested(), again.completionRequested());
        PeerOutcome o = outcome(peer, ch, tx);
        assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
        assertArrayEquals(new byte[]{5, 6}, o.payload(), "completion of the redelivery reaches the sender");
        assertEquals(1, ch.statistics().packetsIn(), "a redelivery is not a new packet");
        assertEquals(1, ch.statistics().completionsSent());
    }

    /** The redelivery is the same packet, not a new one: it carries the id the deferred delivery had. */
    @Test
    void B70_deferredPacketIsRedeliveredUnderTheSameId(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = deferThenComplete(new byte[]{8});
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        long tx = peer.send(ch.id(), seq(3), true, Optional.empty());
        IncomingPacket first = rec.next();
        IncomingPacket again = rec.next();
        rec.assertNoErrors();
        assertTrue(again.isRedelivery());
        assertEquals(first.id(), again.id(), "the redelivery keeps the deferred packet's id");
        assertTrue(first.isRetired(), "the deferred delivery itself stays ended");
        assertArrayEquals(new byte[]{8}, outcome(peer, ch, tx).payload());
    }

    /** Deferral works on a channel that already processes at passive, and keeps external data and ring order. */
    @Test
    void B70_deferKeepsExternalDataAndOrder(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> {
            if (!p.isRedelivery() && seqOf(p) == 0) {
                p.deferToPassive();
            } else {
                p.complete();
            }
        });
        Channel ch = Side.CLIENT.open(t, ChannelConfig.builder().incomingProcessingAtPassive(true)
                .maximumExternalData(64 * 1024, 16).build(), rec);
        byte[] ext = pattern(9000, 8);
        long tx = peer.send(ch.id(), seq(0), true, Optional.of(ext));
        IncomingPacket first = rec.next();
        IncomingPacket again = rec.next();
        rec.assertNoErrors();
        assertTrue(again.isRedelivery());
        assertEquals(0, seqOf(again));
        assertTrue(again.hasExternalData());
        assertArrayEquals(ext, PacketFlow.externalOf(again), "external data of the redelivery");
        assertEquals(Irql.PASSIVE, first.irql());
        assertEquals(Irql.PASSIVE, again.irql());
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx).kind());
    }

    /** After deferral the first delivery is finished: completing it is rejected; completion is owed by the redelivery. */
    @Tag("inferred")
    @Test
    void B71_deferredDeliveryMustNotBeCompleted(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> {
            if (!p.isRedelivery()) {
                p.deferToPassive();
            }
        });
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket first = rec.next();
        IncomingPacket again = rec.next();
        rec.assertNoErrors();
        assertTrue(first.isRetired());
        assertThrows(PacketRetiredException.class, () -> first.complete(new byte[]{1}));
        assertThrows(PacketRetiredException.class, first::fail);
        assertPending(peer, ch, tx);
        assertEquals(1, ch.statistics().pendingIncoming(), "the redelivery is still owed a completion");
        again.complete(new byte[]{2});
        assertArrayEquals(new byte[]{2}, outcome(peer, ch, tx).payload());
        assertFalse(ch.status().queueStopped());
    }

    /** deferToPassive() after the callback returned (here: from another thread) is a contract violation. */
    @Test
    void B72_deferOutsideTheCallbackIsRejected(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Recorder rec = Recorder.holding();
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = rec.next();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CompletableFuture.runAsync(() -> {
            try {
                p.deferToPassive();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }).get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertInstanceOf(IllegalStateException.class, thrown.get());
        rec.assertNone(TestChannels.QUIET, "a rejected deferral redelivers nothing");
        assertFalse(p.isRetired(), "the packet is still open after the rejected deferral");
        p.complete(new byte[]{4});
        assertArrayEquals(new byte[]{4}, outcome(peer, ch, tx).payload());
    }

    /** A packet read from the default queue was not handed to a callback still running: deferral is rejected. */
    @Test
    void B72_deferFromQueueModeIsRejected(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        assertThrows(IllegalStateException.class, p::deferToPassive);
        assertFalse(p.isRetired());
        p.complete();
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx).kind());
    }

    /** Inside the callback for one packet, deferring a different (earlier) packet is rejected. */
    @Test
    void B72_deferOfAnotherPacketInsideACallbackIsRejected(TestChannels t) {
        Peer peer = t.peer();
        AtomicReference<IncomingPacket> held = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Recorder rec = new Recorder(p -> {
            IncomingPacket earlier = held.getAndSet(p);
            if (earlier != null) {
                try {
                    earlier.deferToPassive();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }
        });
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        peer.send(ch.id(), seq(1), false, Optional.empty());
        IncomingPacket p1 = rec.next();
        peer.send(ch.id(), seq(2), false, Optional.empty());
        IncomingPacket p2 = rec.next();
        rec.assertNoErrors();
        assertNotNull(thrown.get(), "deferring packet 1 from packet 2's callback was accepted");
        assertInstanceOf(IllegalStateException.class, thrown.get());
        assertFalse(p1.isRetired());
        rec.assertNone(TestChannels.QUIET, "nothing was deferred");
        for (IncomingPacket p : List.of(p1, p2)) {
            p.complete();
        }
        assertEquals(0, ch.statistics().pendingIncoming());
    }

    /** The backend itself refuses VmbChannelPacketDeferToPassive for a packet whose callback has returned. */
    @Test
    void B72_backendRejectsDeferOfCompletedPacket(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        p.complete(new byte[]{1});
        int st = t.kmcl().backend().deferToPassive(p.id());
        assertTrue(st < 0, "defer of a completed packet returned success");
        assertArrayEquals(new byte[]{1}, outcome(peer, ch, tx).payload());
        assertNothingDeliveredAgain(ch);
    }

    private static void assertNothingDeliveredAgain(Channel ch) {
        PacketFlow.assertNothingDelivered(ch, "no redelivery after a rejected deferral");
    }

    /**
     * B71: through the SPI, a deferred packet's id is refused as retired until its redelivery is received; once
     * redelivered and handed back (requeue), the same id is refused as not delivered (a contract violation), like any
     * requeued packet, until it is received again. Both models answer alike.
     */
    @Test
    void B71_deferredIdIsRetiredOnlyUntilItsRedelivery(TestChannels t) {
        Backend b = t.kmcl().backend();
        long ch = SpiChannel.openClient(t);
        t.peer().send(ch, seq(1), true, Optional.empty());
        long packet = SpiChannel.receiveUntil(b, ch, Event.KIND_PACKET, -1);
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.deferToPassive(packet)));
        assertEquals(NtStatus.BRIDGE_PACKET_RETIRED, NtStatus.of(b.complete(packet, ByteBuffer.allocate(0))), "before the redelivery");
        assertEquals(packet, SpiChannel.receiveUntil(b, ch, Event.KIND_PACKET, -1), "redelivered under the same id (B70)");
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.requeue(ch, new long[] {packet}, 1)));
        assertEquals(NtStatus.BRIDGE_CONTRACT_VIOLATION, NtStatus.of(b.complete(packet, ByteBuffer.allocate(0))),
                "a redelivered packet handed back is not delivered");
        assertEquals(packet, SpiChannel.receiveUntil(b, ch, Event.KIND_PACKET, -1), "handed back at the head of the stream");
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.complete(packet, ByteBuffer.allocate(0))));
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.disable(ch)));
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.cleanup(ch)));
    }
}
