package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;

import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.onRingSize;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog 5.4, B64: a requested completion is a packet (VMBus type 0xB) that our side writes into its outgoing
 * ring, so it occupies ring space and reaches the sender only when the sender reads the ring.
 */
@KmclTest
@Timeout(60)
public class CompletionRingContract extends EndsLeftoverPackets {
    /** A requested completion travels through our outgoing ring: it waits there while the peer does not read. */
    @Test
    void B64_completionTravelsThroughOutgoingRing(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        peer.setReading(ch.id(), false);
        long tx = peer.send(ch.id(), seq(2), true, Optional.empty());
        next(ch).complete(pattern(64, 2));
        PacketFlow.awaitStatistics(ch, s -> s.completionsSent() == 1, "completion counted");
        assertTrue(peer.ringStatus(ch.id()).outgoingUsed() >= onRingSize(64),
                "the completion packet sits in the outgoing ring: " + peer.ringStatus(ch.id()));
        assertEquals(PeerOutcome.Kind.PENDING, peer.awaitOutcome(ch.id(), tx, TestChannels.QUIET).kind(),
                "the sender cannot see a completion it has not read yet");
        peer.setReading(ch.id(), true);
        assertArrayEquals(pattern(64, 2), outcome(peer, ch, tx).payload());
        assertEquals(0, peer.ringStatus(ch.id()).outgoingUsed(), "the peer consumed the completion");
    }
}
