package dev.kmclbridge;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The user's callbacks registered on one channel and the state changes delivered to them so far. The channel
 * registers; its dispatcher reads the callbacks and records each state change after the listeners ran.
 */
final class ChannelListeners {
    private volatile PacketHandler packetHandler;
    private final CopyOnWriteArrayList<StateChangeListener> stateListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<ProcessingCompleteListener> batchListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<StateChange> history = new CopyOnWriteArrayList<>();

    void setPacketHandler(PacketHandler handler) {
        this.packetHandler = Objects.requireNonNull(handler, "packetHandler");
    }

    /** The packet handler; empty means packets go to the default queue. */
    Optional<PacketHandler> packetHandler() {
        return Optional.ofNullable(packetHandler);
    }

    /** The packet handler, or null when packets go to the default queue (the dispatcher's per-packet check). */
    PacketHandler packetHandlerOrNull() {
        return packetHandler;
    }

    void addStateListener(StateChangeListener listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void addBatchListener(ProcessingCompleteListener listener) {
        batchListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    List<StateChangeListener> stateListeners() {
        return stateListeners;
    }

    List<ProcessingCompleteListener> batchListeners() {
        return batchListeners;
    }

    /** Appends a delivered state change and wakes {@link #awaitStateEvent} callers. */
    void recordStateChange(StateChange change) {
        synchronized (history) {
            history.add(change);
            history.notifyAll();
        }
    }

    /** Every state change delivered so far, oldest first. */
    List<StateChange> history() {
        return List.copyOf(history);
    }

    /** Waits until the {@code n}-th (1-based) delivery of {@code event} was recorded; true if it was within {@code timeout}. */
    boolean awaitStateEvent(StateEvent event, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (history) {
            while (history.stream().filter(c -> c.event() == event).count() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(history, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
