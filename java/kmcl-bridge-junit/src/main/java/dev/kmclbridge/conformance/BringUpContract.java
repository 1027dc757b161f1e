package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.MmioSpace;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.StateChange;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.SyncRequest;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.conformance.LifecycleRecorder.callInside;
import static dev.kmclbridge.conformance.LifecycleRecorder.text;
import static dev.kmclbridge.junit.TestChannels.QUIET;
import static dev.kmclbridge.junit.TestChannels.TEST_TYPE;
import static dev.kmclbridge.junit.TestChannels.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.3 on the client (guest) endpoint: Enable, binding to an offer, the Opened → Started →
 * PostStarted sequence, sends before open, MMIO and interrupt latency, plus B155 (where callbacks run) and
 * B156 (PnP failure).
 */
@KmclTest
public class BringUpContract {

    /** A client channel targeting an offer that does not exist yet (type + fresh instance). */
    private static ClientChannel waitingClient(TestChannels t, UUID instance) {
        PeerOffer parent = t.offer();
        return t.client(parent, ChannelConfig.builder().targetPnp(TEST_TYPE, instance).build());
    }

    /** B38: Enable on a disabled client returns at once, without waiting for an offer; the channel is Enabled. */
    @Test
    void B38_clientEnableReturnsWithoutWaitingForOffer(TestChannels t) {
        ClientChannel ch = waitingClient(t, UUID.randomUUID());
        long start = System.nanoTime();
        ch.enable();
        assertTrue(System.nanoTime() - start < TIMEOUT.toNanos() / 2, "enable blocked");
        assertEquals(ChannelState.ENABLED, ch.state());
        assertTrue(ch.status().everEnabled());
        assertFalse(ch.status().open());
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET), "opened without an offer");
    }

    /** B39: an enabled client binds to a matching offer that already exists. */
    @Test
    void B39_clientBindsToExistingOffer(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        ch.enable();
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertTrue(t.peer().isOpen(ch.id()));
        assertTrue(ch.status().open());
    }

    /** B39: an enabled client without a matching offer waits, and binds when the offer appears. */
    @Test
    void B39_clientWaitsForOfferThenBinds(TestChannels t) {
        UUID instance = UUID.randomUUID();
        ClientChannel ch = waitingClient(t, instance);
        ch.enable();
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET));
        assertEquals(ChannelState.ENABLED, ch.state());
        t.peer().offer(TEST_TYPE, instance, OfferOptions.defaults());
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertTrue(t.peer().isOpen(ch.id()));
    }

    /** B40: on a client, Opened is the first callback, before Started, PostStarted and any packet. */
    @Test
    void B40_openedPrecedesEverythingOnClient(TestChannels t) {
        UUID instance = UUID.randomUUID();
        ClientChannel ch = waitingClient(t, instance);
        LifecycleRecorder rec = LifecycleRecorder.attachedTo(ch);
        ch.enable();
        t.peer().offer(TEST_TYPE, instance, OfferOptions.defaults());
        rec.expect("OPENED", 1);
        t.peer().send(ch.id(), bytes("early"), false, Optional.empty());
        rec.expect("POST_STARTED", 1);
        rec.expect("PACKET:early", 1);
        assertEquals(0, rec.indexOf("OPENED", 1), rec.toString());
        assertTrue(rec.indexOf("STARTED", 1) > 0, rec.toString());
        assertTrue(rec.indexOf("POST_STARTED", 1) > 0, rec.toString());
        assertTrue(rec.indexOf("PACKET:early", 1) > 0, rec.toString());
    }

    /** B42: a send on an enabled client that is not open yet is accepted, held, and transmitted once it opens. */
    @Test
    void B42_clientSendBeforeOpenIsQueuedThenTransmitted(TestChannels t) throws Exception {
        UUID instance = UUID.randomUUID();
        ClientChannel ch = waitingClient(t, instance);
        ch.enable();
        CompletableFuture<Completion> f = ch.send(bytes("queued before open"));
        Thread.sleep(QUIET.toMillis());
        assertFalse(f.isDone(), "a send completed before the channel was open");
        assertTrue(ch.statistics().queuedOutgoing() >= 1, ch.statistics().toString());
        t.peer().offer(TEST_TYPE, instance, OfferOptions.defaults());
        PeerPacket p = PacketFlow.received(t.peer(), ch);
        assertEquals("queued before open", text(p.payload()));
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** B43: on a client, Started and PostStarted follow Opened without any call to start(). */
    @Test
    void B43_clientStartsImplicitly(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), LifecycleRecorder.events(ch));
        assertEquals(ChannelState.ACTIVE, ch.state());
        assertFalse(ch.status().paused());
    }

    /** B46: on a client, a packet the host sent before the channel started is delivered only after Started returned. */
    @Test
    void B46_noPacketBeforeStartedReturnsOnClient(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        LifecycleRecorder rec = new LifecycleRecorder();
        ch.onStateChange(change -> {
            rec.onStateChange(change);
            if (change.event() == StateEvent.OPENED) {
                t.peer().send(ch.id(), bytes("sent at open"), false, Optional.empty());
            }
            if (change.event() == StateEvent.STARTED) {
                rec.add("STARTED-returned", change);
            }
        });
        ch.onPacket(rec.completingHandler());
        ch.enable();
        rec.expect("PACKET:sent at open", 1);
        int started = rec.indexOf("STARTED-returned", 1);
        assertTrue(started >= 0 && started < rec.indexOf("PACKET:sent at open", 1), rec.toString());
    }

    /** B47: packets sent from inside the Started callback are accepted and reach the peer. */
    @Test
    void B47_sendFromStartedIsTransmitted(TestChannels t) throws Exception {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        CompletableFuture<CompletableFuture<Completion>> sent = new CompletableFuture<>();
        ch.onStateChange(change -> {
            if (change.event() == StateEvent.STARTED) {
                try {
                    sent.complete(ch.send(bytes("from started")));
                } catch (RuntimeException e) {
                    sent.completeExceptionally(e);
                }
            }
        });
        ch.enable();
        CompletableFuture<Completion> f = sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        PeerPacket p = PacketFlow.received(t.peer(), ch);
        assertEquals("from started", text(p.payload()));
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** B48: a synchronous request from inside Started is refused instead of hanging forever. */
    @Test
    void B48_synchronousRequestFromStartedIsRefused(TestChannels t) throws Exception {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        CompletableFuture<Object> outcome = callInside(ch, StateEvent.STARTED,
                () -> ch.sendSynchronous(SyncRequest.builder(bytes("never")).waitForCompletion().build()));
        ch.enable();
        Object e = outcome.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertInstanceOf(IllegalStateException.class, e);
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertFalse(t.peer().awaitReceived(ch.id(), QUIET).isPresent(), "the refused request was sent anyway");
    }

    /** B49: Started comes before PostStarted and before any packet; packets may precede or follow PostStarted. */
    @Test
    @Tag("inferred")
    void B49_incomingQueueOnAfterStartedThenPostStarted(TestChannels t) {
        UUID instance = UUID.randomUUID();
        ClientChannel ch = waitingClient(t, instance);
        LifecycleRecorder rec = new LifecycleRecorder();
        ch.onStateChange(change -> {
            rec.onStateChange(change);
            if (change.event() == StateEvent.OPENED) {
                for (int i = 0; i < 3; i++) {
                    t.peer().send(ch.id(), bytes("p" + i), false, Optional.empty());
                }
            }
        });
        ch.onPacket(rec.completingHandler());
        ch.enable();
        t.peer().offer(TEST_TYPE, instance, OfferOptions.defaults());
        rec.expect("POST_STARTED", 1);
        rec.expect("PACKET:p2", 1);
        int started = rec.indexOf("STARTED", 1);
        assertTrue(started < rec.indexOf("POST_STARTED", 1), rec.toString());
        for (int i = 0; i < 3; i++) {
            assertTrue(started < rec.indexOf("PACKET:p" + i, 1), rec.toString());
        }
    }

    /** B50: a synchronous request made inside PostStarted completes with the peer's reply. */
    @Test
    void B50_synchronousRequestFromPostStartedCompletes(TestChannels t) throws Exception {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        CompletableFuture<Completion> reply = new CompletableFuture<>();
        ch.onStateChange(change -> {
            if (change.event() == StateEvent.POST_STARTED) {
                try {
                    reply.complete(ch.sendSynchronous(SyncRequest.builder(bytes("version?")).waitForCompletion()
                            .completionCapacity(64).timeout(TIMEOUT).build()));
                } catch (RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            }
        });
        ch.enable();
        Peer peer = t.peer();
        PeerPacket req = PacketFlow.received(peer, ch);
        assertEquals("version?", text(req.payload()));
        assertTrue(req.completionRequested());
        peer.complete(ch.id(), req.txId(), bytes("v1.0"));
        Completion c = reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(bytes("v1.0"), c.payloadBytes());
    }

    /** B52: the MMIO space the offer asked for is reported only after Opened, with the requested size. */
    @Test
    void B52_mmioSpaceValidOnlyAfterOpened(TestChannels t) {
        UUID instance = UUID.randomUUID();
        ClientChannel ch = waitingClient(t, instance);
        assertEquals(Optional.empty(), ch.mmioSpace());
        ch.enable();
        assertEquals(Optional.empty(), ch.mmioSpace(), "MMIO reported before Opened");
        t.peer().offer(TEST_TYPE, instance, new OfferOptions(2, 0, "mmio device"));
        awaitEvent(ch, StateEvent.OPENED, 1);
        MmioSpace m = ch.mmioSpace().orElseThrow(() -> new AssertionError("no MMIO after Opened"));
        assertEquals(2L << 20, m.size());
    }

    /** B53: interrupt latency is refused before enable and while enabled but not open; it works once open. */
    @Test
    void B53_interruptLatencyOnlyWhileOpen(TestChannels t) {
        ClientChannel ch = waitingClient(t, UUID.randomUUID());
        assertThrows(KmclException.class, () -> ch.setInterruptLatency(100), "accepted while disabled");
        ch.enable();
        assertThrows(KmclException.class, () -> ch.setInterruptLatency(100), "accepted while enabled, not open");
        ClientChannel open = t.openClient(ChannelConfig.defaults());
        int before = open.status().interruptLatency();
        assertEquals(before, open.setInterruptLatency(100));
        assertEquals(100, open.status().interruptLatency());
    }

    /** B53: interrupt latency works from inside the Opened callback and is refused once disable has returned. */
    @Test
    void B53_interruptLatencyWindowStartsInOpenedEndsAfterDisable(TestChannels t) throws Exception {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        CompletableFuture<Object> inOpened = callInside(ch, StateEvent.OPENED, () -> ch.setInterruptLatency(50));
        ch.enable();
        Object opened = inOpened.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertInstanceOf(Integer.class, opened, "refused inside Opened: " + opened);
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(50, ch.setInterruptLatency(60));
        ch.disable();
        assertThrows(KmclException.class, () -> ch.setInterruptLatency(70), "accepted after disable returned");
    }

    /** B53: interrupt latency still works inside the Closed callback (the window ends with Closed) and reports the previous value. */
    @Test
    void B53_interruptLatencyAcceptedInsideClosedCallback(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.setInterruptLatency(50);
        CompletableFuture<Object> inClosed = callInside(ch, StateEvent.CLOSED, () -> ch.setInterruptLatency(60));
        ch.disable();
        Object closed = inClosed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(50, closed, "refused inside Closed or wrong previous value: " + closed);
    }

    /** B54: a second interrupt-latency call reports the value set by the first. */
    @Test
    @Tag("inferred")
    void B54_secondLatencyCallReturnsFirstValue(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.setInterruptLatency(1234);
        assertEquals(1234, ch.setInterruptLatency(4321));
        assertEquals(4321, ch.setInterruptLatency(0));
    }

    /**
     * B155: state callbacks (and packet callbacks) of a channel all run on that channel's dispatcher thread, never
     * on the caller's thread, in the order KMCL raised them, including Closed while the caller blocks in disable.
     */
    @Test
    void B155_stateCallbacksRunOnChannelDispatcher(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        LifecycleRecorder rec = LifecycleRecorder.attachedTo(ch);
        ch.enable();
        rec.expect("POST_STARTED", 1);
        t.peer().send(ch.id(), bytes("x"), false, Optional.empty());
        rec.expect("PACKET:x", 1);
        ch.disable();
        List<LifecycleRecorder.Entry> entries = rec.entries();
        assertEquals(List.of("OPENED", "STARTED", "POST_STARTED", "PACKET:x", "SUSPEND", "CLOSED"), rec.names());
        Thread dispatcher = entries.get(0).thread();
        for (LifecycleRecorder.Entry e : entries) {
            assertSame(dispatcher, e.thread(), e.what() + " ran on " + e.thread().getName());
        }
        assertNotEquals(Thread.currentThread(), dispatcher);
    }

    /** B155: callbacks of two channels run on two different dispatcher threads. */
    @Test
    void B155_eachChannelHasItsOwnDispatcher(TestChannels t) {
        ClientChannel a = t.client(ChannelConfig.defaults());
        ClientChannel b = t.client(ChannelConfig.defaults());
        LifecycleRecorder ra = new LifecycleRecorder();
        LifecycleRecorder rb = new LifecycleRecorder();
        a.onStateChange(ra);
        b.onStateChange(rb);
        a.enable();
        b.enable();
        ra.expect("OPENED", 1);
        rb.expect("OPENED", 1);
        assertNotEquals(ra.entries().get(0).thread(), rb.entries().get(0).thread());
    }

    /** B156: when the PnP target is found but connecting fails, the client gets PnpFailure with that status and never opens. */
    @Test
    void B156_pnpFailureReportedWithStatus(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        List<StateChange> failures = new CopyOnWriteArrayList<>();
        ch.onStateChange(c -> {
            if (c.event() == StateEvent.PNP_FAILURE) {
                failures.add(c);
            }
        });
        t.peer().inject(ch.id(), new Fault.PnpFailure(NtStatus.DEVICE_NOT_CONNECTED.value()));
        ch.enable();
        awaitEvent(ch, StateEvent.PNP_FAILURE, 1);
        assertEquals(1, failures.size());
        assertEquals(NtStatus.DEVICE_NOT_CONNECTED, failures.get(0).status());
        assertEquals(NtStatus.DEVICE_NOT_CONNECTED.value(), failures.get(0).rawStatus());
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET), "opened despite the PnP failure");
        assertFalse(t.peer().isOpen(ch.id()));
    }

    /** B156: a PnP failure armed for "the next channel" hits the next client only; a later client opens normally. */
    @Test
    void B156_pnpFailureForNextChannelOnly(TestChannels t) {
        int status = NtStatus.INSUFFICIENT_RESOURCES.value();
        t.peer().inject(0, new Fault.PnpFailure(status));
        ClientChannel first = t.client(ChannelConfig.defaults());
        first.enable();
        awaitEvent(first, StateEvent.PNP_FAILURE, 1);
        assertEquals(status, first.stateHistory().get(0).rawStatus());
        ClientChannel second = t.client(ChannelConfig.defaults());
        second.enable();
        awaitEvent(second, StateEvent.OPENED, 1);
        assertEquals(0, LifecycleRecorder.countEvents(second, StateEvent.PNP_FAILURE));
    }
}
