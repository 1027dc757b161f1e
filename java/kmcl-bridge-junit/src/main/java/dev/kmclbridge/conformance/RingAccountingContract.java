package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.onRingSize;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog 5.4 (B74, B81): the incoming ring as the channel's statistics count it ({@code incomingRingUsed}) and as
 * the peer sees it ({@code RingStatus.incomingUsed}) are the same bytes: the packets the peer wrote that KMCL has
 * not taken yet. Both hold at the transaction quota and after a fail.
 */
@KmclTest
@Timeout(60)
public class RingAccountingContract extends EndsLeftoverPackets {

    /** Asserts that the peer and the statistics both see {@code used} bytes in the incoming ring, all through QUIET. */
    private static void assertRingStays(Peer peer, Channel ch, long used, String what) {
        long until = System.nanoTime() + TestChannels.QUIET.toNanos();
        do {
            assertEquals(used, peer.ringStatus(ch.id()).incomingUsed(), what + ": the peer's view");
            assertEquals(used, ch.statistics().incomingRingUsed(), what + ": the channel's statistics");
            LockSupport.parkNanos(1_000_000);
        } while (System.nanoTime() < until);
    }

    /** B81: at the transaction quota KMCL takes nothing more off the ring; what waits stays in it for both views. */
    @Test
    void B81_atTheQuotaTheWaitingPacketsStayInTheRing(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().transactionQuota(1).build());
        for (int i = 0; i < 3; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        IncomingPacket first = next(ch);
        assertRingStays(peer, ch, 2L * onRingSize(8), "two packets wait at quota 1");
        first.complete();
        IncomingPacket second = next(ch);
        assertRingStays(peer, ch, onRingSize(8), "one packet waits at quota 1");
        second.complete();
        next(ch).complete();
        assertRingStays(peer, ch, 0, "everything delivered");
    }

    /**
     * B74: after fail() the packets its batch carried past the failed one are off the ring (KMCL took them; the
     * bridge keeps them undelivered), while packets the peer sends afterwards stay in the ring; both views agree.
     */
    @Test
    void B74_afterFailThePeerAndTheStatisticsSeeTheSameRing(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        ch.pause();
        for (int i = 0; i < 3; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        ch.start(); // the three packets leave the ring together, in one batch
        next(ch).fail();
        assertTrue(peer.queueStopped(ch.id()));
        assertRingStays(peer, ch, 0, "the failed packet's batch was taken off the ring");
        peer.send(ch.id(), seq(3), false, Optional.empty());
        assertRingStays(peer, ch, onRingSize(8), "a packet sent after the fail stays in the ring");
    }
}
