package dev.kmclbridge.diag.ic;

import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.KvpMessage;
import dev.kmclbridge.ic.KvpOperation;
import dev.kmclbridge.ic.ShutdownMessage;
import dev.kmclbridge.ic.TimeSyncMessage;
import dev.kmclbridge.ic.host.HostExchange;
import dev.kmclbridge.ic.host.IcHostModel;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What the host model does on fake/loopback, on its own thread: negotiate, then the service's requests —
 * {@code count} heartbeats or time samples (the first a SYNC) {@code interval} apart, one shutdown request, or the
 * KVP round (set a pair, enumerate the guest pool to its end, read the pair back). Each exchange goes to
 * {@code sink} as it ends.
 */
final class IcHostScript implements Runnable {
    static final String HOST_KEY = "kmcl-diag-host";
    static final String HOST_VALUE = "hello from the host model";
    /** How long the host model waits for each answer (it stops early when the guest failed or cannot be reached). */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(5);

    private final IcHostModel host;
    private final IcService service;
    private final int count;
    private final Duration interval;
    private final Consumer<HostExchange> sink;
    private volatile boolean stopped;

    IcHostScript(IcHostModel host, IcService service, int count, Duration interval, Consumer<HostExchange> sink) {
        this.host = host;
        this.service = service;
        this.count = count;
        this.interval = interval;
        this.sink = sink;
    }

    /** Asks the script to stop before its next request. */
    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        HostExchange nego = host.negotiate();
        sink.accept(nego);
        if (host.negotiated().isEmpty()) {
            return;
        }
        switch (service) {
            case HEARTBEAT -> repeat(i -> host.heartbeat(i));
            case TIME_SYNC -> repeat(i -> host.timeSample(new TimeSyncMessage(
                    TimeSyncMessage.Layout.forVersion(host.negotiated().get().chosenMessage()),
                    TimeSyncMessage.toHostTime(Instant.now()), 0, 0,
                    i == 1 ? TimeSyncMessage.FLAG_SYNC : TimeSyncMessage.FLAG_SAMPLE, 0, 0)));
            case SHUTDOWN -> sink.accept(host.shutdown(new ShutdownMessage(0x80000000, 60, 0, "kmcl-diag shutdown test")));
            case KVP -> kvpRound();
        }
    }

    private void repeat(java.util.function.LongFunction<HostExchange> request) {
        for (long i = 1; i <= count && !stopped; i++) {
            if (i > 1 && pause()) {
                return;
            }
            sink.accept(request.apply(i));
        }
    }

    private void kvpRound() {
        sink.accept(host.kvp(KvpMessage.of(KvpOperation.SET, 0, HOST_KEY, HOST_VALUE)));
        for (int index = 0; index < 64 && !stopped; index++) {
            HostExchange e = host.kvp(KvpMessage.enumerate(IcGuests.GUEST_POOL, index));
            sink.accept(e);
            if (e.response().isEmpty() || e.response().get().header().status() != IcStatus.OK) {
                break;
            }
        }
        if (!stopped) {
            sink.accept(host.kvp(KvpMessage.of(KvpOperation.GET, 0, HOST_KEY, "")));
        }
    }

    /** Waits the interval; true when interrupted (the command is ending). */
    private boolean pause() {
        try {
            Thread.sleep(interval.toMillis()); // pacing of the host's requests, not synchronization
            return stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
