package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client channel driven through the backend SPI directly, for contracts that check answers the typed layer hides
 * (statuses of ids it would never pass). The test ends it itself (disable, cleanup).
 */
final class SpiChannel {
    private SpiChannel() {
    }

    /** Allocates a client channel on a fresh peer offer, enables it and receives until it is PostStarted; its id. */
    static long openClient(TestChannels t) {
        Backend b = t.kmcl().backend();
        PeerOffer offer = t.offer();
        long[] id = new long[1];
        int[] failed = new int[1];
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.allocateChannel(offer.endpointId(), false, id)));
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.configure(id[0], ChannelConfig.builder()
                .targetPnp(offer.interfaceType(), offer.interfaceInstance()).build().toSettings(), failed)));
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.enable(id[0])));
        receiveUntil(b, id[0], Event.KIND_STATE, Event.STATE_POST_STARTED);
        return id[0];
    }

    /**
     * Receives on {@code channel} until a record of {@code kind} arrives (with {@code flags}, unless -1) and returns
     * its id; fails after TestChannels.TIMEOUT.
     */
    static long receiveUntil(Backend b, long channel, int kind, int flags) {
        EventBatch batch = new EventBatch(64 * 1024);
        int[] needed = new int[1];
        long deadline = System.nanoTime() + TestChannels.TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            batch.clear();
            int st = b.receive(channel, batch, 100, needed);
            if (NtStatus.of(st) == NtStatus.TIMEOUT) {
                continue;
            }
            assertEquals(NtStatus.SUCCESS, NtStatus.of(st), NtStatus.describe(st));
            EventBatch.Reader r = batch.reader();
            while (r.next()) {
                if (r.kind() == kind && (flags == -1 || r.flags() == flags)) {
                    return r.id();
                }
            }
        }
        throw new AssertionError("no record of kind " + kind + (flags == -1 ? "" : " with flags " + flags)
                + " on channel " + channel + " within " + TestChannels.TIMEOUT);
    }
}
