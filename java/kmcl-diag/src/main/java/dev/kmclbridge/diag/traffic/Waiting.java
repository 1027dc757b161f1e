package dev.kmclbridge.diag.traffic;

import java.util.function.BooleanSupplier;

/** Polling for a condition of a running channel (what the commands wait for has no callback of its own). */
public final class Waiting {
    private Waiting() {
    }

    /** Sleeps in 10 ms steps until {@code done} holds or {@link System#nanoTime} reaches {@code deadlineNanos}. */
    public static void until(BooleanSupplier done, long deadlineNanos) throws InterruptedException {
        while (!done.getAsBoolean() && System.nanoTime() < deadlineNanos) {
            Thread.sleep(10);
        }
    }
}
