package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.Gpadl;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateChange;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.conformance.LifecycleRecorder.countEvents;
import static dev.kmclbridge.conformance.LifecycleRecorder.events;
import static dev.kmclbridge.conformance.LifecycleRecorder.inBackground;
import static dev.kmclbridge.conformance.LifecycleRecorder.text;
import static dev.kmclbridge.junit.TestChannels.QUIET;
import static dev.kmclbridge.junit.TestChannels.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.5, tear-down: Disable's Suspend → drain → Closed sequence, the state after a close on each
 * endpoint type, peer close/rescind, outstanding transactions, sends after Closed, GPADLs at Closed, and
 * re-enabling a client.
 */
@KmclTest
public class TeardownContract {

    /** B94: disable of a running channel delivers Suspend then Closed and returns with the channel disabled. */
    @Test
    void B94_disableSuspendsThenCloses(TestChannels t) {
        ClientChannel client = t.openClient(ChannelConfig.defaults());
        ServerChannel server = t.openServer(ChannelConfig.defaults());
        client.disable();
        server.disable();
        for (var ch : List.of(client, server)) {
            assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED, StateEvent.SUSPEND,
                    StateEvent.CLOSED), events(ch), ch.toString());
            assertEquals(ChannelState.DISABLED, ch.state(), ch.toString());
            assertFalse(ch.status().open(), ch.toString());
            assertFalse(t.peer().isOpen(ch.id()), ch.toString());
        }
    }

    /** B94: disable waits for a delivered, uncompleted packet; Closed comes only after it is completed. */
    @Test
    void B94_disableWaitsForOutstandingPacketBeforeClosed(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        t.peer().send(ch.id(), bytes("in hand"), true, Optional.empty());
        IncomingPacket p = ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("no packet"));
        CompletableFuture<Void> disable = inBackground("disable", ch::disable);
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        assertFalse(ch.awaitStateEvent(StateEvent.CLOSED, QUIET), "Closed before the delivered packet was completed");
        assertFalse(disable.isDone(), "disable returned with a delivered packet uncompleted");
        p.complete();
        disable.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(1, countEvents(ch, StateEvent.CLOSED));
        assertEquals(ChannelState.DISABLED, ch.state());
    }

    /** B95: a client whose host closed is Disabled and does not reconnect by itself; Enable reconnects it. */
    @Test
    void B95_clientClosedByHostMustBeReenabled(TestChannels t) {
        Peer peer = t.peer();
        PeerOffer offer = t.offer();
        ClientChannel ch = t.client(offer, ChannelConfig.defaults());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        peer.close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        assertEquals(ChannelState.DISABLED, ch.state());
        assertFalse(ch.status().open());
        peer.offer(offer.interfaceType(), offer.interfaceInstance(), OfferOptions.defaults());
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, 2, QUIET), "client reconnected without Enable");
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 2);
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** B96: a server whose guest closed is in the Closed state (offer kept), not Disabled. */
    @Test
    void B96_serverClosedByGuestIsClosed(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        t.peer().close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        assertEquals(ChannelState.CLOSED, ch.state());
        assertFalse(ch.status().open());
        assertFalse(t.peer().isOpen(ch.id()));
    }

    /** B96: a server closed by its own disable is Disabled, and the guest can no longer open its offer. */
    @Test
    void B96_serverDisabledLocallyIsDisabled(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        ch.disable();
        assertEquals(ChannelState.DISABLED, ch.state());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> t.peer().open(ch.id()),
                "the guest opened the offer of a disabled server");
    }

    /** B97: when the host rescinds/closes, a running client gets Suspend then Closed. */
    @Test
    void B97_peerCloseOfRunningClientSuspendsThenCloses(TestChannels t) {
        assertPeerCloseSuspendsThenCloses(t, t.openClient(ChannelConfig.defaults()));
    }

    /** B97: rescinding the offer a running client is bound to gives Suspend then Closed. */
    @Test
    void B97_rescindOfBoundOfferSuspendsThenCloses(TestChannels t) {
        PeerOffer offer = t.offer();
        ClientChannel ch = t.client(offer, ChannelConfig.defaults());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        t.peer().rescind(offer);
        awaitEvent(ch, StateEvent.CLOSED, 1);
        List<StateEvent> h = events(ch);
        assertEquals(List.of(StateEvent.SUSPEND, StateEvent.CLOSED), h.subList(h.size() - 2, h.size()), h.toString());
    }

    /** B97: when the guest closes, a running server gets Suspend then Closed. */
    @Test
    void B97_guestCloseOfRunningServerSuspendsThenCloses(TestChannels t) {
        assertPeerCloseSuspendsThenCloses(t, t.openServer(ChannelConfig.defaults()));
    }

    /** The peer closes a running channel: after its bring-up the channel gets Suspend, then Closed. */
    private static void assertPeerCloseSuspendsThenCloses(TestChannels t, Channel ch) {
        t.peer().close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED, StateEvent.SUSPEND,
                StateEvent.CLOSED), events(ch));
    }

    /** B97: a server that was open but never started gets only Closed (no Suspend) when the guest closes. */
    @Test
    void B97_guestCloseOfNonRunningServerOnlyCloses(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        t.peer().close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.CLOSED), events(ch));
    }

    /** B98: after the guest closes, the server's transactions the guest never completed stay outstanding. */
    @Test
    void B98_guestCloseLeavesServerTransactionsOutstanding(TestChannels t) throws InterruptedException {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        CompletableFuture<Completion> f = ch.send(bytes("needs an answer"), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
        PeerPacket p = PacketFlow.received(t.peer(), ch);
        assertTrue(p.completionRequested());
        t.peer().close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        assertEquals(ChannelState.CLOSED, ch.state());
        Thread.sleep(QUIET.toMillis());
        assertFalse(f.isDone(), "the transaction was ended on the server's behalf: " + f);
        assertTrue(ch.statistics().pendingOutgoing() >= 1, ch.statistics().toString());
    }

    /** B99: after Closed (guest closed a server that was not running), a send is accepted and held, not transmitted. */
    @Test
    void B99_sendAfterClosedIsQueuedNotTransmitted(TestChannels t) throws Exception {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        Peer peer = t.peer();
        peer.open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        peer.close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        CompletableFuture<Completion> f = ch.send(bytes("after closed"));
        assertFalse(peer.awaitReceived(ch.id(), QUIET).isPresent(), "transmitted on a closed channel");
        assertFalse(f.isDone());
        assertTrue(ch.statistics().queuedOutgoing() >= 1, ch.statistics().toString());
        peer.open(ch.id());
        ch.start();
        PeerPacket p = PacketFlow.received(peer, ch);
        assertEquals("after closed", text(p.payload()));
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** B100: a GPADL deleted inside the Closed callback is accepted and the channel disables cleanly. */
    @Test
    void B100_gpadlDeletedInsideClosedIsClean(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        Gpadl g = ch.createGpadl(4096, false);
        AtomicReference<Throwable> problem = new AtomicReference<>();
        ch.onStateChange(c -> {
            if (c.event() == StateEvent.CLOSED) {
                try {
                    g.close();
                } catch (RuntimeException e) {
                    problem.set(e);
                }
            }
        });
        assertDoesNotThrow(ch::disable);
        assertNull(problem.get(), () -> "deleting the GPADL inside Closed failed: " + problem.get());
        assertDoesNotThrow(() -> ch.close());
    }

    /** B101: disable then cleanup is the valid shutdown; Enable after a local disable re-runs the whole bring-up. */
    @Test
    void B101_disableThenEnableRerunsBringUp(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.disable();
        assertEquals(ChannelState.DISABLED, ch.state());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 2);
        List<StateEvent> h = events(ch);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED, StateEvent.SUSPEND,
                StateEvent.CLOSED, StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), h);
        t.peer().send(ch.id(), bytes("second life"), false, Optional.empty());
        IncomingPacket p = ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("no packet after re-enable"));
        assertEquals("second life", text(p.payloadBytes()));
        p.complete();
        ch.disable();
        assertDoesNotThrow(() -> ch.close());
        assertTrue(ch.isClosed());
    }

    /**
     * B42 with Q8: a send made before Enable is accepted and waits queued; Disable of the never-enabled channel ends it
     * with STATUS_CANCELLED (KMCL keeps the packet until then, so nothing may free it earlier).
     */
    @Test
    void B42_sendQueuedBeforeEnableEndsCancelledAtDisable(TestChannels t) throws Exception {
        assertQueuedSendEndsCancelledAtDisable(t.client(ChannelConfig.defaults()));
    }

    /** B99 with Q8: a send queued after the channel closed ends with STATUS_CANCELLED at the next Disable. */
    @Test
    void B99_sendQueuedAfterCloseEndsCancelledAtDisable(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.disable();
        assertQueuedSendEndsCancelledAtDisable(ch);
    }

    /** On a disabled channel: a send waits queued, Disable ends it with STATUS_CANCELLED, close cleans up. */
    private static void assertQueuedSendEndsCancelledAtDisable(ClientChannel ch) throws Exception {
        CompletableFuture<Completion> f = ch.send(bytes("queued"), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
        assertFalse(f.isDone(), "a send on a disabled channel cannot have ended");
        ch.disable();
        assertEquals(NtStatus.CANCELLED, failureOf(f).status());
        assertDoesNotThrow(() -> ch.close());
    }

    /** B101: close of a never-enabled channel with a queued send cleans up and ends the send with STATUS_CANCELLED. */
    @Test
    void B101_closeEndsSendQueuedBeforeEnableAsCancelled(TestChannels t) throws Exception {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        CompletableFuture<Completion> f = ch.send(bytes("never enabled"), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
        assertDoesNotThrow(() -> ch.close());
        assertEquals(NtStatus.CANCELLED, failureOf(f).status());
    }

    private static KmclException failureOf(CompletableFuture<Completion> f) throws Exception {
        try {
            Completion c = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("the send succeeded with " + c);
        } catch (ExecutionException e) {
            return assertInstanceOf(KmclException.class, e.getCause());
        }
    }

    /**
     * B96: a guest that closes and reopens our server channel 80 times while nobody receives (a slow state listener)
     * loses no callback: each is delivered, or counted in an OVERFLOW change when the driver had to merge them, and
     * the last change delivered is the channel's real state.
     */
    @Test
    void B96_stateCallbacksOfManyGuestCyclesAreNeverLost(TestChannels t) throws Exception {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        Peer peer = t.peer();
        CountDownLatch slow = new CountDownLatch(1);
        List<StateChange> seen = new ArrayList<>();
        ch.onStateChange(c -> {
            try {
                slow.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (seen) {
                seen.add(c);
                seen.notifyAll();
            }
        });
        int cycles = 80;
        for (int i = 0; i < cycles; i++) {
            peer.close(ch.id()); // Suspend, Closed
            peer.open(ch.id()); // Opened, Started, PostStarted
        }
        slow.countDown();
        int callbacks = cycles * 5;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (seen) {
            while (accounted(seen) < callbacks && System.nanoTime() < deadline) {
                seen.wait(50);
            }
            assertEquals(callbacks, accounted(seen), "callbacks delivered or counted as missed: " + seen);
            StateChange last = seen.get(seen.size() - 1);
            assertEquals(StateEvent.POST_STARTED, last.event(), "the last change delivered");
        }
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** Callbacks a list of changes stands for: one per KMCL callback, plus the ones an OVERFLOW change counts. */
    private static int accounted(List<StateChange> changes) {
        return changes.stream().mapToInt(c -> c.event() == StateEvent.OVERFLOW ? c.missedCallbacks() : 1).sum();
    }
}
