package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.spi.WireFormat.Event;
import dev.kmclbridge.spi.WireFormat.ExternalForm;
import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.kmclbridge.fake.Harness.is;
import static dev.kmclbridge.fake.Harness.ok;
import static dev.kmclbridge.fake.Harness.ofKind;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outgoing path: ring-full queueing, completions, synchronous requests, external data. */
class FakeOutgoingTest {
    private static final Duration WAIT = Duration.ofSeconds(2);

    private static ByteBuffer buf(int n, int fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    @Test
    void fullOutgoingRingQueuesSendsOnTheChannelUntilThePeerReads() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().ringBufferPages(1, 1).build());
            h.drain(ch, 1000);
            h.peer.setReading(ch, false);
            for (int i = 0; i < 40; i++) {
                ok(h.backend.send(ch, i, buf(100, i), null, ExternalForm.NONE, 0));
            }
            long[] q = h.query(ch);
            assertEquals(31, ofKind(h.drain(ch, 200), Event.KIND_SEND_COMPLETE).size(), "31 x 128 bytes fit a 4 KiB ring");
            assertEquals(9, q[Query.QUEUED_OUTGOING]);
            assertEquals(9, q[Query.RING_FULL_EVENTS], "every send that had to queue found the ring full");
            assertEquals(128, q[Query.OUTGOING_RING_FREE]);
            assertTrue((q[Query.FLAGS] & Query.FLAG_OUTGOING_STALLED) != 0);
            assertEquals(0, h.peer.received(ch).size(), "the peer is not reading");
            ok(h.backend.send(ch, 40, buf(100, 40), null, ExternalForm.NONE, 0));
            assertEquals(10, h.q(ch, Query.RING_FULL_EVENTS));
            h.peer.setReading(ch, true);
            List<Harness.Ev> done = ofKind(h.drain(ch, 1000), Event.KIND_SEND_COMPLETE);
            assertEquals(10, done.size());
            for (int i = 0; i < 41; i++) {
                PeerPacket p = h.peer.awaitReceived(ch, WAIT).orElseThrow();
                assertEquals(i, p.payload()[0], "FIFO through the queue");
                assertEquals(PacketFraming.TYPE_INBAND, p.ringType());
            }
            assertEquals(0, h.q(ch, Query.QUEUED_OUTGOING));
            assertEquals(41, h.q(ch, Query.COMPLETIONS_RECEIVED));
        }
    }

    @Test
    void ringFullFaultQueuesUntilThePeerActs() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            h.peer.inject(ch, new Fault.RingFull(1));
            ok(h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 0));
            assertEquals(1, h.q(ch, Query.QUEUED_OUTGOING));
            assertEquals(1, h.q(ch, Query.RING_FULL_EVENTS));
            assertTrue(h.peer.awaitReceived(ch, WAIT).isPresent());
            assertEquals(0, h.q(ch, Query.QUEUED_OUTGOING));
        }
    }

    @Test
    void waitForCompletionCarriesThePeersPayloadExactlyOnce() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            ok(h.backend.send(ch, 77, buf(3, 3), null, ExternalForm.NONE, 0x1));
            assertTrue(ofKind(h.drain(ch, 100), Event.KIND_SEND_COMPLETE).isEmpty(), "in flight until the peer completes");
            assertEquals(1, h.q(ch, Query.PENDING_OUTGOING));
            PeerPacket p = h.peer.awaitReceived(ch, WAIT).orElseThrow();
            assertTrue(p.completionRequested());
            h.peer.complete(ch, p.txId(), new byte[] {9, 8});
            List<Harness.Ev> done = ofKind(h.drain(ch, 1000), Event.KIND_SEND_COMPLETE);
            assertEquals(1, done.size());
            assertEquals(77, done.get(0).id());
            assertEquals(0, done.get(0).status());
            assertArrayEquals(new byte[] {9, 8}, done.get(0).payload());
            assertEquals(0, h.q(ch, Query.PENDING_OUTGOING));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> h.peer.complete(ch, p.txId(), new byte[0]), "the peer holds no such transaction any more");
        }
    }

    @Test
    void sendValidationFollowsTheCatalog() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().maximumPacketSize(64).maximumExternalData(4096, 1).build());
            h.drain(ch, 1000);
            is(NtStatus.INVALID_PARAMETER, h.backend.send(ch, 1, buf(65, 0), null, ExternalForm.NONE, 0)); // B120
            is(NtStatus.INVALID_PARAMETER, h.backend.send(ch, 1, buf(1, 0), buf(10, 1), ExternalForm.PFNS, 0)); // B115
            is(NtStatus.INVALID_PARAMETER, h.backend.send(ch, 1, buf(1, 0), buf(4097, 1), ExternalForm.MDL, 1));
            h.peer.inject(ch, new Fault.AllocationFailure(1));
            is(NtStatus.INSUFFICIENT_RESOURCES, h.backend.send(ch, 1, buf(1, 0), null, ExternalForm.NONE, 0));
            ok(h.backend.send(ch, 1, buf(1, 0), null, ExternalForm.NONE, 0));
            assertEquals(1, h.q(ch, Query.PACKETS_OUT));
        }
    }

    @Test
    void packetThatCanNeverFitTheRingIsRejected() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().ringBufferPages(1, 1).maximumPacketSize(8192).build());
            h.drain(ch, 1000);
            is(NtStatus.INVALID_PARAMETER, h.backend.send(ch, 1, buf(4064, 0), null, ExternalForm.NONE, 0));
            ok(h.backend.send(ch, 1, buf(4056, 0), null, ExternalForm.NONE, 0));
        }
    }

    @Test
    void externalPfnSendReachesThePeerAsGpaDirect() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            ok(h.backend.send(ch, 5, buf(4, 4), buf(9000, 6), ExternalForm.PFNS, 0x1));
            PeerPacket p = h.peer.awaitReceived(ch, WAIT).orElseThrow();
            assertEquals(PacketFraming.TYPE_GPA_DIRECT, p.ringType());
            assertEquals(9000, p.external().length);
            assertEquals(6, p.external()[8999]);
            assertEquals(9004, h.q(ch, Query.BYTES_OUT));
            assertEquals(0, h.peer.guestPagesInUse());
        }
    }

    @Test
    void sendsBeforeOpenAreQueuedAndTransmittedOnOpen() {
        try (Harness h = new Harness()) {
            long ep = h.peer.offer(Harness.TEST_TYPE, java.util.UUID.randomUUID(), dev.kmclbridge.peer.OfferOptions.defaults()).endpointId();
            long ch = h.allocate(ep, false, ChannelConfig.builder().targetPnp(Harness.TEST_TYPE, java.util.UUID.randomUUID()).build());
            ok(h.backend.enable(ch));
            ok(h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 0)); // B42: not open, queued
            assertEquals(1, h.q(ch, Query.QUEUED_OUTGOING));
            assertEquals(dev.kmclbridge.ChannelState.ENABLED.code(), h.q(ch, Query.STATE));
            dev.kmclbridge.peer.PeerOffer o = h.peer.offer(Harness.TEST_TYPE,
                    new java.util.UUID(0, 0), dev.kmclbridge.peer.OfferOptions.defaults());
            assertEquals(dev.kmclbridge.ChannelState.ENABLED.code(), h.q(ch, Query.STATE), "instance must match (B31)");
            h.peer.rescind(o);
        }
    }

    @Test
    void sendsBetweenSuspendAndStartedAreAContractViolation() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.defaults());
            ok(h.backend.pause(ch));
            is(NtStatus.BRIDGE_CONTRACT_VIOLATION, h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 0));
            ok(h.backend.start(ch));
            ok(h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 0));
        }
    }

    @Test
    void disableCancelsQueuedAndInFlightSends() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            ok(h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 1)); // in flight
            h.peer.setReading(ch, false);
            h.peer.inject(ch, new Fault.RingFull(1));
            ok(h.backend.send(ch, 2, buf(8, 1), null, ExternalForm.NONE, 0)); // queued
            ok(h.backend.disable(ch));
            List<Harness.Ev> evs = h.drain(ch, 1000);
            List<Harness.Ev> done = ofKind(evs, Event.KIND_SEND_COMPLETE);
            assertEquals(2, done.size(), evs.toString());
            assertTrue(done.stream().allMatch(e -> e.status() == NtStatus.CANCELLED.value()));
            assertTrue(evs.stream().anyMatch(e -> e.isState(Event.STATE_SUSPEND)));
            assertTrue(evs.get(evs.size() - 3).isState(Event.STATE_CLOSED) || evs.stream().anyMatch(e -> e.isState(Event.STATE_CLOSED)));
            assertEquals(dev.kmclbridge.ChannelState.DISABLED.code(), h.q(ch, Query.STATE));
            assertEquals(0, h.q(ch, Query.PENDING_OUTGOING));
        }
    }

    @Test
    void synchronousRequestGetsThePeerCompletionWithoutAReceiver() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.defaults());
            AtomicInteger status = new AtomicInteger(-1);
            int[] size = {16};
            ByteBuffer out = ByteBuffer.allocate(16);
            Thread t = new Thread(() -> status.set(h.backend.sendSynchronous(ch, buf(4, 1), null, 0, out, size, false, 0)));
            t.start(); // nobody calls receive: the completion must not depend on a dispatcher
            PeerPacket p = h.peer.awaitReceived(ch, WAIT).orElseThrow();
            assertTrue(p.completionRequested(), "a client synchronous request always waits for the reply");
            h.peer.complete(ch, p.txId(), new byte[] {1, 2, 3});
            t.join(5000);
            ok(status.get());
            assertEquals(3, size[0]);
            assertEquals(2, out.get(1));
            assertTrue(ofKind(h.drain(ch, 100), Event.KIND_SEND_COMPLETE).isEmpty(), "no SEND_COMPLETE for a sync request");
        }
    }

    @Test
    void synchronousRequestStatuses() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.builder().ringBufferPages(1, 1).build());
            is(NtStatus.INVALID_PARAMETER, h.backend.sendSynchronous(ch, buf(4, 1), null, 0, null, new int[] {4}, false, 0));
            // timeout expiry cancels (B128): 20 ms relative
            is(NtStatus.CANCELLED, h.backend.sendSynchronous(ch, buf(4, 1), null, 1, null, new int[] {0}, true, -200_000));
            // completion larger than the capacity: nothing copied, size = needed
            int[] size = {8};
            Thread t = new Thread(() -> {
                PeerPacket p = h.peer.awaitReceived(ch, WAIT).orElseThrow();
                h.peer.complete(ch, p.txId(), new byte[12]);
            });
            PeerPacket cancelled = h.peer.awaitReceived(ch, WAIT).orElseThrow();
            h.peer.complete(ch, cancelled.txId(), new byte[0]); // too late: ignored, no event
            assertTrue(h.drain(ch, 0).stream().noneMatch(e -> e.kind() == Event.KIND_SEND_COMPLETE));
            t.start();
            is(NtStatus.BUFFER_OVERFLOW, h.backend.sendSynchronous(ch, buf(4, 1), null, 1, ByteBuffer.allocate(8), size, true, -50_000_000));
            assertEquals(12, size[0]);
            // zero timeout, no room: not queued (B129)
            h.peer.setReading(ch, false);
            while (h.backend.sendSynchronous(ch, buf(100, 1), null, 0, null, new int[] {0}, true, 0) == 0) {
                assertTrue(h.q(ch, Query.OUTGOING_RING_FREE) < 4096);
            }
            is(NtStatus.BUFFER_OVERFLOW, h.backend.sendSynchronous(ch, buf(100, 1), null, 0, null, new int[] {0}, true, 0));
            assertEquals(0, h.q(ch, Query.QUEUED_OUTGOING));
            ok(h.backend.disable(ch));
            is(NtStatus.DEVICE_REMOVED, h.backend.sendSynchronous(ch, buf(4, 1), null, 0, null, new int[] {0}, true, 0)); // B130
        }
    }

    @Test
    void serverSynchronousRequestOnlyInTheZeroTimeoutForm() {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), true, ChannelConfig.defaults());
            ok(h.backend.enable(ch));
            ok(h.backend.start(ch));
            h.peer.open(ch);
            is(NtStatus.INVALID_PARAMETER, h.backend.sendSynchronous(ch, buf(4, 1), null, 0, null, new int[] {0}, false, 0));
            is(NtStatus.INVALID_PARAMETER, h.backend.sendSynchronous(ch, buf(4, 1), null, 1, null, new int[] {0}, true, 0));
            int[] size = {8};
            ok(h.backend.sendSynchronous(ch, buf(4, 1), null, 0, null, size, true, 0));
            assertEquals(0, size[0]);
            assertFalse(h.peer.awaitReceived(ch, WAIT).orElseThrow().completionRequested());
        }
    }

    @Test
    void disableWhileASynchronousRequestWaitsCancelsIt() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.defaults());
            AtomicInteger status = new AtomicInteger(-1);
            Thread t = new Thread(() -> status.set(h.backend.sendSynchronous(ch, buf(4, 1), null, 1, null, new int[] {0}, false, 0)));
            t.start();
            h.peer.awaitReceived(ch, WAIT).orElseThrow();
            ok(h.backend.disable(ch));
            t.join(5000);
            is(NtStatus.CANCELLED, status.get());
        }
    }

    @Test
    void delayedPeerDoesNotReadInline() {
        try (Harness h = new Harness()) {
            long ch = h.openClient(ChannelConfig.defaults());
            h.peer.inject(ch, new Fault.Delay(Duration.ofMillis(50)));
            ok(h.backend.send(ch, 1, buf(8, 1), null, ExternalForm.NONE, 0));
            assertEquals(PacketFraming.inBandSize(8), h.peer.ringStatus(ch).outgoingUsed());
            long t0 = System.nanoTime();
            Optional<PeerPacket> p = h.peer.awaitReceived(ch, WAIT);
            assertTrue(p.isPresent());
            assertTrue(System.nanoTime() - t0 >= 50_000_000L, "the peer's read was delayed");
        }
    }
}
