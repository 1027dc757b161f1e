package dev.kmclbridge.fake;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * One lock and its one condition ("something changed"). Actions run with the lock held; a waiting action
 * releases it while it waits, so other actions proceed, and every change that can end a wait signals all waiters.
 */
final class Monitor {
    /** An action that may wait on the condition and returns a status. */
    interface WaitingCall {
        int call() throws InterruptedException;
    }

    /** An action that may wait on the condition and returns a value. */
    interface WaitingGet<T> {
        T get() throws InterruptedException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    int call(IntSupplier action) {
        lock.lock();
        try {
            return action.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    <T> T get(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void run(Runnable action) {
        call(() -> {
            action.run();
            return 0;
        });
    }

    int callWaiting(WaitingCall action) throws InterruptedException {
        lock.lock();
        try {
            return action.call();
        } finally {
            lock.unlock();
        }
    }

    <T> T getWaiting(WaitingGet<T> action) throws InterruptedException {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the next change. Lock held. */
    void awaitChange() throws InterruptedException {
        changed.await();
    }

    /** Waits for the next change, at most {@code nanos}. Lock held. */
    void awaitChange(long nanos) throws InterruptedException {
        changed.awaitNanos(nanos);
    }

    /** Waits for the next change, at most {@code nanos}; {@code Long.MAX_VALUE} means no limit. Lock held. */
    void awaitChangeUpTo(long nanos) throws InterruptedException {
        if (nanos == Long.MAX_VALUE) {
            changed.await();
        } else {
            changed.awaitNanos(nanos);
        }
    }

    /** Wakes every waiter. Lock held. */
    void signalChange() {
        changed.signalAll();
    }
}
