package dev.kmclbridge;

import dev.kmclbridge.spi.LongTable;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One channel's sends whose transaction has not ended: the tag the backend reports back, and the caller's future
 * (a primitive-keyed table under one lock: no boxed key or map entry per send).
 */
final class PendingSends {
    private final LongTable<CompletableFuture<Completion>> byTag = new LongTable<>();
    private long nextTag = 1;

    /** Registers {@code future} under a new tag and returns the tag. */
    synchronized long register(CompletableFuture<Completion> future) {
        long tag = nextTag++;
        byTag.put(tag, future);
        return tag;
    }

    /** Drops a tag whose send the backend refused (its future is never completed). */
    synchronized void forget(long tag) {
        byTag.remove(tag);
    }

    private synchronized CompletableFuture<Completion> take(long tag) {
        return byTag.remove(tag);
    }

    /** The transaction {@code tag} ended (a SEND_COMPLETE record): completes its future; unknown tags are ignored. */
    void ended(long tag, int status, byte[] payload) {
        CompletableFuture<Completion> f = take(tag);
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
        List<CompletableFuture<Completion>> open;
        synchronized (this) {
            open = byTag.values();
            byTag.clear();
        }
        for (CompletableFuture<Completion> f : open) {
            f.completeExceptionally(new KmclException(KmclFunction.VMB_CHANNEL_CLEANUP,
                    NtStatus.CANCELLED.value(), "channel closed before the send completed"));
        }
    }
}
