package dev.kmclbridge;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What user code of one channel may see of its packets, under one lock: the stop a {@code fail()} causes, the
 * default queue ({@link Channel#nextPacket}) and the packets user code holds (handed out, not ended). Because a
 * handout and the stop take the same lock, a packet is either handed out before the stop or never (until the
 * stop is cleared at disable): once {@link #stop()} returned, {@link #held()} names every packet user code will
 * still get.
 */
final class DeliveryGate {
    private final Object lock = new Object();
    private boolean stopped;
    /** Threads in {@link #awaitHeld} (a handout wakes them only when there are any). */
    private int waiters;
    private final ArrayDeque<IncomingPacket> parked = new ArrayDeque<>();
    /** Packets user code holds, in handout order: a list linked through the packets themselves (no entry objects). */
    private IncomingPacket heldFirst;
    private IncomingPacket heldLast;

    /** True after a packet failed, until {@link #clearStop()}. */
    boolean stopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /**
     * Stops all handouts (B73) and takes the packets parked in the default queue, which user code never saw
     * (the caller hands them back to the backend, B74).
     */
    List<IncomingPacket> stop() {
        synchronized (lock) {
            stopped = true;
            return drainParkedLocked();
        }
    }

    /** Disable ended the stop a fail caused (B73: "until disable"). */
    void clearStop() {
        synchronized (lock) {
            stopped = false;
        }
    }

    /** Parks a packet for {@link #takeParked}; false (nothing parked) while stopped. */
    boolean park(IncomingPacket packet) {
        synchronized (lock) {
            if (stopped) {
                return false;
            }
            parked.add(packet);
            lock.notifyAll();
            return true;
        }
    }

    /** Packets parked and not yet taken. */
    int parkedCount() {
        synchronized (lock) {
            return parked.size();
        }
    }

    /** The next parked packet, now held by user code, waiting up to {@code timeout}; empty if none came. */
    Optional<IncomingPacket> takeParked(Duration timeout) {
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        synchronized (lock) {
            while (parked.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
            IncomingPacket p = parked.poll();
            hold(p);
            lock.notifyAll();
            return Optional.of(p);
        }
    }

    /** Takes every parked packet: none of them reached user code. */
    List<IncomingPacket> drainParked() {
        synchronized (lock) {
            return drainParkedLocked();
        }
    }

    private List<IncomingPacket> drainParkedLocked() {
        List<IncomingPacket> out = new ArrayList<>(parked);
        parked.clear();
        return out;
    }

    /** Records {@code packet} as handed to the packet handler; false (not handed out) while stopped. */
    boolean handOut(IncomingPacket packet) {
        synchronized (lock) {
            if (stopped) {
                return false;
            }
            hold(packet);
            if (waiters > 0) {
                lock.notifyAll();
            }
            return true;
        }
    }

    /** Packets handed to user code that have not ended, in handout order. */
    List<IncomingPacket> held() {
        synchronized (lock) {
            return heldListLocked();
        }
    }

    private List<IncomingPacket> heldListLocked() {
        List<IncomingPacket> out = new ArrayList<>();
        for (IncomingPacket p = heldFirst; p != null; p = p.heldNext) {
            out.add(p);
        }
        return List.copyOf(out);
    }

    private void hold(IncomingPacket p) {
        p.held = true;
        p.heldPrevious = heldLast;
        p.heldNext = null;
        if (heldLast == null) {
            heldFirst = p;
        } else {
            heldLast.heldNext = p;
        }
        heldLast = p;
    }

    private void release(IncomingPacket p) {
        if (!p.held) {
            return;
        }
        p.held = false;
        if (p.heldPrevious == null) {
            heldFirst = p.heldNext;
        } else {
            p.heldPrevious.heldNext = p.heldNext;
        }
        if (p.heldNext == null) {
            heldLast = p.heldPrevious;
        } else {
            p.heldNext.heldPrevious = p.heldPrevious;
        }
        p.heldPrevious = null;
        p.heldNext = null;
    }

    /**
     * Waits until user code holds a packet or {@code done} is true (checked again on every {@link #wake()} and
     * handout) and returns the held packets. For the {@link HeldPacketReaper}'s own thread, which nobody
     * interrupts: an interrupt does not end the wait.
     */
    List<IncomingPacket> awaitHeld(BooleanSupplier done) {
        synchronized (lock) {
            while (heldFirst == null && !done.getAsBoolean()) {
                try {
                    waiters++;
                    lock.wait();
                } catch (InterruptedException e) {
                    // see above: keep waiting for the condition
                } finally {
                    waiters--;
                }
            }
            return heldListLocked();
        }
    }

    /** Wakes {@link #awaitHeld} waiters so they check their condition again. */
    void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Ends {@code packet} as {@code how}; false when it had already ended. */
    boolean retire(IncomingPacket packet, IncomingPacket.Ending how) {
        synchronized (lock) {
            return retireLocked(packet, how);
        }
    }

    /**
     * Ends every packet of {@code packets} as {@code how}, or none of them: a packet listed twice is an
     * {@link IllegalArgumentException}, one that already ended a {@link PacketRetiredException}.
     */
    void retireAll(List<IncomingPacket> packets, IncomingPacket.Ending how) {
        synchronized (lock) {
            Map<IncomingPacket, Boolean> seen = new IdentityHashMap<>();
            for (IncomingPacket p : packets) {
                if (seen.put(p, Boolean.TRUE) != null) {
                    throw new IllegalArgumentException("packet " + p.id() + " is listed twice; nothing was completed");
                }
                p.ending().ifPresent(e -> {
                    throw p.retiredException(e);
                });
            }
            for (IncomingPacket p : packets) {
                retireLocked(p, how);
            }
        }
    }

    private boolean retireLocked(IncomingPacket packet, IncomingPacket.Ending how) {
        if (!packet.markEnded(how)) {
            return false;
        }
        release(packet);
        return true;
    }

    private static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? TimeUnit.DAYS.toNanos(365) : Math.max(0, d.toNanos());
    }
}
