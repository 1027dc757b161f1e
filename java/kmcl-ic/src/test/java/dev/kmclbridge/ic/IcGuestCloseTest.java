package dev.kmclbridge.ic;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.ic.guest.KvpClient;
import dev.kmclbridge.ic.host.IcHostModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a guest client while its handler is answering: close waits for the handler (Disable waits for every
 * packet handed out), so it must not hold a lock the handler needs. KvpClient's answer locks the client's own
 * monitor (its pools); a close that held that monitor deadlocked (seen once in CI, in the IC selftest).
 */
class IcGuestCloseTest {
    private static final Duration OPEN = Duration.ofSeconds(10);
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static Kmcl open(String backend) {
        Optional<String> why = Kmcl.backends().getOrDefault(backend, Optional.of("not on the class path"));
        Assumptions.assumeTrue(why.isEmpty(), () -> backend + " unavailable: " + why.orElse(""));
        return Kmcl.open(backend);
    }

    /** Waits (bounded) until {@code t} is in one of {@code states}; false when the bound passes first. */
    private static boolean awaitState(Thread t, Thread.State... states) throws InterruptedException {
        long end = System.nanoTime() + BOUND_NANOS;
        while (System.nanoTime() < end) {
            Thread.State now = t.getState();
            for (Thread.State s : states) {
                if (now == s) {
                    return true;
                }
            }
            Thread.sleep(1);
        }
        return false;
    }

    private static Optional<Thread> blockedDispatcher() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kmcl-dispatch") && t.getState() == Thread.State.BLOCKED)
                .findFirst();
    }

    /* fake only: the check reads the closing thread's state, and loopback's Disable waits in native code, where a
     * thread shows RUNNABLE; the lock order under test is the client's, not the backend's */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the bug this checks is a deadlock
    void closeWhileTheHandlerWaitsForTheClientsMonitorDoesNotDeadlock() throws Exception {
        try (Kmcl kmcl = open("fake")) {
            KvpClient guest = new KvpClient();
            guest.attach(kmcl, kmcl.endpoint(IcHostModel.offer(kmcl.peer().orElseThrow(), guest.service()).endpointId()), OPEN);
            IcHostModel host = new IcHostModel(kmcl.peer().orElseThrow(), guest.channel().id(), guest.service(),
                    Duration.ofSeconds(5));
            host.negotiate();

            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = new Thread(() -> {
                synchronized (guest) { // the handler's KVP answer needs this monitor
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, "monitor-holder");
            holder.start();
            try {
                assertTrue(held.await(10, TimeUnit.SECONDS));
                Thread request = new Thread(() -> host.kvp(KvpMessage.of(KvpOperation.GET, 0, "Owner", "")), "host-request");
                request.setDaemon(true);
                request.start();
                long end = System.nanoTime() + BOUND_NANOS;
                while (blockedDispatcher().isEmpty() && System.nanoTime() < end) {
                    Thread.sleep(1);
                }
                assertTrue(blockedDispatcher().isPresent(), "the handler never reached the client's monitor");

                Thread closer = new Thread(guest::close, "closer");
                closer.setDaemon(true);
                closer.start();
                // close must reach Disable's wait for the handler without waiting for the client's monitor
                assertTrue(awaitState(closer, Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.TERMINATED),
                        "close() waits for the client's monitor (state " + closer.getState() + ")");
                assertFalse(closer.getState() == Thread.State.BLOCKED);
                release.countDown(); // the handler may now answer, and close finish
                closer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
                assertFalse(closer.isAlive(), "close() did not finish once the handler could: a deadlock");
            } finally {
                release.countDown(); // also when an assertion failed first, so the test ends
            }
            holder.join();
        }
    }
}
