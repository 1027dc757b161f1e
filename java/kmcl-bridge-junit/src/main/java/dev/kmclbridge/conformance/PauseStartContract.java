package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.conformance.LifecycleRecorder.countEvents;
import static dev.kmclbridge.conformance.LifecycleRecorder.events;
import static dev.kmclbridge.conformance.LifecycleRecorder.inBackground;
import static dev.kmclbridge.conformance.LifecycleRecorder.text;
import static dev.kmclbridge.junit.TestChannels.QUIET;
import static dev.kmclbridge.junit.TestChannels.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.5, pause and start: Suspend on pause, pause draining delivered packets, auto-pause before
 * Enable, Start resuming delivery, and the calls KMCL forbids (from callbacks, outside Enable..Disable, sends
 * while suspended).
 */
@KmclTest
public class PauseStartContract {

    private static IncomingPacket receive(ClientChannel ch) {
        return ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("no packet within " + TIMEOUT));
    }

    /** B85: pause of an active channel delivers Suspend while pause has not yet returned (here: still draining). */
    @Test
    void B85_pauseInvokesSuspendBeforeReturning(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        t.peer().send(ch.id(), bytes("held"), false, Optional.empty());
        IncomingPacket held = receive(ch);
        CompletableFuture<Void> pause = inBackground("pause", ch::pause);
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        assertFalse(pause.isDone(), "pause returned while a delivered packet was uncompleted");
        held.complete();
        pause.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(1, countEvents(ch, StateEvent.SUSPEND));
        assertTrue(ch.status().paused());
    }

    /** B85: pause of an idle active channel (client and server) delivers exactly one Suspend and marks it paused. */
    @Test
    void B85_pauseOfIdleChannelSuspends(TestChannels t) {
        ClientChannel client = t.openClient(ChannelConfig.defaults());
        ServerChannel server = t.openServer(ChannelConfig.defaults());
        client.pause();
        server.pause();
        awaitEvent(client, StateEvent.SUSPEND, 1);
        awaitEvent(server, StateEvent.SUSPEND, 1);
        assertTrue(client.status().paused());
        assertTrue(server.status().paused());
        assertEquals(ChannelState.OPEN, client.state());
        assertEquals(ChannelState.OPEN, server.state());
        assertEquals(StateEvent.SUSPEND, events(client).get(events(client).size() - 1));
    }

    /** B86: after Suspend no packet is delivered, until the next Started. */
    @Test
    void B86_noDeliveryBetweenSuspendAndStarted(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        LifecycleRecorder rec = LifecycleRecorder.attachedTo(ch);
        ch.enable();
        rec.expect("POST_STARTED", 1);
        ch.pause();
        rec.expect("SUSPEND", 1);
        t.peer().send(ch.id(), bytes("while paused"), false, Optional.empty());
        assertFalse(rec.awaitCount("PACKET:while paused", 1, QUIET), "delivered while suspended: " + rec);
        ch.start();
        rec.expect("PACKET:while paused", 1);
        assertTrue(rec.indexOf("STARTED", 2) >= 0 && rec.indexOf("STARTED", 2) < rec.indexOf("PACKET:while paused", 1),
                rec.toString());
    }

    /** B87: pause blocks while a delivered packet is uncompleted and returns once another thread completes it. */
    @Test
    void B87_pauseWaitsForOutstandingCompletions(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        Peer peer = t.peer();
        long tx1 = peer.send(ch.id(), bytes("one"), true, Optional.empty());
        long tx2 = peer.send(ch.id(), bytes("two"), true, Optional.empty());
        IncomingPacket p1 = receive(ch);
        IncomingPacket p2 = receive(ch);
        CompletableFuture<Void> pause = inBackground("pause", ch::pause);
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        p1.complete(bytes("ok1"));
        Thread.sleep(QUIET.toMillis());
        assertFalse(pause.isDone(), "pause returned with one delivered packet still uncompleted");
        p2.complete(bytes("ok2"));
        pause.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(PeerOutcome.Kind.COMPLETED, peer.awaitOutcome(ch.id(), tx1, TIMEOUT).kind());
        assertEquals(PeerOutcome.Kind.COMPLETED, peer.awaitOutcome(ch.id(), tx2, TIMEOUT).kind());
        assertEquals(0L, ch.statistics().pendingIncoming());
    }

    /** B88: pause on a disabled client returns at once with no callbacks; after Enable it opens but does not start. */
    @Test
    @Tag("inferred")
    void B88_pauseBeforeEnableComesUpPaused(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        ch.pause();
        assertEquals(List.of(), ch.stateHistory());
        assertEquals(ChannelState.DISABLED, ch.state());
        assertTrue(ch.status().paused());
        ch.enable();
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertFalse(ch.awaitStateEvent(StateEvent.STARTED, QUIET), "auto-paused channel started by itself");
        assertEquals(ChannelState.OPEN, ch.state());
        ch.start();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), events(ch));
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** B88: packets sent to an auto-paused channel are held until start(). */
    @Test
    @Tag("inferred")
    void B88_autoPausedChannelHoldsPacketsUntilStart(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        ch.pause();
        ch.enable();
        awaitEvent(ch, StateEvent.OPENED, 1);
        t.peer().send(ch.id(), bytes("held for start"), false, Optional.empty());
        assertFalse(ch.nextPacket(QUIET).isPresent(), "delivered to an auto-paused channel");
        ch.start();
        IncomingPacket p = receive(ch);
        assertEquals("held for start", text(p.payloadBytes()));
        p.complete();
    }

    /** B89: start of a paused open channel delivers Started then PostStarted again and delivery resumes. */
    @Test
    void B89_startResumesPausedChannel(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.pause();
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        ch.start();
        awaitEvent(ch, StateEvent.POST_STARTED, 2);
        List<StateEvent> h = events(ch);
        assertEquals(List.of(StateEvent.SUSPEND, StateEvent.STARTED, StateEvent.POST_STARTED),
                h.subList(h.size() - 3, h.size()), h.toString());
        assertFalse(ch.status().paused());
        assertEquals(ChannelState.ACTIVE, ch.state());
        t.peer().send(ch.id(), bytes("resumed"), false, Optional.empty());
        IncomingPacket p = receive(ch);
        assertEquals("resumed", text(p.payloadBytes()));
        p.complete();
    }

    /** B90: packets arriving while paused stay in the ring (not delivered) and come out in order after start. */
    @Test
    @Tag("inferred")
    void B90_packetsArrivingWhilePausedStayInRing(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        ch.pause();
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        long deliveredBefore = ch.statistics().packetsIn();
        for (int i = 0; i < 3; i++) {
            t.peer().send(ch.id(), bytes("r" + i), false, Optional.empty());
        }
        assertFalse(ch.nextPacket(QUIET).isPresent(), "delivered while paused");
        assertEquals(deliveredBefore, ch.statistics().packetsIn());
        assertTrue(t.peer().ringStatus(ch.id()).incomingUsed() > 0, "packets not in the incoming ring");
        ch.start();
        for (int i = 0; i < 3; i++) {
            IncomingPacket p = ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("held packet lost"));
            assertEquals("r" + i, text(p.payloadBytes()));
            p.complete();
        }
    }

    /** B91: pause, start and disable called from inside state-change callbacks are refused with IllegalStateException. */
    @Test
    void B91_pauseStartDisableFromCallbackRefused(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        Map<String, Object> outcomes = new ConcurrentHashMap<>();
        ch.onStateChange(change -> {
            Map<String, Runnable> calls = Map.of("pause", ch::pause, "start", ch::start, "disable", ch::disable);
            for (Map.Entry<String, Runnable> c : calls.entrySet()) {
                try {
                    c.getValue().run();
                    outcomes.put(change.event() + "/" + c.getKey(), "returned");
                } catch (RuntimeException e) {
                    outcomes.put(change.event() + "/" + c.getKey(), e);
                }
            }
        });
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        for (String ev : List.of("OPENED", "STARTED", "POST_STARTED")) {
            for (String call : List.of("pause", "start", "disable")) {
                Object o = outcomes.get(ev + "/" + call);
                assertInstanceOf(IllegalStateException.class, o, ev + "/" + call + ": " + o);
            }
        }
        assertEquals(ChannelState.ACTIVE, ch.state());
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), events(ch));
    }

    /** B92: start before the first Enable and after Disable is outside the Enable..Disable window and is refused. */
    @Test
    @Tag("inferred")
    void B92_startOutsideEnableDisableWindowRefused(TestChannels t) {
        ServerChannel server = t.server(ChannelConfig.defaults());
        assertThrows(KmclException.class, server::start, "start before enable accepted");
        assertEquals(List.of(), server.stateHistory());
        ClientChannel client = t.openClient(ChannelConfig.defaults());
        client.disable();
        assertThrows(KmclException.class, client::start, "start after disable accepted");
        assertEquals(ChannelState.DISABLED, client.state());
    }

    /** B93: a send between Suspend and the next Started is flagged as a contract violation; after Started it works. */
    @Test
    void B93_sendWhileSuspendedIsFlagged(TestChannels t) throws Exception {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.pause();
        awaitEvent(ch, StateEvent.SUSPEND, 1);
        KmclException e = assertThrows(KmclException.class, () -> ch.send(bytes("too late")));
        assertEquals(NtStatus.BRIDGE_CONTRACT_VIOLATION, e.status(), e.getMessage());
        ch.start();
        awaitEvent(ch, StateEvent.STARTED, 2);
        ch.send(bytes("fine again")).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<String> seen = new ArrayList<>();
        t.peer().awaitReceived(ch.id(), TIMEOUT).ifPresent(p -> seen.add(text(p.payload())));
        assertEquals(List.of("fine again"), seen);
    }
}
