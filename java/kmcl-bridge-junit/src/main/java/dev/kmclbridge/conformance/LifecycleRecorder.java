package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.StateChange;
import dev.kmclbridge.StateChangeListener;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.TestChannels;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test helper for the lifecycle contracts: records state callbacks and packet deliveries of one channel in the
 * order they were delivered, together with the thread each ran on. Also a few small utilities shared by the
 * bring-up, pause and teardown contracts.
 */
final class LifecycleRecorder implements StateChangeListener {
    /** One recorded callback. */
    record Entry(String what, StateChange change, Thread thread) {
    }

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public void onStateChange(StateChange change) {
        add(change.event().name(), change);
    }

    /** Records every state callback and packet delivery of {@code ch} (completing the packets); call before enable. */
    static LifecycleRecorder attachedTo(Channel ch) {
        LifecycleRecorder rec = new LifecycleRecorder();
        ch.onStateChange(rec);
        ch.onPacket(rec.completingHandler());
        return rec;
    }

    /** A packet handler that records {@code PACKET:<payload as UTF-8>} and completes the packet at once. */
    PacketHandler completingHandler() {
        return p -> {
            add(packetEntry(p), null);
            p.complete();
        };
    }

    /** A packet handler that records the packet and leaves it open for the test (added to {@code held}). */
    PacketHandler holdingHandler(List<IncomingPacket> held) {
        return p -> {
            synchronized (held) {
                held.add(p);
            }
            add(packetEntry(p), null);
        };
    }

    static String packetEntry(IncomingPacket p) {
        return "PACKET:" + new String(p.payloadBytes(), StandardCharsets.UTF_8);
    }

    synchronized void add(String what, StateChange change) {
        entries.add(new Entry(what, change, Thread.currentThread()));
        notifyAll();
    }

    /** The names recorded so far, oldest first. */
    synchronized List<String> names() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.what());
        }
        return out;
    }

    /** The entries recorded so far, oldest first. */
    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** How often {@code what} was recorded. */
    synchronized int count(String what) {
        int n = 0;
        for (Entry e : entries) {
            if (e.what().equals(what)) {
                n++;
            }
        }
        return n;
    }

    /** Index of the {@code occurrence}-th (1-based) recording of {@code what}, or -1. */
    synchronized int indexOf(String what, int occurrence) {
        int seen = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).what().equals(what) && ++seen == occurrence) {
                return i;
            }
        }
        return -1;
    }

    /** Waits until {@code condition} holds for the recorded names. */
    synchronized boolean await(Predicate<List<String>> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(names())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Waits until {@code what} was recorded at least {@code n} times. */
    boolean awaitCount(String what, int n, Duration timeout) {
        return await(names -> names.stream().filter(what::equals).count() >= n, timeout);
    }

    /** Asserts that {@code what} gets recorded at least {@code n} times within {@link TestChannels#TIMEOUT}. */
    void expect(String what, int n) {
        assertTrue(awaitCount(what, n, TestChannels.TIMEOUT),
                "expected " + what + " x" + n + " within " + TestChannels.TIMEOUT + "; recorded " + names());
    }

    @Override
    public synchronized String toString() {
        return names().toString();
    }

    // ---- small shared utilities ----

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Asserts that the channel delivers the {@code n}-th {@code event} within {@link TestChannels#TIMEOUT}. */
    static void awaitEvent(Channel ch, StateEvent event, int n) {
        assertTrue(ch.awaitStateEvent(event, n, TestChannels.TIMEOUT),
                "channel " + ch.id() + ": expected " + event + " x" + n + " within " + TestChannels.TIMEOUT
                        + "; history " + ch.stateHistory());
    }

    /** How many times {@code event} is in the channel's history. */
    static long countEvents(Channel ch, StateEvent event) {
        return ch.stateHistory().stream().filter(c -> c.event() == event).count();
    }

    /** The channel's history as event names. */
    static List<StateEvent> events(Channel ch) {
        List<StateEvent> out = new ArrayList<>();
        for (StateChange c : ch.stateHistory()) {
            out.add(c.event());
        }
        return out;
    }

    /**
     * Runs {@code call} inside the channel's {@code event} callback (set it before the action that causes the event);
     * the future gets what the call returned, or the RuntimeException it threw.
     */
    static CompletableFuture<Object> callInside(Channel ch, StateEvent event, Supplier<Object> call) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        ch.onStateChange(change -> {
            if (change.event() == event) {
                try {
                    result.complete(call.get());
                } catch (RuntimeException e) {
                    result.complete(e);
                }
            }
        });
        return result;
    }

    /** Runs {@code action} on a fresh daemon thread (for calls that are expected to block). */
    static CompletableFuture<Void> inBackground(String name, Runnable action) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread th = new Thread(() -> {
            try {
                action.run();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "conformance-" + name);
        th.setDaemon(true);
        th.start();
        return f;
    }
}
