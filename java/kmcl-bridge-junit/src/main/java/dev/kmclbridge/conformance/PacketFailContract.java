package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.RingStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static dev.kmclbridge.conformance.PacketFlow.Recorder;
import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.assertNothingDelivered;
import static dev.kmclbridge.conformance.PacketFlow.assertPending;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.onRingSize;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.4: VmbChannelPacketFail stops the incoming queue (B73, B74; §6 Q6 and Q22 choices). */
@KmclTest
@Timeout(60)
public class PacketFailContract extends EndsLeftoverPackets {
    /** Rounds of the fail-while-receiving races below: each round fails one packet on a fresh channel. */
    private static final int RACE_ROUNDS = 40;
    /** How long a round watches for a packet handed out after fail() returned. */
    private static final Duration AFTER_FAIL = Duration.ofMillis(50);

    /** After fail(), no further packet callback happens on the channel; the peer sees FAILED and a stopped queue. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B73_failStopsIncomingDelivery(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long tx1 = peer.send(ch.id(), seq(1), true, Optional.empty());
        next(ch).fail();
        PeerOutcome o = outcome(peer, ch, tx1);
        assertEquals(PeerOutcome.Kind.FAILED, o.kind(), "the failed packet gets no completion");
        assertEquals(0, o.payload().length);
        assertTrue(peer.queueStopped(ch.id()), "peer sees the stopped queue");
        assertTrue(ch.status().queueStopped(), "channel reports the stopped queue");
        long tx2 = peer.send(ch.id(), seq(2), true, Optional.empty());
        long tx3 = peer.send(ch.id(), seq(3), false, Optional.empty());
        assertNothingDelivered(ch, "queue stopped by fail()");
        assertPending(peer, ch, tx2);
        assertPending(peer, ch, tx3);
        assertEquals(1, ch.statistics().packetsIn());
        assertEquals(1, ch.statistics().packetsFailed());
    }

    /** fail() inside a packet handler stops delivery of packets that were already waiting behind it. */
    @Test
    void B73_failInHandlerStopsPacketsQueuedBehindIt(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> {
            if (seqOf(p) == 1) {
                p.fail();
            } else {
                p.complete();
            }
        });
        Channel ch = t.client(ChannelConfig.defaults());
        ch.onPacket(rec);
        ch.pause();
        ch.enable();
        assertTrue(ch.awaitStateEvent(StateEvent.OPENED, TestChannels.TIMEOUT));
        for (int i = 0; i < 6; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        ch.start();
        assertEquals(0, seqOf(rec.next()));
        assertEquals(1, seqOf(rec.next()));
        rec.assertNone(TestChannels.QUIET, "packets 2..5 were behind the failed one");
        rec.assertNoErrors();
        assertTrue(peer.queueStopped(ch.id()));
        assertEquals(2, ch.statistics().packetsIn());
    }

    /** Packets delivered before the fail() can still be completed, and their completions reach the peer. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B73_deliveredPacketsCanStillBeCompletedAfterFail(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long tx1 = peer.send(ch.id(), seq(1), true, Optional.empty());
        long tx2 = peer.send(ch.id(), seq(2), true, Optional.empty());
        IncomingPacket p1 = next(ch);
        IncomingPacket p2 = next(ch);
        p2.fail();
        p1.complete(new byte[]{9, 9});
        PeerOutcome o1 = outcome(peer, ch, tx1);
        assertEquals(PeerOutcome.Kind.COMPLETED, o1.kind());
        assertArrayEquals(new byte[]{9, 9}, o1.payload());
        assertEquals(PeerOutcome.Kind.FAILED, outcome(peer, ch, tx2).kind());
        assertEquals(0, ch.statistics().pendingIncoming());
    }

    /** A failed packet has ended: completing or failing it again is rejected. */
    @Test
    void B62_completeAfterFailIsRejected(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket p = next(ch);
        p.fail();
        assertThrows(PacketRetiredException.class, p::complete);
        assertThrows(PacketRetiredException.class, p::fail);
        assertEquals(PeerOutcome.Kind.FAILED, outcome(peer, ch, tx).kind());
        assertEquals(1, ch.statistics().packetsFailed());
        assertEquals(0, ch.statistics().completionsSent());
    }

    /** Packets arriving after fail() stay in the incoming ring: neither delivered nor completed. */
    @Tag("inferred")
    @ParameterizedTest
    @EnumSource(Side.class)
    void B74_laterPacketsStayInTheRing(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        peer.send(ch.id(), seq(1), false, Optional.empty());
        next(ch).fail();
        long tx2 = peer.send(ch.id(), new byte[100], true, Optional.empty());
        long tx3 = peer.send(ch.id(), new byte[40], false, Optional.empty());
        assertNothingDelivered(ch, "queue stopped");
        RingStatus r = peer.ringStatus(ch.id());
        assertTrue(r.incomingUsed() >= onRingSize(100) + onRingSize(40),
                "both packets still occupy the incoming ring: " + r);
        assertPending(peer, ch, tx2);
        assertPending(peer, ch, tx3);
        assertEquals(r.incomingUsed(), peer.ringStatus(ch.id()).incomingUsed(), "nobody reads the ring any more");
        assertEquals(1, ch.statistics().packetsIn());
    }

    /** The queue stays stopped until disable; after re-enabling, delivery works again. */
    @Tag("inferred")
    @Test
    void B73_queueStopLastsUntilDisable(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        peer.send(ch.id(), seq(1), false, Optional.empty());
        next(ch).fail();
        peer.send(ch.id(), seq(2), false, Optional.empty());
        assertNothingDelivered(ch, "queue stopped");
        ch.disable();
        ch.enable();
        assertTrue(ch.awaitStateEvent(StateEvent.POST_STARTED, 2, TestChannels.TIMEOUT), "history " + ch.stateHistory());
        assertFalse(ch.status().queueStopped(), "disable clears the stop");
        long tx = peer.send(ch.id(), seq(3), true, Optional.empty());
        IncomingPacket p = next(ch);
        assertEquals(3, seqOf(p));
        p.complete(new byte[]{3});
        assertArrayEquals(new byte[]{3}, outcome(peer, ch, tx).payload());
    }

    /** No end-of-batch notification is delivered after a fail() (fake's choice for §6 Q22). */
    @Tag("inferred")
    @Test
    void B67_noBatchEndAfterFail(TestChannels t) throws Exception {
        Peer peer = t.peer();
        BlockingQueue<Integer> ends = new LinkedBlockingQueue<>();
        Recorder rec = new Recorder(IncomingPacket::fail);
        Channel ch = t.client(ChannelConfig.defaults());
        ch.onPacket(rec);
        ch.onProcessingComplete(ends::add);
        Side.CLIENT.bringUp(t, ch);
        peer.send(ch.id(), seq(1), false, Optional.empty());
        rec.next();
        assertNull(ends.poll(TestChannels.QUIET.toNanos(), TimeUnit.NANOSECONDS), "batch end after fail()");
        peer.send(ch.id(), seq(2), false, Optional.empty());
        rec.assertNone(TestChannels.QUIET, "queue stopped");
        assertTrue(ends.isEmpty(), "batch end after fail(): " + ends);
    }

    /**
     * B74: packets the fail() kept from user code were never processed, so they must not look processed to the
     * sender at Disable either: no completion reaches it (they stay unanswered or are failed, never completed).
     */
    @Test
    void B74_packetsKeptFromUserCodeByFailAreNotCompletedAtDisable(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long[] tx = new long[4];
        for (int i = 0; i < tx.length; i++) {
            tx[i] = peer.send(ch.id(), seq(i), true, Optional.empty());
        }
        next(ch).fail();
        ch.disable();
        for (int i = 1; i < tx.length; i++) {
            PeerOutcome o = peer.awaitOutcome(ch.id(), tx[i], TestChannels.QUIET);
            assertNotEquals(PeerOutcome.Kind.COMPLETED, o.kind(), "packet " + i + " was never received by user code");
        }
    }

    /**
     * B73: after fail() the counters add up: every packet user code received was completed, failed or is still
     * pending; the packets the stopped queue kept from it count as never delivered.
     */
    @Test
    void B73_countersAfterFailCountOnlyPacketsUserCodeReceived(TestChannels t) throws InterruptedException {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        for (int i = 0; i < 8; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        next(ch).complete();
        next(ch).fail();
        long deadline = System.nanoTime() + TestChannels.TIMEOUT.toNanos();
        ChannelStatistics s = ch.statistics();
        while (s.pendingIncoming() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the dispatcher hands back what its last batch carried past the fail
            s = ch.statistics();
        }
        assertEquals(0, s.pendingIncoming(), s.toString());
        assertEquals(2, s.packetsIn(), s.toString());
        assertEquals(1, s.completionsSent(), s.toString());
        assertEquals(1, s.packetsFailed(), s.toString());
        assertEquals(s.packetsIn(), s.completionsSent() + s.packetsFailed() + s.pendingIncoming(), s.toString());
    }

    /**
     * Default queue: once fail() returned, nothing more comes out of nextPacket, although the dispatcher was still
     * receiving the packets the peer kept sending when the test failed one.
     */
    @Test
    void B73_nothingLeavesTheDefaultQueueAfterFailReturns(TestChannels t) {
        Peer peer = t.peer();
        for (int round = 0; round < RACE_ROUNDS; round++) {
            Channel ch = t.openClient(ChannelConfig.defaults());
            KeepSending sender = new KeepSending(peer, ch);
            try {
                for (int i = 0; i < round % 4; i++) {
                    next(ch).complete();
                }
                next(ch).fail();
                Optional<IncomingPacket> late = ch.nextPacket(AFTER_FAIL).map(PacketFlow::track);
                assertTrue(late.isEmpty(), "round " + round + ": " + late.orElse(null)
                        + " came out of the default queue after fail() returned");
            } finally {
                sender.stop();
            }
            ch.close();
        }
    }

    /**
     * Packet handler, fail() from another thread: once fail() returned, every later handler call is for a packet
     * the handler had already got or that {@code outstandingPackets()} listed when fail() returned.
     */
    @Test
    void B73_noHandlerCallForAPacketHandedOutAfterFailReturns(TestChannels t) {
        Peer peer = t.peer();
        for (int round = 0; round < RACE_ROUNDS; round++) {
            Recorder rec = Recorder.holding();
            Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
            Set<Long> known = new HashSet<>();
            KeepSending sender = new KeepSending(peer, ch);
            try {
                List<IncomingPacket> got = rec.next(1 + round % 4);
                got.get(got.size() - 1).fail();
                rec.all().forEach(p -> known.add(p.id()));
                ch.outstandingPackets().forEach(p -> known.add(p.id()));
                LockSupport.parkNanos(AFTER_FAIL.toNanos());
            } finally {
                sender.stop();
            }
            for (IncomingPacket p : rec.all()) {
                assertTrue(known.contains(p.id()), "round " + round + ": the handler got " + p
                        + " although fail() had returned and outstandingPackets() did not list it");
            }
            for (IncomingPacket p : rec.all()) {
                if (!p.isRetired()) {
                    p.complete();
                }
            }
            ch.close();
        }
    }

    /** The peer sending small packets to a channel on a thread of its own, until stopped (at most 64 packets). */
    private static final class KeepSending {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        KeepSending(Peer peer, Channel ch) {
            thread = new Thread(() -> {
                for (int i = 0; i < 64 && !stop.get(); i++) {
                    peer.send(ch.id(), seq(i), false, Optional.empty());
                }
            }, "peer-sender-" + ch.id());
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            stop.set(true);
            try {
                thread.join(TestChannels.TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
