package dev.kmclbridge.jna;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.spi.EventBatch;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the tests that drive the loopback backend through its SPI methods share: opening it (or skipping when the
 * shim is not built), checking statuses, enabling a client channel on a peer offer, receiving until the records a
 * test waits for came.
 */
final class LoopbackSpiCalls {
    /** How long a test waits for the records it expects. */
    private static final long RECEIVE_NANOS = 10_000_000_000L;

    /** One received record a test waited for: its id and its inline payload. */
    record Received(long id, byte[] payload) {
    }

    private LoopbackSpiCalls() {
    }

    /** The loopback backend, or a skipped test naming why the shim is not there (native/build/out). */
    static JnaBackend openOrSkip() {
        LoopbackBackendProvider provider = new LoopbackBackendProvider();
        Assumptions.assumeTrue(provider.unavailableReason().isEmpty(),
                () -> "loopback shim not built: " + provider.unavailableReason().orElse(""));
        return (JnaBackend) provider.open(Map.of());
    }

    /** Asserts STATUS_SUCCESS, naming the status otherwise. */
    static void ok(int status) {
        assertEquals(NtStatus.describe(NtStatus.SUCCESS.value()), NtStatus.describe(status));
    }

    /**
     * Offers a device of {@code type} on the backend's peer and allocates, configures (targeting that offer) and
     * enables a client channel to it; returns the channel's id.
     */
    static long enableClientChannel(JnaBackend b, UUID type) {
        PeerOffer offer = b.peer().orElseThrow().offer(type, UUID.randomUUID(), OfferOptions.defaults());
        long[] id = new long[1];
        int[] failed = new int[1];
        ok(b.allocateChannel(offer.endpointId(), false, id));
        ok(b.configure(id[0], ChannelConfig.builder().targetPnp(type, offer.interfaceInstance()).build().toSettings(), failed));
        ok(b.enable(id[0]));
        return id[0];
    }

    /**
     * Receives until at least {@code wanted} records matching {@code match} came (the rest of the batch that
     * brought the last one is read too) and returns the matching ones in order; fails naming {@code what} when they
     * do not come within 10 s.
     */
    static List<Received> receiveUntil(JnaBackend b, long channel, int wanted, String what,
                                       Predicate<EventBatch.Reader> match) {
        EventBatch batch = new EventBatch(64 * 1024);
        int[] needed = new int[1];
        List<Received> found = new ArrayList<>();
        long deadline = System.nanoTime() + RECEIVE_NANOS;
        while (found.size() < wanted && System.nanoTime() < deadline) {
            batch.clear();
            int st = b.receive(channel, batch, 100, needed);
            if (st == NtStatus.TIMEOUT.value()) {
                continue;
            }
            ok(st);
            EventBatch.Reader r = batch.reader();
            while (r.next()) {
                if (match.test(r)) {
                    found.add(new Received(r.id(), r.payload()));
                }
            }
        }
        if (found.size() < wanted) {
            throw new AssertionError(found.size() + " of " + wanted + " " + what + " on channel " + channel);
        }
        return found;
    }
}
