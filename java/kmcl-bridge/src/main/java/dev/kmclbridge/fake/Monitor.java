package dev.kmclbridge.fake;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * One channel's lock with three separate waiter sets: receivers (the dispatcher in {@code Backend.receive}),
 * the peer (its await calls) and every other waiting call (pause, disable, GPADL delete, synchronous send).
 * Actions run with the lock held. A change only records which waiters it concerns ({@link #wakeReceivers},
 * {@link #wakePeers}, {@link #wakeOthers}, or all of them with {@link #signalChange}); the signals go out once, when
 * the action leaves the lock or starts to wait. So a call that moves a whole batch wakes each waiter set at most
 * once, and a change wakes only the waiters it concerns.
 */
final class Monitor {
    /** An action that may wait and returns a status. */
    interface WaitingCall {
        int call() throws InterruptedException;
    }

    /** An action that may wait and returns a value. */
    interface WaitingGet<T> {
        T get() throws InterruptedException;
    }

    private static final int RECEIVERS = 1;
    private static final int PEERS = 2;
    private static final int OTHERS = 4;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition receivers = lock.newCondition();
    private final Condition peers = lock.newCondition();
    private final Condition others = lock.newCondition();
    /** Waiter sets owed a signal by the running action (guarded by the lock). */
    private int owed;

    int call(IntSupplier action) {
        lock.lock();
        try {
            return action.getAsInt();
        } finally {
            release();
        }
    }

    <T> T get(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    void run(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            release();
        }
    }

    int callWaiting(WaitingCall action) throws InterruptedException {
        lock.lock();
        try {
            return action.call();
        } finally {
            release();
        }
    }

    <T> T getWaiting(WaitingGet<T> action) throws InterruptedException {
        lock.lock();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    private void release() {
        try {
            flush();
        } finally {
            lock.unlock();
        }
    }

    /** Sends the signals the action owes. Lock held. */
    private void flush() {
        int o = owed;
        if (o == 0) {
            return;
        }
        owed = 0;
        if ((o & RECEIVERS) != 0) {
            receivers.signalAll();
        }
        if ((o & PEERS) != 0) {
            peers.signalAll();
        }
        if ((o & OTHERS) != 0) {
            others.signalAll();
        }
    }

    /** A receive waits for events or packets, at most {@code nanos} ({@code Long.MAX_VALUE}: no limit). Lock held. */
    void awaitReceivable(long nanos) throws InterruptedException {
        await(receivers, nanos);
    }

    /** A peer call waits for something the peer can see (an outcome, a packet we sent), at most {@code nanos}. Lock held. */
    void awaitPeerChange(long nanos) throws InterruptedException {
        await(peers, nanos);
    }

    /** Any other call waits for the next change (pending packets, GPADL maps, transactions, state). Lock held. */
    void awaitChange() throws InterruptedException {
        await(others, Long.MAX_VALUE);
    }

    /** Like {@link #awaitChange()}, at most {@code nanos}; {@code Long.MAX_VALUE} means no limit. Lock held. */
    void awaitChangeUpTo(long nanos) throws InterruptedException {
        await(others, nanos);
    }

    private void await(Condition c, long nanos) throws InterruptedException {
        flush();
        if (nanos == Long.MAX_VALUE) {
            c.await();
        } else {
            c.awaitNanos(nanos);
        }
    }

    /** Receivers have something new to take (events, packets, a cleared stall). Lock held. */
    void wakeReceivers() {
        owed |= RECEIVERS;
    }

    /** The peer has something new to see (an outcome, packets read off our ring, ring space). Lock held. */
    void wakePeers() {
        owed |= PEERS;
    }

    /** Pending packets, transactions or GPADL mappings changed (pause, disable, sync send, GPADL delete). Lock held. */
    void wakeOthers() {
        owed |= OTHERS;
    }

    /** A change every waiter must re-check (state changes, teardown). Lock held. */
    void signalChange() {
        owed |= RECEIVERS | PEERS | OTHERS;
    }
}
