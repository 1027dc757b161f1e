package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.junit.KmclExtension;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.received;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The scriptable peer behaves alike on every backend that has one: it reads each outcome of its packets once,
 * refuses misuse with the exceptions {@link Peer} documents (IllegalStateException for what names nothing live
 * or what the state forbids, IllegalArgumentException for an argument no state makes valid), and the
 * {@code seed} option seeds its random choices.
 */
@KmclTest
@Timeout(60)
public class PeerContract extends EndsLeftoverPackets {

    /** B34: peer calls naming a channel that was cleaned up throw IllegalStateException. */
    @Test
    void B34_peerCallsOnACleanedUpChannelThrowIllegalState(TestChannels t) {
        Peer peer = t.peer();
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        long id = ch.id();
        ch.close();
        assertThrows(IllegalStateException.class, () -> peer.send(id, seq(1), false, Optional.empty()));
        assertThrows(IllegalStateException.class, () -> peer.ringStatus(id));
        assertThrows(IllegalStateException.class, () -> peer.queueStopped(id));
        assertThrows(IllegalStateException.class, () -> peer.setReading(id, true));
        assertThrows(IllegalStateException.class, () -> peer.isOpen(id));
    }

    /** B109: the peer completing a transaction it does not hold (never sent, or completed already) throws IllegalStateException. */
    @Test
    void B109_peerCompletingATransactionItDoesNotHoldThrowsIllegalState(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        ch.send(seq(1), Set.of(SendFlag.WAIT_FOR_COMPLETION));
        PeerPacket p = received(peer, ch);
        assertThrows(IllegalStateException.class, () -> peer.complete(ch.id(), p.txId() + 1_000_000, new byte[0]));
        peer.complete(ch.id(), p.txId(), new byte[0]);
        assertThrows(IllegalStateException.class, () -> peer.complete(ch.id(), p.txId(), new byte[0]),
                "a second completion of the same transaction");
    }

    /** B120: a peer packet larger than our incoming ring can ever hold is refused with IllegalArgumentException. */
    @Test
    void B120_peerPacketThatNeverFitsTheRingThrowsIllegalArgument(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().ringBufferPages(1, 1).build());
        assertThrows(IllegalArgumentException.class, () -> peer.send(ch.id(), new byte[8000], false, Optional.empty()));
    }

    /** B97: rescinding an offer that was already rescinded throws IllegalStateException. */
    @Test
    void B97_peerRescindingAnOfferTwiceThrowsIllegalState(TestChannels t) {
        PeerOffer offer = t.offer();
        t.peer().rescind(offer);
        assertThrows(IllegalStateException.class, () -> t.peer().rescind(offer));
    }

    /**
     * B144: GPADL handles the channel does not have throw IllegalStateException; a range outside a GPADL the peer
     * created throws IllegalArgumentException.
     */
    @Test
    void B144_peerGpadlMisuseThrowsTheDocumentedExceptions(TestChannels t) {
        Peer peer = t.peer();
        ClientChannel client = t.openClient(ChannelConfig.defaults());
        ServerChannel server = t.openServer(ChannelConfig.defaults());
        assertThrows(IllegalStateException.class, () -> peer.mapGpadl(client.id(), 0x7777, true));
        assertThrows(IllegalStateException.class, () -> peer.readGpadl(server.id(), 0x7777, 0, 1));
        int handle = peer.createGpadl(server.id(), 4096, false);
        assertThrows(IllegalArgumentException.class, () -> peer.readGpadl(server.id(), handle, 4000, 200));
        assertThrows(IllegalArgumentException.class, () -> peer.writeGpadl(server.id(), handle, 4090, new byte[10]));
    }

    /** B37: the {@code seed} option seeds the random choices, e.g. the standing offers' instance GUIDs. */
    @Test
    void B37_seedOptionSeedsTheInterfaceInstances() {
        String backend = KmclExtension.backendName();
        List<UUID> first = standingInstances(backend, 42);
        assertEquals(first, standingInstances(backend, 42), "the same seed gives the same instances");
        assertNotEquals(first, standingInstances(backend, 43), "another seed gives other instances");
    }

    private static List<UUID> standingInstances(String backend, long seed) {
        try (TestChannels t = TestChannels.open(backend, Map.of("seed", Long.toString(seed)))) {
            assertEquals(seed, t.peer().seed());
            return t.kmcl().endpoints().stream().map(Endpoint::interfaceInstance).toList();
        }
    }
}
