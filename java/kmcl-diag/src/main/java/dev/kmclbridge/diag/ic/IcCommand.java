package dev.kmclbridge.diag.ic;

import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.diag.Command;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.guest.HeartbeatClient;
import dev.kmclbridge.ic.guest.IcGuestClient;
import dev.kmclbridge.ic.guest.IcTrafficEvent;
import dev.kmclbridge.ic.host.HostExchange;
import dev.kmclbridge.ic.host.IcHostModel;
import dev.kmclbridge.peer.Peer;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.diag.LongOption.flag;
import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * {@code ic heartbeat|shutdown|timesync|kvp}: opens the integration component's channel as the guest, answers the
 * host's negotiation and requests, and shows the versions and the traffic in plain words. On fake/loopback the
 * host model (kmcl-ic) plays the host in this process; on native the host is Hyper-V.
 */
public final class IcCommand implements Command {
    static final String ENDPOINT = "endpoint";
    static final String WATCH = "watch";
    static final String COUNT = "count";
    static final String DURATION = "duration";
    static final String INTERVAL = "interval";
    static final String FAIL_NEXT = "fail-next";
    static final String STOP_ANSWERING = "stop-answering";
    static final String WRONG_ANSWER = "wrong-answer";
    static final String REFUSE = "refuse";
    static final String TIMEOUT = "timeout";
    static final String OPEN_TIMEOUT = "open-timeout";

    @Override
    public String name() {
        return "ic";
    }

    @Override
    public String summary() {
        return "talk to an integration component (heartbeat, shutdown, timesync, kvp) as the guest; versions and traffic";
    }

    @Override
    public String positionalUsage() {
        return "heartbeat|shutdown|timesync|kvp";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(withValue(ENDPOINT, "GUID", "endpoint type or instance GUID (default: the IC's class GUID on "
                        + "native, a host-model offer on fake/loopback)"))
                .addOption(flag(WATCH, "keep going until --count, --duration or Ctrl-C; JSON Lines with --json"))
                .addOption(withValue(COUNT, "N", "native: stop after N requests after the negotiation (default 3, none with "
                        + "--watch); fake/loopback: the host model sends N heartbeats or time samples"))
                .addOption(withValue(DURATION, "SECONDS", "with --watch: stop after this long"))
                .addOption(withValue(INTERVAL, "MS", "fake/loopback: the host model's pause between requests (default 200)"))
                .addOption(flag(FAIL_NEXT, "fail the first request after the negotiation (VmbChannelPacketFail) and "
                        + "record what the host does next"))
                .addOption(flag(STOP_ANSWERING, "complete requests after the negotiation without answering them"))
                .addOption(flag(WRONG_ANSWER, "heartbeat: answer with the request's own sequence number, not plus one"))
                .addOption(flag(REFUSE, "shutdown: refuse the request (MACHINE_LOCKED) instead of accepting it"))
                .addOption(withValue(TIMEOUT, "SECONDS", "give up waiting for the negotiation or the next request "
                        + "after this long (default 10 on fake/loopback, 60 on native)"))
                .addOption(withValue(OPEN_TIMEOUT, "SECONDS", "wait this long for the channel to open (default 10)"));
    }

    @Override
    public String helpFooter() {
        return "The guest side never acts on a request: shutdown is answered, not performed; time samples are shown,\n"
                + "the clock is not set. After --fail-next the channel's incoming queue is stopped until it closes.\n"
                + "Examples: kmcl-diag --backend fake ic heartbeat --count 5\n"
                + "          kmcl-diag --backend loopback ic kvp --json\n"
                + "          kmcl-diag --backend native ic heartbeat --watch --duration 30   (unverified on Hyper-V)";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        OptionValues v = inv.options();
        IcService service = service(v);
        boolean watch = v.has(WATCH);
        int count = v.intValue(COUNT, watch && !v.has(COUNT) ? Integer.MAX_VALUE : 3, 1, Integer.MAX_VALUE);
        Duration interval = Duration.ofMillis(v.intValue(INTERVAL, 200, 0, 3_600_000));
        Duration openTimeout = v.seconds(OPEN_TIMEOUT, Duration.ofSeconds(10));
        Kmcl kmcl = inv.kmcl();
        Optional<Peer> peer = kmcl.peer();
        Duration timeout = v.seconds(TIMEOUT, Duration.ofSeconds(peer.isPresent() ? 10 : 60));
        Optional<Duration> duration = v.has(DURATION) ? Optional.of(v.seconds(DURATION, Duration.ZERO)) : Optional.empty();
        if (v.has(DURATION) && !watch) {
            throw DiagFailure.usage("--" + DURATION + " needs --" + WATCH);
        }
        if (v.has(WRONG_ANSWER) && service != IcService.HEARTBEAT) {
            throw DiagFailure.usage("--" + WRONG_ANSWER + " is for heartbeat only");
        }
        if (v.has(REFUSE) && service != IcService.SHUTDOWN) {
            throw DiagFailure.usage("--" + REFUSE + " is for shutdown only");
        }
        if (v.has(INTERVAL) && peer.isEmpty()) {
            throw DiagFailure.usage("--" + INTERVAL + " paces the host model, which needs a backend with a peer (fake or loopback)");
        }
        Endpoint endpoint = IcEndpoints.resolve(kmcl, service, v.has(ENDPOINT) ? Optional.of(v.guid(ENDPOINT)) : Optional.empty());
        BlockingQueue<Object> feed = new LinkedBlockingQueue<>();
        IcGuestClient guest = IcGuests.create(service, v.has(REFUSE));
        boolean failNext = v.has(FAIL_NEXT);
        boolean stopAnswering = v.has(STOP_ANSWERING);
        guest.onTraffic(e -> {
            if (e.type().equals("NEGOTIATE") && e.action() == IcTrafficEvent.Action.ANSWERED) {
                // the switches apply after the negotiation, so the host still gets its versions
                if (failNext) {
                    guest.failNextRequest();
                }
                if (stopAnswering) {
                    guest.setAnswering(false);
                }
            }
            feed.add(e);
        });
        if (v.has(WRONG_ANSWER)) {
            ((HeartbeatClient) guest).setAnswerWrongly(true);
        }
        IcOutput output = new IcOutput(inv, service, watch);
        Thread hostThread = null;
        IcHostScript script = null;
        try {
            try {
                guest.attach(kmcl, endpoint, openTimeout);
            } catch (IllegalStateException notOpen) {
                throw DiagFailure.timeout(notOpen.getMessage());
            }
            output.opened(endpoint, guest.channel().id(), peer.isPresent());
            if (peer.isPresent()) {
                IcHostModel host = new IcHostModel(peer.get(), guest.channel().id(), service, IcHostScript.ANSWER_WAIT);
                script = new IcHostScript(host, service, count, interval, feed::add);
                final IcHostScript s = script;
                hostThread = new Thread(() -> {
                    try {
                        s.run();
                    } finally {
                        feed.add(IcOutput.HOST_DONE);
                    }
                }, "kmcl-diag ic host model");
                hostThread.setDaemon(true);
                hostThread.start();
            }
            long end = duration.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
            boolean hostDone = false;
            while (true) {
                // with a host model its script decides how much traffic there is; with the real host, --count does
                if ((peer.isEmpty() && output.requests() >= count) || (hostDone && feed.isEmpty())) {
                    break;
                }
                long waitNanos = Math.min(timeout.toNanos(), end == Long.MAX_VALUE ? Long.MAX_VALUE : end - System.nanoTime());
                if (waitNanos <= 0) {
                    break;
                }
                Object item = feed.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (item == null) {
                    if (System.nanoTime() - end >= 0) {
                        break;
                    }
                    output.noMoreWithin(timeout);
                    break;
                }
                hostDone |= item == IcOutput.HOST_DONE;
                show(output, item);
            }
            stopHost(script, hostThread);
            for (Object item = feed.poll(); item != null; item = feed.poll()) {
                show(output, item);
            }
        } finally {
            stopHost(script, hostThread);
            guest.close();
        }
        output.finish(guest.negotiated());
        if (guest.negotiated().isEmpty() && output.negotiationsSeen() == 0) {
            throw DiagFailure.timeout("no version negotiation from the host within " + timeout.toSeconds()
                    + " s (is the host's " + service.word() + " service enabled for this VM?)");
        }
        return ExitCode.OK;
    }

    private static void show(IcOutput output, Object item) {
        if (item instanceof IcTrafficEvent e) {
            output.guestEvent(e);
        } else if (item instanceof HostExchange h) {
            output.hostExchange(h);
        }
    }

    private static void stopHost(IcHostScript script, Thread hostThread) throws InterruptedException {
        if (script != null) {
            script.stop();
        }
        if (hostThread != null) {
            hostThread.join(IcHostScript.ANSWER_WAIT.toMillis() + 1000); // its exchange in progress ends within the answer wait
        }
    }

    private static IcService service(OptionValues v) {
        String[] args = v.positional();
        if (args.length != 1) {
            throw DiagFailure.usage("name one integration component: heartbeat, shutdown, timesync or kvp");
        }
        return IcService.parse(args[0]).orElseThrow(() -> DiagFailure.badInput("unknown integration component "
                + EchoedText.quote(args[0]) + "; choose heartbeat, shutdown, timesync or kvp"));
    }

    static Map<String, Object> endpointJson(Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("name", e.name());
        m.put("type", e.interfaceType().toString());
        m.put("instance", e.interfaceInstance().toString());
        return m;
    }
}
