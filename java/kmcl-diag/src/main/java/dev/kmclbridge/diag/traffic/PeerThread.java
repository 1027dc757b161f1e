package dev.kmclbridge.diag.traffic;

/**
 * A daemon thread that drives the peer on fake/loopback while a command runs: {@link #close} asks it to stop,
 * waits for it (2 s at most) and rethrows the failure that ended it early, if any.
 */
public abstract class PeerThread implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    PeerThread(String name) {
        this.thread = new Thread(this::work, name);
        thread.setDaemon(true);
    }

    /** What the thread does; it should return soon after {@link #running()} turns false. */
    abstract void work();

    final void start() {
        thread.start();
    }

    /** False once {@link #close} was called. */
    final boolean running() {
        return running;
    }

    /** Records what stopped the thread, for {@link #close} to rethrow. */
    final void failed(RuntimeException e) {
        failure = e;
    }

    /** True once the thread stopped early with a failure ({@link #close} rethrows it): waiting for it is pointless. */
    public final boolean hasFailed() {
        return failure != null;
    }

    /** True once {@link #work} has returned. */
    public final boolean finished() {
        return !thread.isAlive();
    }

    /** Stops the thread; rethrows what stopped it early, if anything. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
