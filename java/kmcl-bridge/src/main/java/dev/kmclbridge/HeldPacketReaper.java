package dev.kmclbridge;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The watchdog of one {@link Channel#close(Duration)}: a thread that, once the timeout elapsed while the close
 * still runs, fails every packet user code holds, and any handed out later, until {@link #finish()}. The first
 * fail stops the channel's queue (B73), so nothing more is handed out and the disable can finish.
 */
final class HeldPacketReaper {
    private static final System.Logger LOG = System.getLogger(HeldPacketReaper.class.getName());

    private final long channelId;
    private final DeliveryGate gate;
    private final long deadline;
    private final Thread thread;
    private final List<IncomingPacket> failed = new ArrayList<>();
    private volatile boolean finished;

    /** Starts watching; {@code timeout} counts from now. */
    HeldPacketReaper(long channelId, DeliveryGate gate, Duration timeout) {
        this.channelId = channelId;
        this.gate = gate;
        this.deadline = System.nanoTime() + Math.min(timeout.toNanos(), TimeUnit.DAYS.toNanos(365));
        this.thread = new Thread(this::watch, "kmcl-close-" + channelId);
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        if (!awaitDeadline()) {
            return;
        }
        while (!finished) {
            for (IncomingPacket p : gate.awaitHeld(() -> finished)) {
                failHeld(p);
            }
        }
    }

    private void failHeld(IncomingPacket p) {
        try {
            p.fail();
        } catch (PacketRetiredException endedMeanwhile) {
            return; // user code ended it after all
        } catch (RuntimeException e) {
            // retired all the same (the typed layer ends it before calling the backend); the backend refused
            LOG.log(Level.WARNING, "channel " + channelId + ": failing held " + p + " at the close timeout: " + e, e);
        }
        synchronized (failed) {
            failed.add(p);
        }
    }

    /** Waits until the deadline (true) or until the close finished first (false). */
    private synchronized boolean awaitDeadline() {
        while (!finished) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                // nobody else has this thread: keep watching
            }
        }
        return false;
    }

    /** The close finished: stops the watchdog and returns the packets it failed, in the order it failed them. */
    List<IncomingPacket> finish() {
        synchronized (this) {
            finished = true;
            notifyAll();
        }
        gate.wake();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (failed) {
            return List.copyOf(failed);
        }
    }
}
