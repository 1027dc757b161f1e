package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;
import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static dev.kmclbridge.fake.Harness.is;
import static dev.kmclbridge.fake.Harness.ok;
import static dev.kmclbridge.fake.Harness.ofKind;
import static dev.kmclbridge.fake.Harness.packets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Incoming path of the fake: lazy batches, processing-complete, quota, fail, requeue, deferral, faults. */
class FakeIncomingTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    @Test
    void clientBringUpIsOpenedStartedPostStarted() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.defaults());
            List<Harness.Ev> evs = h.drain(ch, 1000);
            assertEquals(3, evs.size(), evs.toString());
            assertTrue(evs.get(0).isState(Event.STATE_OPENED));
            assertTrue(evs.get(1).isState(Event.STATE_STARTED));
            assertTrue(evs.get(2).isState(Event.STATE_POST_STARTED));
            assertEquals(dev.kmclbridge.ChannelState.ACTIVE.code(), h.q(ch, Query.STATE));
        }
    }

    @Test
    void packetsLeaveTheRingOnlyInsideReceiveAndBatchEndsWithProcessingComplete() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            for (int i = 0; i < 5; i++) {
                h.peer.send(ch, new byte[] {(byte) i}, false, Optional.empty());
            }
            assertEquals(0, h.q(ch, Query.PACKETS_IN), "nothing delivered before receive");
            assertEquals(5 * 24 + 5 * 8, h.q(ch, Query.INCOMING_RING_USED));
            List<Harness.Ev> evs = h.receive(ch, 1000);
            assertEquals(6, evs.size(), evs.toString());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(new byte[] {(byte) i}, evs.get(i).payload(), "FIFO");
            }
            assertEquals(Event.KIND_PROCESSING_COMPLETE, evs.get(5).kind());
            assertEquals(5, evs.get(5).aux());
            assertEquals(1, h.q(ch, Query.BATCHES));
            assertEquals(5, h.q(ch, Query.PENDING_INCOMING));
            assertEquals(0, h.q(ch, Query.INCOMING_RING_USED));
        }
    }

    @Test
    void aBatchSplitOverTwoReceivesCountsEveryPacketSinceTheLastProcessingComplete() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            for (int i = 0; i < 5; i++) {
                h.peer.send(ch, new byte[8], false, Optional.empty());
            }
            EventBatch small = new EventBatch(2 * EventBatch.recordSize(8));
            int[] needed = new int[1];
            ok(h.backend.receive(ch, small, 0, needed));
            assertEquals(2, small.count());
            assertEquals(3, h.q(ch, Query.INCOMING_RING_USED) / 32, "3 packets still in the ring");
            List<Harness.Ev> rest = h.receive(ch, 0);
            assertEquals(4, rest.size());
            assertEquals(5, rest.get(3).aux(), "processing complete counts the whole run");
        }
    }

    @Test
    void firstRecordLargerThanTheBatchReportsTheNeededSize() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            h.peer.send(ch, new byte[1000], false, Optional.empty());
            EventBatch tiny = new EventBatch(64);
            int[] needed = new int[1];
            is(NtStatus.BUFFER_TOO_SMALL, h.backend.receive(ch, tiny, 0, needed));
            assertEquals(EventBatch.recordSize(1000), needed[0]);
            assertEquals(0, h.q(ch, Query.PACKETS_IN));
            assertEquals(1, packets(h.receive(ch, 0)).size());
        }
    }

    @Test
    void noProcessingCompleteWithoutTheCallback() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().processingCompleteCallback(false).build());
            h.drain(ch, 1000);
            h.peer.send(ch, new byte[1], false, Optional.empty());
            List<Harness.Ev> evs = h.drain(ch, 1000);
            assertEquals(1, evs.size());
            assertEquals(Event.KIND_PACKET, evs.get(0).kind());
        }
    }

    @Test
    void quotaStallsDeliveryAndOnlyACompletionResumesIt() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().transactionQuota(2).build());
            h.drain(ch, 1000);
            for (int i = 0; i < 5; i++) {
                h.peer.send(ch, new byte[] {(byte) i}, true, Optional.empty());
            }
            List<Harness.Ev> evs = h.drain(ch, 1000);
            assertEquals(2, packets(evs).size());
            assertEquals(2, ofKind(evs, Event.KIND_PROCESSING_COMPLETE).get(0).aux(), "batch ends at the quota (B69)");
            ok(h.backend.setTransactionQuota(ch, 10));
            assertTrue(h.drain(ch, 100).isEmpty(), "raising the quota does not resume a stalled queue (B82)");
            ok(h.backend.complete(packets(evs).get(0).id(), ByteBuffer.wrap(new byte[] {42})));
            List<Harness.Ev> more = h.drain(ch, 1000);
            assertEquals(3, packets(more).size());
            assertArrayEquals(new byte[] {2}, packets(more).get(0).payload());
            PeerOutcome o = h.peer.awaitOutcome(ch, 1, SHORT);
            assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
            assertArrayEquals(new byte[] {42}, o.payload());
            assertEquals(4, h.q(ch, Query.PENDING_INCOMING));
            assertEquals(4, h.q(ch, Query.QUEUE_HIGH_WATER));
        }
    }

    @Test
    void quotaZeroIsIgnored() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().transactionQuota(1).build());
            h.drain(ch, 1000);
            ok(h.backend.setTransactionQuota(ch, 0));
            h.peer.send(ch, new byte[1], false, Optional.empty());
            h.peer.send(ch, new byte[1], false, Optional.empty());
            assertEquals(1, packets(h.drain(ch, 500)).size(), "quota still 1");
        }
    }

    @Test
    void failStopsTheQueueForGoodButDeliveredPacketsCanStillComplete() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            long tx1 = h.peer.send(ch, new byte[] {1}, true, Optional.empty());
            long tx2 = h.peer.send(ch, new byte[] {2}, true, Optional.empty());
            List<Harness.Ev> p = packets(h.drain(ch, 1000));
            assertEquals(2, p.size());
            ok(h.backend.fail(p.get(0).id()));
            is(NtStatus.BRIDGE_PACKET_RETIRED, h.backend.fail(p.get(0).id()));
            is(NtStatus.BRIDGE_PACKET_RETIRED, h.backend.complete(p.get(0).id(), null));
            assertEquals(PeerOutcome.Kind.FAILED, h.peer.awaitOutcome(ch, tx1, SHORT).kind());
            assertTrue(h.peer.queueStopped(ch));
            long[] q = h.query(ch);
            assertEquals(1, q[Query.PACKETS_FAILED]);
            assertTrue((q[Query.FLAGS] & Query.FLAG_QUEUE_STOPPED) != 0);
            h.peer.send(ch, new byte[] {3}, false, Optional.empty());
            List<Harness.Ev> after = h.drain(ch, 200);
            assertTrue(after.isEmpty(), "no packets and no processing-complete after a fail: " + after);
            assertTrue(h.q(ch, Query.INCOMING_RING_USED) > 0, "later packets stay in the ring (B74)");
            ok(h.backend.complete(p.get(1).id(), ByteBuffer.wrap(new byte[] {9})));
            assertEquals(PeerOutcome.Kind.COMPLETED, h.peer.awaitOutcome(ch, tx2, SHORT).kind());
            // Disable + Enable clears the stop; the client binds to its offer again
            ok(h.backend.disable(ch));
            ok(h.backend.enable(ch));
            assertFalse(h.peer.queueStopped(ch));
            h.peer.send(ch, new byte[] {4}, false, Optional.empty());
            assertEquals(1, packets(h.drain(ch, 1000)).size());
        }
    }

    @Test
    void requeuedPacketsComeBackFirstInOrderAndCountOnce() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            for (int i = 0; i < 3; i++) {
                h.peer.send(ch, new byte[] {(byte) i}, false, Optional.empty());
            }
            List<Harness.Ev> p = packets(h.drain(ch, 1000));
            ok(h.backend.requeue(ch, new long[] {p.get(1).id(), p.get(2).id()}, 2));
            assertEquals(1, h.q(ch, Query.PACKETS_IN));
            assertEquals(1, h.q(ch, Query.PENDING_INCOMING));
            is(NtStatus.BRIDGE_CONTRACT_VIOLATION, h.backend.complete(p.get(1).id(), null));
            List<Harness.Ev> again = packets(h.drain(ch, 1000));
            assertEquals(List.of(p.get(1).id(), p.get(2).id()), again.stream().map(Harness.Ev::id).toList());
            assertEquals(0, again.get(0).flags() & Event.PACKET_FLAG_REDELIVERY);
            assertEquals(3, h.q(ch, Query.PACKETS_IN));
        }
    }

    @Test
    void deferredPacketIsRedeliveredWithSameIdAtPassive() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().incomingProcessingAtPassive(false).build());
            h.drain(ch, 1000);
            h.peer.send(ch, new byte[] {5, 6}, true, Optional.empty());
            Harness.Ev first = packets(h.drain(ch, 1000)).get(0);
            assertEquals(Event.PACKET_FLAG_COMPLETION_REQUESTED, first.flags());
            ok(h.backend.deferToPassive(first.id()));
            is(NtStatus.BRIDGE_PACKET_RETIRED, h.backend.complete(first.id(), null)); // B71
            Harness.Ev again = packets(h.drain(ch, 1000)).get(0);
            assertEquals(first.id(), again.id());
            assertArrayEquals(first.payload(), again.payload());
            assertEquals(Event.IRQL_PASSIVE, again.status());
            assertTrue((again.flags() & Event.PACKET_FLAG_REDELIVERY) != 0);
            assertEquals(1, h.q(ch, Query.PACKETS_IN));
            ok(h.backend.complete(again.id(), null));
            is(NtStatus.BRIDGE_PACKET_RETIRED, h.backend.complete(again.id(), null));
            is(NtStatus.INVALID_HANDLE, h.backend.complete(987654321L, null));
        }
    }

    @Test
    void irqlIsPassiveWhenRequiredAndMixedOtherwise() {
        try (Harness h = new Harness()) {
            long passive = h.openClient(ChannelConfig.builder().incomingProcessingAtPassive(true).build());
            long mixed = h.openClient(ChannelConfig.defaults());
            h.drain(passive, 1000);
            h.drain(mixed, 1000);
            for (int i = 0; i < 64; i++) {
                h.peer.send(passive, new byte[1], false, Optional.empty());
                h.peer.send(mixed, new byte[1], false, Optional.empty());
            }
            assertTrue(packets(h.drain(passive, 1000)).stream().allMatch(e -> e.status() == Event.IRQL_PASSIVE));
            List<Integer> irqls = packets(h.drain(mixed, 1000)).stream().map(Harness.Ev::status).distinct().toList();
            assertEquals(2, irqls.size(), "both DISPATCH and PASSIVE appear: " + irqls);
        }
    }

    @Test
    void externalDataFromThePeerTravelsAsPfnsAndArrivesWithFlag() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            byte[] ext = new byte[5000];
            for (int i = 0; i < ext.length; i++) {
                ext[i] = (byte) (i * 7);
            }
            h.peer.send(ch, new byte[] {1}, true, Optional.of(ext));
            assertEquals(PacketFraming.gpaDirectSize(1, 5000), h.q(ch, Query.INCOMING_RING_USED));
            assertEquals(2, h.peer.guestPagesInUse());
            Harness.Ev p = packets(h.drain(ch, 1000)).get(0);
            assertEquals(Event.PACKET_FLAG_EXTERNAL_DATA | Event.PACKET_FLAG_COMPLETION_REQUESTED, p.flags());
            assertArrayEquals(ext, p.external());
            assertEquals(0, h.peer.guestPagesInUse());
            h.peer.send(ch, new byte[] {2}, false, Optional.empty());
            assertEquals(0, packets(h.drain(ch, 1000)).get(0).flags() & Event.PACKET_FLAG_EXTERNAL_DATA);
        }
    }

    @Test
    void malformedAndOversizedPeerPacketsAreNeverDeliveredButCounted() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().maximumPacketSize(64).build());
            h.drain(ch, 1000);
            h.peer.inject(ch, new Fault.MalformedPacket());
            h.peer.send(ch, new byte[] {1}, false, Optional.empty());
            h.peer.inject(ch, new Fault.OversizedPacket(65));
            h.peer.send(ch, new byte[] {2}, false, Optional.empty());
            h.peer.send(ch, new byte[] {3}, false, Optional.empty());
            List<Harness.Ev> p = packets(h.drain(ch, 1000));
            assertEquals(1, p.size());
            assertArrayEquals(new byte[] {3}, p.get(0).payload());
            assertEquals(1, h.peer.malformedRejected(ch));
            assertEquals(1, h.peer.oversizedDropped(ch));
        }
    }

    @Test
    void peerPacketsWaitInThePeerQueueWhenOurIncomingRingIsFull() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().ringBufferPages(1, 1).build());
            h.drain(ch, 1000);
            for (int i = 0; i < 40; i++) {
                h.peer.send(ch, new byte[100], false, Optional.empty()); // 128 bytes each, 31 fit
            }
            assertEquals(9, h.peer.ringStatus(ch).peerQueued());
            assertEquals(31 * 128, h.peer.ringStatus(ch).incomingUsed());
            assertEquals(40, packets(h.drain(ch, 1000)).size());
            assertEquals(0, h.peer.ringStatus(ch).peerQueued());
        }
    }

    @Test
    void packetsSentWhilePausedAreDeliveredAfterStart() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            ok(h.backend.pause(ch));
            h.peer.send(ch, new byte[1], false, Optional.empty());
            List<Harness.Ev> evs = h.drain(ch, 200);
            assertEquals(1, evs.size());
            assertTrue(evs.get(0).isState(Event.STATE_SUSPEND));
            ok(h.backend.start(ch));
            evs = h.drain(ch, 1000);
            assertTrue(evs.get(0).isState(Event.STATE_STARTED));
            assertTrue(evs.get(1).isState(Event.STATE_POST_STARTED));
            assertEquals(1, packets(evs).size());
        }
    }

    @Test
    void pauseBlocksUntilTheLastDeliveredPacketIsCompletedFromAnotherThread() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            h.peer.send(ch, new byte[1], false, Optional.empty());
            long id = packets(h.drain(ch, 1000)).get(0).id();
            Thread t = new Thread(() -> ok(h.backend.pause(ch)));
            t.start();
            t.join(300);
            assertTrue(t.isAlive(), "pause waits for the delivered packet (B87)");
            assertTrue(h.drain(ch, 1000).get(0).isState(Event.STATE_SUSPEND));
            ok(h.backend.complete(id, null));
            t.join(5000);
            assertFalse(t.isAlive());
        }
    }
}
