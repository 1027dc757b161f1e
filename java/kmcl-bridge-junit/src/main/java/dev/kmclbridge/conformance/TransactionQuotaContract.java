package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.assertNothingDelivered;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Catalog 5.4: VmbChannelSetTransactionQuota (B80-B83). */
@KmclTest
@Timeout(60)
public class TransactionQuotaContract extends EndsLeftoverPackets {
    private static void sendSeq(Peer peer, Channel ch, int from, int count) {
        for (int i = from; i < from + count; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
    }

    private static List<IncomingPacket> take(Channel ch, int n) {
        List<IncomingPacket> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next(ch));
        }
        return out;
    }

    /** With a quota of q configured at creation, at most q packets are delivered and not completed. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B80_quotaLimitsOutstandingDeliveries(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.builder().transactionQuota(3).build());
        sendSeq(peer, ch, 0, 8);
        List<IncomingPacket> held = take(ch, 3);
        assertNothingDelivered(ch, "3 outstanding with quota 3");
        assertEquals(3, ch.statistics().pendingIncoming());
        held.get(1).complete();
        IncomingPacket fourth = next(ch);
        assertEquals(3, seqOf(fourth), "delivery resumes in ring order");
        assertNothingDelivered(ch, "back at 3 outstanding");
        assertEquals(3, ch.statistics().queueHighWater(), "never more than the quota outstanding");
    }

    /** VmbChannelSetTransactionQuota on a running channel limits delivery the same way. */
    @Test
    void B80_quotaSetOnRunningChannelApplies(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        ch.setTransactionQuota(2);
        sendSeq(peer, ch, 0, 5);
        List<IncomingPacket> held = take(ch, 2);
        assertNothingDelivered(ch, "2 outstanding with quota 2");
        held.forEach(IncomingPacket::complete);
        List<IncomingPacket> next2 = take(ch, 2);
        assertEquals(2, seqOf(next2.get(0)));
        assertEquals(3, seqOf(next2.get(1)));
        assertNothingDelivered(ch, "2 outstanding again");
    }

    /**
     * Lowering the quota below the outstanding count is allowed; delivery stays stopped until the outstanding count
     * is below the new quota.
     */
    @Test
    void B81_quotaBelowOutstandingWaitsUntilBelowNewQuota(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().transactionQuota(5).build());
        sendSeq(peer, ch, 0, 5);
        List<IncomingPacket> held = take(ch, 5);
        assertDoesNotThrow(() -> ch.setTransactionQuota(2));
        sendSeq(peer, ch, 5, 3);
        for (int i = 0; i < 3; i++) {
            held.get(i).complete();
        }
        assertNothingDelivered(ch, "2 outstanding is not below quota 2");
        held.get(3).complete();
        IncomingPacket resumed = next(ch);
        assertEquals(5, seqOf(resumed), "1 outstanding is below quota 2: delivery resumes");
        assertNothingDelivered(ch, "2 outstanding again");
    }

    /** Raising the quota while delivery is stalled by it does not resume delivery until the next completion. */
    @Test
    void B82_raisingQuotaResumesOnlyAfterNextCompletion(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().transactionQuota(2).build());
        sendSeq(peer, ch, 0, 6);
        List<IncomingPacket> held = take(ch, 2);
        assertNothingDelivered(ch, "stalled at quota 2");
        ch.setTransactionQuota(10);
        assertNothingDelivered(ch, "raising the quota alone does not resume delivery");
        held.get(0).complete();
        List<IncomingPacket> rest = take(ch, 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(2 + i, seqOf(rest.get(i)));
        }
        assertNothingDelivered(ch, "all 6 delivered");
        assertEquals(5, ch.statistics().pendingIncoming());
    }

    /** A quota of 0 is invalid and reported nowhere (VOID): the call is accepted and the previous quota stays. */
    @Tag("inferred")
    @Test
    void B83_zeroQuotaIsIgnored(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().transactionQuota(2).build());
        assertDoesNotThrow(() -> ch.setTransactionQuota(0));
        sendSeq(peer, ch, 0, 4);
        List<IncomingPacket> held = take(ch, 2);
        assertNothingDelivered(ch, "quota 2 still in force after quota 0");
        held.forEach(IncomingPacket::complete);
        take(ch, 2).forEach(IncomingPacket::complete);
    }

    /** On a channel without a quota, a quota of 0 does not stop delivery. */
    @Tag("inferred")
    @Test
    void B83_zeroQuotaDoesNotStopDelivery(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        assertDoesNotThrow(() -> ch.setTransactionQuota(0));
        sendSeq(peer, ch, 0, 10);
        take(ch, 10).forEach(IncomingPacket::complete);
    }
}
