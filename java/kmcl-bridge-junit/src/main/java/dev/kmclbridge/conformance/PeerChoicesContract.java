package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the scriptable peer reports what it saw, the same on every backend that has one (docs/fake-choices.md, "Peer
 * and faults"): what {@link Peer#received} lists and what {@link Peer#awaitOutcome} returns.
 */
@KmclTest
@Timeout(60)
public class PeerChoicesContract {
    @AfterEach
    void endLeftoverPackets(TestChannels t) {
        PacketFlow.completeLeftovers(t);
    }

    private static List<Long> txIds(List<PeerPacket> packets) {
        return packets.stream().map(PeerPacket::txId).toList();
    }

    /**
     * B111: the peer lists our packets that wait for its completion and those without a completion request that
     * it has not taken with awaitReceived yet.
     */
    @Test
    @Tag("inferred")
    void B111_peerReceivedListsPacketsWithoutCompletionUntilTaken(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        ch.send(bytes("plain")).get(TestChannels.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.send(bytes("asks"), Set.of(SendFlag.WAIT_FOR_COMPLETION));
        List<PeerPacket> both = peer.received(ch.id());
        assertEquals(2, both.size(), "received() lists " + both);
        PeerPacket plain = peer.awaitReceived(ch.id(), TestChannels.TIMEOUT)
                .orElseThrow(() -> new AssertionError("nothing to take"));
        assertArrayEquals(bytes("plain"), plain.payload());
        List<PeerPacket> left = peer.received(ch.id());
        assertEquals(List.of(both.get(1).txId()), txIds(left), "after taking the packet without completion request");
        peer.complete(ch.id(), left.get(0).txId(), new byte[0]);
        assertEquals(List.of(), txIds(peer.received(ch.id())), "after completing the other");
    }

    /** B64: the outcome of a peer packet stays; awaiting it again returns it again. */
    @Test
    @Tag("inferred")
    void B64_peerOutcomeStaysAfterItIsAwaited(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        long tx = peer.send(ch.id(), bytes("ask"), true, Optional.empty());
        IncomingPacket p = next(ch);
        p.complete(bytes("answer"));
        PeerOutcome first = PacketFlow.outcome(peer, ch, tx);
        PeerOutcome second = peer.awaitOutcome(ch.id(), tx, TestChannels.TIMEOUT);
        assertEquals(PeerOutcome.Kind.COMPLETED, first.kind());
        assertEquals(first.kind(), second.kind());
        assertArrayEquals(bytes("answer"), second.payload());
    }

    /** B64: awaiting the outcome of a packet the peer never sent returns PENDING once the timeout passed. */
    @Test
    @Tag("inferred")
    void B64_peerOutcomeOfAnUnknownPacketIsPending(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.defaults());
        PeerOutcome o = t.peer().awaitOutcome(ch.id(), 0x7FFF_FFFF_0000L, Duration.ofMillis(50));
        assertEquals(PeerOutcome.Kind.PENDING, o.kind());
    }
}
