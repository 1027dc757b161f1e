package dev.kmclbridge.diag.bench;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * A progress bar on stderr (me.tongfei:progressbar) that appears only once a run has lasted {@code showAfterNanos}
 * (runs shorter than ~2 s print nothing). {@link #update} is called from the run loop.
 */
public final class ProgressIndicator implements AutoCloseable {
    private final PrintStream err;
    private final String task;
    private final long max;
    private final long showAfterNanos;
    private final long start = System.nanoTime();
    private final boolean enabled;
    private ProgressBar bar;

    /** {@code max} is the total in {@code unit}s (packets, or milliseconds for timed runs). */
    public ProgressIndicator(PrintStream err, String task, long max, long showAfterNanos, boolean enabled) {
        this.err = err;
        this.task = task;
        this.max = max;
        this.showAfterNanos = showAfterNanos;
        this.enabled = enabled;
    }

    /** Reports progress {@code done} of {@code max}. */
    public void update(long done) {
        if (!enabled) {
            return;
        }
        if (bar == null && System.nanoTime() - start >= showAfterNanos) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200).setConsumer(new ConsoleProgressBarConsumer(err, 100)).build();
        }
        if (bar != null) {
            bar.stepTo(Math.min(done, max));
        }
    }

    /** True once the bar was shown. */
    public boolean shown() {
        return bar != null;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.stepTo(max);
            bar.close();
        }
    }
}
