package dev.kmclbridge.conformance;

import dev.kmclbridge.junit.TestChannels;
import org.junit.jupiter.api.AfterEach;

/**
 * Base of the contracts whose tests receive packets: after each test it ends the packets the test left open
 * ({@link PacketFlow#completeLeftovers}), so that a test that failed half-way cannot block the fixture's disable.
 */
abstract class EndsLeftoverPackets {
    @AfterEach
    void endLeftoverPackets(TestChannels t) {
        PacketFlow.completeLeftovers(t);
    }
}
