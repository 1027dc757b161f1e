package dev.kmclbridge.diag.ic;

import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.host.HostExchange;
import dev.kmclbridge.ic.host.IcHostModel;
import dev.kmclbridge.peer.Peer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host of the IC selftest: on native the real host (nothing to do here), on fake/loopback the kmcl-ic host
 * model, which starts negotiating and sending requests every {@code interval} on each channel the guest opens,
 * as a host does, until the channel closes or the selftest ends.
 */
final class IcHostSide implements AutoCloseable {
    private final Optional<Peer> peer;
    private final IcService service;
    private final Duration interval;
    private final List<HostExchange> seen = new CopyOnWriteArrayList<>();
    private IcHostScript script;
    private Thread thread;

    IcHostSide(Optional<Peer> peer, IcService service, Duration interval) {
        this.peer = peer;
        this.service = service;
        this.interval = interval;
    }

    /** True when the host is the in-process model (fake/loopback). */
    boolean isModel() {
        return peer.isPresent();
    }

    /** Everything the model saw so far (empty on native). */
    List<HostExchange> seen() {
        return List.copyOf(seen);
    }

    /** The guest opened {@code channel}: the model (if any) starts serving it, after the previous one stopped. */
    synchronized void channelOpened(long channel) throws InterruptedException {
        stopScript();
        if (peer.isEmpty()) {
            return;
        }
        IcHostModel host = new IcHostModel(peer.get(), channel, service, IcHostScript.ANSWER_WAIT);
        IcHostScript s = new IcHostScript(host, service, Integer.MAX_VALUE, interval, seen::add);
        script = s;
        thread = new Thread(() -> {
            try {
                s.run();
            } catch (RuntimeException channelGone) {
                // the guest closed the channel: the model stops serving it, as a host does on close
            }
        }, "kmcl-diag selftest host model");
        thread.setDaemon(true);
        thread.start();
    }

    private void stopScript() throws InterruptedException {
        if (script != null) {
            script.stop();
            thread.interrupt();
            thread.join(IcHostScript.ANSWER_WAIT.toMillis() + 1000);
            script = null;
            thread = null;
        }
    }

    /** Stops the model's script (waits for its exchange in progress); an interrupt is kept for the caller. */
    @Override
    public synchronized void close() {
        try {
            stopScript();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
