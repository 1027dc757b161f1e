package dev.kmclbridge;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One channel's sends whose transaction has not ended: the tag the backend reports back, and the caller's future. */
final class PendingSends {
    private final ConcurrentHashMap<Long, CompletableFuture<Completion>> byTag = new ConcurrentHashMap<>();
    private final AtomicLong nextTag = new AtomicLong(1);

    /** Registers {@code future} under a new tag and returns the tag. */
    long register(CompletableFuture<Completion> future) {
        long tag = nextTag.getAndIncrement();
        byTag.put(tag, future);
        return tag;
    }

    /** Drops a tag whose send the backend refused (its future is never completed). */
    void forget(long tag) {
        byTag.remove(tag);
    }

    /** The transaction {@code tag} ended (a SEND_COMPLETE record): completes its future; unknown tags are ignored. */
    void ended(long tag, int status, byte[] payload) {
        CompletableFuture<Completion> f = byTag.remove(tag);
        if (f == null) {
            return;
        }
        if (NtStatus.isSuccess(status)) {
            f.complete(new Completion(payload));
        } else {
            f.completeExceptionally(new KmclException(KmclFunction.VMB_PACKET_SEND, status,
                    "the transaction ended without a completion from the peer"));
        }
    }

    /** The channel was cleaned up: every outstanding future fails with CANCELLED. */
    void cancelAll() {
        for (var e : byTag.entrySet()) {
            e.getValue().completeExceptionally(new KmclException(KmclFunction.VMB_CHANNEL_CLEANUP,
                    NtStatus.CANCELLED.value(), "channel closed before the send completed"));
        }
        byTag.clear();
    }
}
