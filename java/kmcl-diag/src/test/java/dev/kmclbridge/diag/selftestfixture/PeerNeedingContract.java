package dev.kmclbridge.diag.selftestfixture;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Fixture for SelftestTest: tests that need the scriptable peer, through a {@link Peer} parameter or through
 * {@link TestChannels}; they pass on the fake and need a peer on a backend without one.
 */
@KmclTest
public class PeerNeedingContract {
    @Test
    void B20_takesAPeer(Peer peer) {
        assertNotNull(peer);
    }

    @Test
    void B10_opensAClientChannelToAPeerOffer(TestChannels t) {
        t.openClient(ChannelConfig.defaults()).close();
    }

    @Test
    void B21_offersADevice(TestChannels t) {
        assertNotNull(t.endpointOf(t.offer()));
    }
}
