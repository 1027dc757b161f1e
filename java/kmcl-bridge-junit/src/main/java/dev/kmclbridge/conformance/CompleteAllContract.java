package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.assertPending;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.sendNumbered;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code Channel.completeAll}, the bridge's batch form of VmbChannelPacketComplete (B62: every delivery ends
 * exactly once): a batch that cannot be completed as a whole (a packet twice, a packet that already ended, a
 * packet of another channel) is refused before any packet of it ends.
 */
@KmclTest
@Timeout(60)
public class CompleteAllContract extends EndsLeftoverPackets {
    /** A packet listed twice: refused, both packets stay open, and completing them afterwards works. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B62_completeAllWithADuplicateEndsNothing(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        long[] tx = sendNumbered(peer, ch, 2);
        IncomingPacket p1 = next(ch);
        IncomingPacket p2 = next(ch);
        assertThrows(IllegalArgumentException.class, () -> ch.completeAll(List.of(p1, p2, p1), new byte[]{1}));
        assertFalse(p1.isRetired(), "the refused batch ended packet 1");
        assertFalse(p2.isRetired(), "the refused batch ended packet 2");
        assertPending(peer, ch, tx[0]);
        assertPending(peer, ch, tx[1]);
        ch.completeAll(List.of(p1, p2), new byte[]{7});
        assertArrayEquals(new byte[]{7}, outcome(peer, ch, tx[0]).payload());
        assertArrayEquals(new byte[]{7}, outcome(peer, ch, tx[1]).payload());
    }

    /** A batch with a packet that already ended: PacketRetiredException, and the other packets stay open. */
    @Test
    void B62_completeAllWithAnEndedPacketEndsNothing(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long[] tx = sendNumbered(peer, ch, 3);
        IncomingPacket p1 = next(ch);
        IncomingPacket p2 = next(ch);
        IncomingPacket p3 = next(ch);
        p2.complete(new byte[]{2});
        assertThrows(PacketRetiredException.class, () -> ch.completeAll(List.of(p1, p2, p3), new byte[]{1}));
        assertFalse(p1.isRetired(), "the refused batch ended packet 1");
        assertFalse(p3.isRetired(), "the refused batch ended packet 3");
        assertPending(peer, ch, tx[0]);
        assertPending(peer, ch, tx[2]);
        p1.complete(new byte[]{5});
        p3.complete(new byte[]{6});
        assertArrayEquals(new byte[]{5}, outcome(peer, ch, tx[0]).payload());
        assertArrayEquals(new byte[]{2}, outcome(peer, ch, tx[1]).payload());
        assertArrayEquals(new byte[]{6}, outcome(peer, ch, tx[2]).payload());
        assertEquals(3, ch.statistics().completionsSent());
    }

    /** A packet of another channel in the batch: refused, and the channel's own packet stays open. */
    @Test
    void B62_completeAllWithAnotherChannelsPacketEndsNothing(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        Channel other = t.openClient(ChannelConfig.defaults());
        long tx1 = sendNumbered(peer, ch, 1)[0];
        long txOther = sendNumbered(peer, other, 1)[0];
        IncomingPacket mine = next(ch);
        IncomingPacket foreign = next(other);
        assertThrows(IllegalArgumentException.class, () -> ch.completeAll(List.of(mine, foreign), new byte[]{1}));
        assertFalse(mine.isRetired(), "the refused batch ended the channel's own packet");
        assertFalse(foreign.isRetired(), "the refused batch ended the other channel's packet");
        assertPending(peer, ch, tx1);
        mine.complete();
        foreign.complete();
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx1).kind());
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, other, txOther).kind());
    }
}
