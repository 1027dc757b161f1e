package dev.kmclbridge.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts packets a handler finished and lets one benchmark thread wait for a count without a wake per packet:
 * only the arrival that reaches the awaited count unparks the waiter.
 */
final class ArrivalCounter {
    private final AtomicLong arrived = new AtomicLong();
    private volatile long awaited = Long.MAX_VALUE;
    private volatile Thread waiter;

    /** One more packet arrived (handler thread). */
    void arrive() {
        if (arrived.incrementAndGet() == awaited) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    long arrived() {
        return arrived.get();
    }

    /** Waits until {@code target} packets arrived in total; throws after {@code timeoutNanos} without one. */
    void awaitTotal(long target, long timeoutNanos) {
        waiter = Thread.currentThread();
        awaited = target;
        long last = arrived.get();
        long lastChange = System.nanoTime();
        while (arrived.get() < target) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
            long now = arrived.get();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > timeoutNanos) {
                throw new IllegalStateException("stuck at " + now + " of " + target + " packets");
            }
        }
        awaited = Long.MAX_VALUE;
    }
}
