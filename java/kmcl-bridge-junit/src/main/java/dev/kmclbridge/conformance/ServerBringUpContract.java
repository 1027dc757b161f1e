package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.Completion;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.conformance.LifecycleRecorder.countEvents;
import static dev.kmclbridge.conformance.LifecycleRecorder.events;
import static dev.kmclbridge.conformance.LifecycleRecorder.text;
import static dev.kmclbridge.junit.TestChannels.QUIET;
import static dev.kmclbridge.junit.TestChannels.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.3 on the server (host) endpoint: Enable makes the offer, the guest opens it, Started and
 * PostStarted wait for {@code start()}, and a guest may open again after closing.
 */
@KmclTest
public class ServerBringUpContract {

    /** B38: Enable on a disabled server returns at once, before any guest opens; the channel is Enabled. */
    @Test
    void B38_serverEnableReturnsWithoutWaitingForGuest(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        assertEquals(ChannelState.ENABLED, ch.state());
        assertFalse(ch.status().open());
        assertFalse(t.peer().isOpen(ch.id()));
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET), "opened without a guest");
    }

    /** B39: a server's offer is visible to the guest only after Enable; the guest can then open it. */
    @Test
    void B39_serverOfferVisibleAfterEnable(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        Peer peer = t.peer();
        assertThrows(IllegalStateException.class, () -> peer.open(ch.id()), "guest opened a disabled server");
        ch.enable();
        peer.open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertTrue(peer.isOpen(ch.id()));
        assertTrue(ch.status().open());
    }

    /** B40: on a server, Opened comes first, then Started, then PostStarted. */
    @Test
    void B40_openedPrecedesStartedOnServer(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), events(ch));
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** B42: a server send before the guest opened is accepted, held, and transmitted once the guest opens. */
    @Test
    void B42_serverSendBeforeOpenIsQueuedThenTransmitted(TestChannels t) throws Exception {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        ch.start();
        CompletableFuture<Completion> f = ch.send(bytes("before the guest came"));
        Thread.sleep(QUIET.toMillis());
        assertFalse(f.isDone(), "send completed before the channel was open");
        assertTrue(ch.statistics().queuedOutgoing() >= 1, ch.statistics().toString());
        t.peer().open(ch.id());
        PeerPacket p = PacketFlow.received(t.peer(), ch);
        assertEquals("before the guest came", text(p.payload()));
        f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** B44: on a server, an open without start() delivers Opened but neither Started nor PostStarted. */
    @Test
    void B44_serverDoesNotStartWithoutStart(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertFalse(ch.awaitStateEvent(StateEvent.STARTED, QUIET), "server started without start()");
        assertEquals(List.of(StateEvent.OPENED), events(ch));
        assertEquals(ChannelState.OPEN, ch.state());
        ch.start();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** B44: start() right after Enable (before the guest opens) makes the server start as soon as it opens. */
    @Test
    void B44_serverStartRightAfterEnable(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        ch.start();
        assertFalse(ch.awaitStateEvent(StateEvent.STARTED, QUIET), "started before the guest opened");
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), events(ch));
    }

    /** B45: starting an already-open server gives Started after the earlier Opened, then PostStarted. */
    @Test
    void B45_startOfOpenServerFollowsOpened(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        LifecycleRecorder rec = new LifecycleRecorder();
        ch.onStateChange(rec);
        ch.enable();
        t.peer().open(ch.id());
        rec.expect("OPENED", 1);
        ch.start();
        rec.expect("POST_STARTED", 1);
        assertEquals(List.of("OPENED", "STARTED", "POST_STARTED"), rec.names());
    }

    /** B45: a server paused while waiting for the guest gets only Opened when the guest opens; start() then gives Started. */
    @Test
    void B45_pausedServerOpensWithoutStartedUntilStart(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        ch.start();
        ch.pause();
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertFalse(ch.awaitStateEvent(StateEvent.STARTED, QUIET), "a paused server started when the guest opened");
        assertTrue(ch.status().paused());
        ch.start();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED), events(ch));
    }

    /** B46: a packet the guest sends before the server started waits, and is delivered only after Started returned. */
    @Test
    void B46_noPacketBeforeStartedReturnsOnServer(TestChannels t) throws InterruptedException {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        LifecycleRecorder rec = new LifecycleRecorder();
        ch.onStateChange(change -> {
            rec.onStateChange(change);
            if (change.event() == StateEvent.STARTED) {
                rec.add("STARTED-returned", change);
            }
        });
        ch.onPacket(rec.completingHandler());
        ch.enable();
        t.peer().open(ch.id());
        rec.expect("OPENED", 1);
        t.peer().send(ch.id(), bytes("early bird"), false, Optional.empty());
        Thread.sleep(QUIET.toMillis());
        assertEquals(List.of("OPENED"), rec.names(), "a packet was delivered before Started");
        ch.start();
        rec.expect("PACKET:early bird", 1);
        assertTrue(rec.indexOf("STARTED-returned", 1) < rec.indexOf("PACKET:early bird", 1), rec.toString());
    }

    /** B51: a guest that closes and opens again gives the server Opened, Started and PostStarted again. */
    @Test
    @Tag("inferred")
    void B51_guestReopenRepeatsBringUp(TestChannels t) {
        ServerChannel ch = reopenedByGuest(t);
        List<StateEvent> h = events(ch);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED),
                h.subList(h.size() - 3, h.size()), h.toString());
        assertEquals(2, countEvents(ch, StateEvent.OPENED));
        assertEquals(ChannelState.ACTIVE, ch.state());
    }

    /** B51: after the guest re-opened, packets flow again in both directions. */
    @Test
    @Tag("inferred")
    void B51_trafficFlowsAfterReopen(TestChannels t) throws Exception {
        ServerChannel ch = reopenedByGuest(t);
        Peer peer = t.peer();
        peer.send(ch.id(), bytes("again"), false, Optional.empty());
        var in = ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("no packet after reopen"));
        assertEquals("again", text(in.payloadBytes()));
        in.complete();
        ch.send(bytes("back")).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("back", text(peer.awaitReceived(ch.id(), TIMEOUT).orElseThrow().payload()));
    }

    /** A running server whose guest closed and opened it again (the second PostStarted was delivered). */
    private static ServerChannel reopenedByGuest(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        Peer peer = t.peer();
        peer.close(ch.id());
        awaitEvent(ch, StateEvent.CLOSED, 1);
        peer.open(ch.id());
        awaitEvent(ch, StateEvent.POST_STARTED, 2);
        return ch;
    }

    /** B53: interrupt latency is refused on a server that is enabled but not yet opened by the guest. */
    @Test
    void B53_serverInterruptLatencyRefusedBeforeOpen(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        ch.start();
        assertThrows(KmclException.class, () -> ch.setInterruptLatency(100));
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.OPENED, 1);
        int before = ch.status().interruptLatency();
        assertEquals(before, ch.setInterruptLatency(100));
    }
}
