package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketsHeldException;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.conformance.PacketFlow.Recorder;
import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.awaitStatistics;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.sendNumbered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packets user code holds (B62: every delivery must eventually end; B94: Disable waits for them), as the bridge
 * shows them: {@code Channel.outstandingPackets()} lists them, and {@code close(Duration)} fails those still held
 * when its timeout elapses instead of waiting for ever, then names them in a {@link PacketsHeldException}.
 */
@KmclTest
@Timeout(60)
public class HeldPacketsContract extends EndsLeftoverPackets {
    private static final Duration SHORT = Duration.ofMillis(200);

    /** Default queue: a packet is outstanding from nextPacket until it ends; packets still queued are not. */
    @Test
    void B62_outstandingPacketsListsPacketsTakenFromTheQueue(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        sendNumbered(peer, ch, 3);
        awaitStatistics(ch, s -> s.packetsIn() == 3, "three packets received");
        assertEquals(List.of(), ch.outstandingPackets(), "queued packets were not handed out yet");
        IncomingPacket p1 = next(ch);
        IncomingPacket p2 = next(ch);
        assertEquals(List.of(p1, p2), ch.outstandingPackets());
        p2.complete();
        assertEquals(List.of(p1), ch.outstandingPackets());
        ch.completeAll(List.of(p1), new byte[0]);
        assertEquals(List.of(), ch.outstandingPackets());
    }

    /** Packet handler: packets it returns from without ending them, also by throwing, are outstanding until they end. */
    @Test
    void B62_outstandingPacketsListsPacketsTheHandlerLeftOpen(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> {
            if (PacketFlow.seqOf(p) == 2) {
                throw new IllegalStateException("a handler that throws without ending its packet (expected)");
            }
        });
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        sendNumbered(peer, ch, 2);
        List<IncomingPacket> got = rec.next(2);
        assertEquals(got, ch.outstandingPackets());
        ch.completeAll(got, new byte[0]);
        assertEquals(List.of(), ch.outstandingPackets());
    }

    /** A packet held past the timeout is failed (the sender sees FAILED), the channel closes, and the exception names it. */
    @Test
    void B94_closeWithTimeoutFailsHeldPacketsAndNamesThem(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        sendNumbered(peer, ch, 1);
        IncomingPacket held = next(ch);
        PacketsHeldException e = assertThrows(PacketsHeldException.class, () -> ch.close(SHORT));
        assertEquals(List.of(held), e.packets());
        assertTrue(e.getMessage().contains(String.valueOf(held.id())), e.getMessage());
        assertEquals(Optional.of(IncomingPacket.Ending.FAILED), held.ending(), "close failed the held packet");
        assertTrue(ch.isClosed(), "the channel is closed although a packet was held");
        assertEquals(List.of(), ch.outstandingPackets());
    }

    /** A packet a handler left open by throwing is failed by close(Duration) and named. */
    @Test
    void B94_closeWithTimeoutFailsAPacketAThrowingHandlerLeftOpen(TestChannels t) {
        Peer peer = t.peer();
        Recorder rec = new Recorder(p -> {
            throw new IllegalStateException("a handler that throws without ending its packet (expected)");
        });
        Channel ch = Side.CLIENT.open(t, ChannelConfig.defaults(), rec);
        sendNumbered(peer, ch, 1);
        IncomingPacket held = rec.next();
        PacketsHeldException e = assertThrows(PacketsHeldException.class, () -> ch.close(SHORT));
        assertEquals(List.of(held), e.packets());
        assertEquals(Optional.of(IncomingPacket.Ending.FAILED), held.ending());
        assertTrue(ch.isClosed());
    }

    /** Packets that end before the timeout are not failed: close(Duration) then returns normally. */
    @Test
    void B94_closeWithTimeoutFailsNothingThatEndsInTime(TestChannels t) {
        Peer peer = t.peer();
        AtomicReference<IncomingPacket> held = new AtomicReference<>();
        Channel ch = Side.CLIENT.create(t, ChannelConfig.defaults());
        ch.onStateChange(c -> {
            if (c.event() == StateEvent.SUSPEND && held.get() != null) {
                held.get().complete(new byte[]{4}); // ends it while close waits in disable
            }
        });
        Side.CLIENT.bringUp(t, ch);
        sendNumbered(peer, ch, 1);
        held.set(next(ch));
        ch.close(TestChannels.TIMEOUT);
        assertTrue(ch.isClosed());
        assertEquals(Optional.of(IncomingPacket.Ending.COMPLETED), held.get().ending());
    }
}
