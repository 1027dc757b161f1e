package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * B55 (every ring packet gets its packet callback) when user code misbehaves on the dispatcher: a packet handler
 * that throws, even an {@link Error} such as a failed assertion, or that interrupts the dispatcher thread, does
 * not stop delivery; the packet it left open stays open for the test to end (B63).
 */
@KmclTest
@Timeout(60)
public class HandlerFailureContract extends EndsLeftoverPackets {
    /** Packet 1's handler throws an AssertionError without ending it; packet 2 is still delivered. */
    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void B55_deliveryContinuesAfterAHandlerThrowsAnError(int deliveryThreads, TestChannels t) {
        Peer peer = t.peer();
        BlockingQueue<IncomingPacket> seen = new LinkedBlockingQueue<>();
        Channel ch = open(t, ChannelConfig.builder().deliveryThreads(deliveryThreads).build(), seen, p -> {
            if (seqOf(p) == 1) {
                throw new AssertionError("a failed assertion inside the packet handler (expected by this test)");
            }
            p.complete();
        });
        long tx1 = peer.send(ch.id(), seq(1), true, Optional.empty());
        IncomingPacket first = take(seen, "packet 1");
        long tx2 = peer.send(ch.id(), seq(2), true, Optional.empty());
        assertEquals(2, seqOf(take(seen, "packet 2 after the handler threw an Error")));
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx2).kind());
        assertFalse(first.isRetired(), "the packet whose handler threw stays open");
        first.complete();
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx1).kind());
    }

    /** Packet 1's handler interrupts its own thread; packet 2 is still delivered. */
    @Test
    void B55_deliveryContinuesAfterAHandlerInterruptsItsThread(TestChannels t) {
        Peer peer = t.peer();
        BlockingQueue<IncomingPacket> seen = new LinkedBlockingQueue<>();
        Channel ch = open(t, ChannelConfig.defaults(), seen, p -> {
            if (seqOf(p) == 1) {
                Thread.currentThread().interrupt();
            }
            p.complete();
        });
        peer.send(ch.id(), seq(1), false, Optional.empty());
        take(seen, "packet 1");
        expectDeliveryOneByOne(peer, ch, seen, "after the handler interrupted the dispatcher");
    }

    /** The dispatcher thread is interrupted from outside while it waits for packets; packet 2 is still delivered. */
    @Test
    void B55_deliveryContinuesAfterTheDispatcherThreadIsInterrupted(TestChannels t) {
        Peer peer = t.peer();
        BlockingQueue<IncomingPacket> seen = new LinkedBlockingQueue<>();
        AtomicReference<Thread> dispatcher = new AtomicReference<>();
        Channel ch = open(t, ChannelConfig.defaults(), seen, p -> {
            dispatcher.set(Thread.currentThread());
            p.complete();
        });
        peer.send(ch.id(), seq(1), false, Optional.empty());
        take(seen, "packet 1");
        dispatcher.get().interrupt();
        expectDeliveryOneByOne(peer, ch, seen, "after the dispatcher thread was interrupted");
    }

    /**
     * Sends packets 2 to 6 one at a time, each once the one before was handled, and expects each to be delivered
     * and completed: the dispatcher goes back to waiting for packets in between, where an interrupt would stop it.
     */
    private static void expectDeliveryOneByOne(Peer peer, Channel ch, BlockingQueue<IncomingPacket> seen, String when) {
        for (int i = 2; i <= 6; i++) {
            long tx = peer.send(ch.id(), seq(i), true, Optional.empty());
            assertEquals(i, seqOf(take(seen, "packet " + i + " " + when)));
            assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx).kind());
        }
    }

    /** A client channel whose handler runs {@code action}, then (even if it threw) records the packet in {@code seen}. */
    private static Channel open(TestChannels t, ChannelConfig config, BlockingQueue<IncomingPacket> seen,
                                PacketHandler action) {
        return Side.CLIENT.open(t, config, p -> {
            PacketFlow.track(p);
            try {
                action.onPacket(p);
            } finally {
                seen.add(p);
            }
        });
    }

    private static IncomingPacket take(BlockingQueue<IncomingPacket> seen, String what) {
        try {
            IncomingPacket p = seen.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            if (p == null) {
                fail(what + " was not delivered within " + TestChannels.TIMEOUT);
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
