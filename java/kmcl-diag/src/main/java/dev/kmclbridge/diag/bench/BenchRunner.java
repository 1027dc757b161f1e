package dev.kmclbridge.diag.bench;

import dev.kmclbridge.Channel;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.traffic.PeerSend;
import dev.kmclbridge.peer.Peer;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Moves packets over an open channel and measures throughput and latency (HdrHistogram, nanoseconds).
 * OUT: we send with WAIT_FOR_COMPLETION and the other side completes (the peer's responder on fake/loopback);
 * latency = send to completion. IN: the peer sends with completion requested, {@link #onIncoming} completes;
 * latency = peer send to delivery.
 */
public final class BenchRunner {
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);

    private final BenchSettings settings;
    private final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final Semaphore inFlight;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentHashMap<Long, Long> sentAt = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long measureFrom = Long.MAX_VALUE;
    private final long idleTimeoutNanos;

    public BenchRunner(BenchSettings settings) {
        this(settings, IDLE_TIMEOUT);
    }

    /** A runner that gives up after {@code idleTimeout} without a completed packet. */
    BenchRunner(BenchSettings settings, Duration idleTimeout) {
        this.settings = settings;
        this.inFlight = new Semaphore(settings.window());
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /** The handler to install on the channel for IN runs (completes and measures). */
    public void onIncoming(dev.kmclbridge.IncomingPacket p) {
        long now = System.nanoTime();
        ByteBuffer b = p.payload();
        long s = b.remaining() >= 8 ? b.getLong(0) : -1;
        p.complete();
        Long t = sentAt.remove(s);
        if (t != null) {
            finish(s, now - t);
        }
    }

    private void finish(long s, long latencyNanos) {
        if (s >= settings.warmup()) {
            synchronized (histogram) {
                histogram.recordValue(Math.min(latencyNanos, histogram.getHighestTrackableValue()));
            }
            done.incrementAndGet();
        }
        inFlight.release();
    }

    /** Runs the benchmark on {@code channel}; {@code peer} sends for IN runs. */
    public BenchResult run(String backend, Channel channel, Optional<Peer> peer, ProgressIndicator progress)
            throws InterruptedException {
        byte[] payload = new byte[settings.payloadSize()];
        long target = settings.duration().isPresent() ? Long.MAX_VALUE : settings.count();
        long deadline = Long.MAX_VALUE;
        long start = 0;
        long lastProgress = System.nanoTime();
        long lastDone = -1;
        while (true) {
            long s = seq.get();
            if (s == settings.warmup()) {
                inFlight.acquire(settings.window());
                inFlight.release(settings.window());
                start = System.nanoTime();
                measureFrom = start;
                deadline = settings.duration().map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
            }
            if (s >= settings.warmup() && (s - settings.warmup() >= target || System.nanoTime() >= deadline)) {
                break;
            }
            while (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                checkFailure();
                if (System.nanoTime() - lastProgress > idleTimeoutNanos) {
                    throw DiagFailure.timeout("bench made no progress for " + idleTimeoutNanos / 1_000_000 + " ms ("
                            + done.get() + " packets done); "
                            + "is the other side completing packets?");
                }
            }
            checkFailure();
            if (done.get() != lastDone) {
                lastDone = done.get();
                lastProgress = System.nanoTime();
            }
            seq.incrementAndGet();
            ByteBuffer.wrap(payload).putLong(0, s);
            long t = System.nanoTime();
            if (settings.direction() == BenchSettings.Direction.OUT) {
                channel.send(payload.clone(), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION)).whenComplete((c, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                        inFlight.release();
                    } else {
                        finish(s, System.nanoTime() - t);
                    }
                });
            } else {
                sentAt.put(s, t);
                PeerSend.send(peer.orElseThrow(), channel.id(), payload.clone(), true, Optional.empty());
            }
            if (s >= settings.warmup()) {
                progress.update(settings.duration().isPresent()
                        ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) : s - settings.warmup());
            }
        }
        long deadlineDrain = System.nanoTime() + idleTimeoutNanos;
        while (!inFlight.tryAcquire(settings.window(), 50, TimeUnit.MILLISECONDS)) {
            checkFailure();
            if (System.nanoTime() > deadlineDrain) {
                throw DiagFailure.timeout("bench: " + (settings.window() - inFlight.availablePermits())
                        + " packets never completed");
            }
        }
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        long packets = done.get();
        LatencySummary lat;
        synchronized (histogram) {
            lat = LatencySummary.of(histogram);
        }
        return new BenchResult(backend, settings.direction().name().toLowerCase(), settings.payloadSize(), settings.window(),
                packets, round(seconds, 3), round(packets / seconds, 1), round(packets * (double) settings.payloadSize() / seconds / 1e6, 3), lat);
    }

    private void checkFailure() {
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof java.util.concurrent.CompletionException && f.getCause() != null) {
                f = f.getCause();
            }
            if (f instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(f);
        }
    }

    private static double round(double v, int digits) {
        double m = Math.pow(10, digits);
        return Math.round(v * m) / m;
    }

    /** Time when measuring started (nanoTime), for tests. */
    long measureFrom() {
        return measureFrom;
    }

    static Duration idleTimeout() {
        return IDLE_TIMEOUT;
    }
}
