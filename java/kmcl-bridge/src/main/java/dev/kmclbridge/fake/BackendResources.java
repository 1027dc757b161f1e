package dev.kmclbridge.fake;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every channel of one fake backend shares: guest memory for external data, the packet ids, the transaction
 * ids and the seeded random generator (one per backend, so a seed replays a single-threaded script).
 */
record BackendResources(GuestMemory memory, PacketRegistry packets, AtomicLong transactionIds, Random random) {
    BackendResources(long seed) {
        this(new GuestMemory(), new PacketRegistry(), new AtomicLong(1), new Random(seed));
    }

    long nextTransactionId() {
        return transactionIds.getAndIncrement();
    }
}
