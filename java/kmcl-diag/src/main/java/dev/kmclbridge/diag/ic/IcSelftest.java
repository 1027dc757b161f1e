package dev.kmclbridge.diag.ic;

import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.ChannelStatus;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.guest.IcGuestClient;
import dev.kmclbridge.ic.guest.IcTrafficEvent;
import dev.kmclbridge.ic.host.HostExchange;
import dev.kmclbridge.peer.Peer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code selftest --endpoint IC}: the checks that need no scriptable peer, so they run against a real host's
 * integration component as well as against the host model on fake/loopback: bring-up, version negotiation, a
 * stream of requests answered, fail() of one request and what the host does next (recorded, not judged), close and
 * reopen. Heartbeat and time sync send periodic requests; for shutdown and KVP the stream and fail steps are
 * reported as not applicable (their host sends requests only when someone asks it to).
 */
public final class IcSelftest {
    private static final int STREAM = 3;

    private final Kmcl kmcl;
    private final IcService service;
    private final Optional<UUID> endpointGuid;
    private final Duration timeout;
    private final Duration observe;
    private final BlockingQueue<IcTrafficEvent> events = new LinkedBlockingQueue<>();
    private final List<IcSelftestStep> steps = new ArrayList<>();

    IcSelftest(Kmcl kmcl, IcService service, Optional<UUID> endpointGuid, Duration timeout) {
        this.kmcl = kmcl;
        this.service = service;
        this.endpointGuid = endpointGuid;
        this.timeout = timeout;
        this.observe = kmcl.peer().isPresent() ? Duration.ofMillis(1500) : Duration.ofSeconds(Math.min(10, timeout.toSeconds()));
    }

    /**
     * Runs the IC subset for {@code endpointText} (heartbeat, shutdown, timesync, kvp, or an IC's class or
     * instance GUID) and prints its table; exit 0 when no step failed.
     */
    public static ExitCode run(Invocation inv, String endpointText, Duration timeout) throws InterruptedException {
        if (inv.options().has("package") || inv.options().has("classes")) {
            throw DiagFailure.usage("--endpoint runs the IC subset, which has no --package or --classes to choose");
        }
        Kmcl kmcl = inv.kmcl();
        Optional<IcService> named = IcService.parse(endpointText);
        Optional<UUID> guid = Optional.empty();
        IcService service;
        if (named.isPresent()) {
            service = named.get();
        } else {
            UUID g;
            try {
                g = UUID.fromString(endpointText.trim());
            } catch (IllegalArgumentException e) {
                throw DiagFailure.badInput("--endpoint: " + EchoedText.quote(endpointText) + " is neither heartbeat, shutdown, "
                        + "timesync, kvp nor a GUID");
            }
            Endpoint ep = ChannelRig.findEndpoint(kmcl.endpoints(), g);
            service = IcService.parse(ep.interfaceType().toString()).orElseThrow(() -> DiagFailure.badInput("--endpoint: "
                    + ep.name() + " (class " + ep.interfaceType() + ") is not an integration component this selftest knows"));
            guid = Optional.of(g);
        }
        IcSelftest t = new IcSelftest(kmcl, service, guid, timeout);
        List<IcSelftestStep> result = t.runSteps();
        long failed = result.stream().filter(s -> s.result().equals("FAIL")).count();
        String host = kmcl.peer().isPresent() ? "kmcl-ic host model" : "the real host";
        if (inv.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("endpoint", service.word());
            m.put("backend", inv.backendChoice().name());
            m.put("host", host);
            m.put("steps", result);
            m.put("passed", result.stream().filter(s -> s.result().equals("PASS")).count());
            m.put("failed", failed);
            m.put("observed", result.stream().filter(s -> s.result().equals("OBSERVED")).count());
            m.put("allPassed", failed == 0);
            inv.printJson(m);
        } else {
            print(inv.out(), service, inv.backendChoice().name(), host, result, failed);
        }
        return failed == 0 ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    private static void print(PrintStream out, IcService service, String backend, String host, List<IcSelftestStep> steps,
                              long failed) {
        out.printf("IC selftest: %s on backend %s (the host side is %s)%n", service.word(), backend, host);
        out.printf("%-13s %-8s %s%n", "STEP", "RESULT", "DETAIL");
        for (IcSelftestStep s : steps) {
            out.printf("%-13s %-8s %s%n", s.step(), s.result(), s.detail());
        }
        out.printf("%d steps: %d passed, %d failed, %d observed (recorded host behavior, not judged)%n", steps.size(),
                steps.stream().filter(s -> s.result().equals("PASS")).count(), failed,
                steps.stream().filter(s -> s.result().equals("OBSERVED")).count());
        out.println(failed == 0 ? "SELFTEST PASSED" : "SELFTEST FAILED");
    }

    List<IcSelftestStep> runSteps() throws InterruptedException {
        Optional<Peer> peer = kmcl.peer();
        boolean periodic = service == IcService.HEARTBEAT || service == IcService.TIME_SYNC;
        try (IcHostSide host = new IcHostSide(peer, service, Duration.ofMillis(50))) {
            Endpoint endpoint = IcEndpoints.resolve(kmcl, service, endpointGuid);
            IcGuestClient guest = IcGuests.create(service, false);
            guest.onTraffic(events::add);
            try {
                if (!bringUp(guest, endpoint, host) || !negotiation("negotiation", guest)) {
                    return steps;
                }
                if (periodic) {
                    stream(guest);
                    if (failOne(guest)) {
                        afterFail(guest, host);
                    }
                } else {
                    steps.add(IcSelftestStep.observed("requests", "not applicable: the " + service.word()
                            + " host sends requests only when asked to; stream and fail steps skipped"));
                }
                closeAndReopen(guest, host, periodic);
            } finally {
                guest.close();
            }
        }
        return steps;
    }

    private boolean bringUp(IcGuestClient guest, Endpoint endpoint, IcHostSide host) throws InterruptedException {
        long t0 = System.nanoTime();
        try {
            guest.attach(kmcl, endpoint, timeout);
        } catch (RuntimeException e) {
            steps.add(IcSelftestStep.fail("bring-up", "channel to endpoint " + endpoint.id() + " (" + endpoint.name()
                    + ") did not open: " + e.getMessage()));
            return false;
        }
        host.channelOpened(guest.channel().id());
        steps.add(IcSelftestStep.pass("bring-up", String.format("channel 0x%x to endpoint %d (%s) %s after %.1f ms",
                guest.channel().id(), endpoint.id(), endpoint.name(), guest.channel().state(), (System.nanoTime() - t0) / 1e6)));
        return true;
    }

    private boolean negotiation(String step, IcGuestClient guest) throws InterruptedException {
        Optional<IcTrafficEvent> e = next(ev -> ev.type().equals("NEGOTIATE"));
        if (e.isEmpty()) {
            steps.add(IcSelftestStep.fail(step, "no version negotiation from the host within " + seconds(timeout)));
            return false;
        }
        if (guest.negotiated().isEmpty()) {
            steps.add(IcSelftestStep.fail(step, e.get().summary()));
            return false;
        }
        steps.add(IcSelftestStep.pass(step, "framework " + guest.negotiated().get().chosenFramework() + ", message "
                + guest.negotiated().get().chosenMessage() + " (offered " + e.get().details().get("offeredFramework")
                + " / " + e.get().details().get("offeredMessage") + ")"));
        return true;
    }

    private void stream(IcGuestClient guest) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < STREAM; i++) {
            Optional<IcTrafficEvent> e = next(ev -> !ev.type().equals("NEGOTIATE"));
            if (e.isEmpty()) {
                steps.add(IcSelftestStep.fail("requests", seen.size() + " of " + STREAM + " requests within "
                        + seconds(timeout) + " each" + (seen.isEmpty() ? "" : ": " + String.join("; ", seen))));
                return;
            }
            if (e.get().action() != IcTrafficEvent.Action.ANSWERED) {
                steps.add(IcSelftestStep.fail("requests", "request not answered: " + e.get().summary()));
                return;
            }
            seen.add(e.get().summary());
        }
        steps.add(IcSelftestStep.pass("requests", STREAM + " answered: " + String.join("; ", seen)));
    }

    private boolean failOne(IcGuestClient guest) throws InterruptedException {
        guest.failNextRequest();
        // The host keeps sending while the switch is armed: requests the guest handled before the switch took
        // effect come first in the (ordered) traffic and are answered; the first one handled after it is failed.
        List<String> answeredBefore = new ArrayList<>();
        Optional<IcTrafficEvent> e = next(ev -> {
            if (ev.type().equals("NEGOTIATE")) {
                return false;
            }
            if (ev.action() == IcTrafficEvent.Action.ANSWERED) {
                answeredBefore.add(ev.summary());
                return false;
            }
            return true;
        });
        String before = answeredBefore.isEmpty() ? ""
                : " (answered before the switch took effect: " + String.join("; ", answeredBefore) + ")";
        if (e.isEmpty() || e.get().action() != IcTrafficEvent.Action.FAILED) {
            steps.add(IcSelftestStep.fail("fail-one", e.map(IcTrafficEvent::summary)
                    .orElse("no request arrived within " + seconds(timeout) + " to fail") + before));
            return false;
        }
        steps.add(IcSelftestStep.pass("fail-one", e.get().summary() + before));
        return true;
    }

    /** Records what the host does in the window after the fail: more requests (held by the stopped queue)? a close? */
    private void afterFail(IcGuestClient guest, IcHostSide host) throws InterruptedException {
        List<IcTrafficEvent> delivered = new ArrayList<>();
        long end = System.nanoTime() + observe.toNanos();
        for (long left = observe.toNanos(); left > 0; left = end - System.nanoTime()) {
            IcTrafficEvent e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e != null) {
                delivered.add(e);
            }
        }
        ChannelStatus status = guest.channel().status();
        ChannelStatistics stats = guest.channel().statistics();
        StringBuilder d = new StringBuilder("within " + seconds(observe) + " after the fail: channel " + status.state()
                + (status.open() ? " and open" : ", closed by the host") + ", incoming queue "
                + (status.queueStopped() ? "stopped" : "running") + ", " + stats.incomingRingUsed()
                + " bytes waiting in the incoming ring (" + (stats.incomingRingUsed() > 0
                ? "the host sent again; the stopped queue holds it" : "the host sent nothing more") + ")");
        if (!delivered.isEmpty()) {
            d.append("; delivered anyway: ").append(delivered.stream().map(IcTrafficEvent::summary)
                    .collect(Collectors.joining("; ")));
        }
        if (host.isModel()) {
            List<HostExchange> model = host.seen();
            int failedAt = -1;
            for (int i = 0; i < model.size(); i++) {
                if (model.get(i).outcome() == HostExchange.Outcome.FAILED_BY_GUEST) {
                    failedAt = i;
                }
            }
            if (failedAt >= 0) {
                List<HostExchange> later = model.subList(failedAt + 1, model.size());
                d.append("; the host model saw its request failed, then ").append(later.isEmpty()
                        ? "is still waiting for an answer to its next request" : runs(later));
            }
        }
        steps.add(IcSelftestStep.observed("after-fail", d.toString()));
    }

    /** Outcomes as runs: "NOT_ANSWERED x12, ANSWERED". */
    private static String runs(List<HostExchange> exchanges) {
        List<String> out = new ArrayList<>();
        String current = null;
        int n = 0;
        for (HostExchange e : exchanges) {
            if (e.outcome().name().equals(current)) {
                n++;
                continue;
            }
            if (current != null) {
                out.add(n > 1 ? current + " x" + n : current);
            }
            current = e.outcome().name();
            n = 1;
        }
        out.add(n > 1 ? current + " x" + n : current);
        return String.join(", ", out);
    }

    private void closeAndReopen(IcGuestClient guest, IcHostSide host, boolean periodic) throws InterruptedException {
        try {
            guest.close();
            events.clear();
            guest.reopen(kmcl, timeout);
        } catch (RuntimeException e) {
            steps.add(IcSelftestStep.fail("close-reopen", "reopening failed: " + e.getMessage()));
            return;
        }
        host.channelOpened(guest.channel().id());
        if (!negotiation("reopen-nego", guest)) {
            return;
        }
        if (!periodic) {
            steps.add(IcSelftestStep.pass("close-reopen", String.format("new channel 0x%x negotiated again", guest.channel().id())));
            return;
        }
        Optional<IcTrafficEvent> e = next(ev -> !ev.type().equals("NEGOTIATE"));
        if (e.isEmpty() || e.get().action() != IcTrafficEvent.Action.ANSWERED) {
            steps.add(IcSelftestStep.fail("close-reopen", e.map(IcTrafficEvent::summary)
                    .orElse("no request on the new channel within " + seconds(timeout))));
            return;
        }
        steps.add(IcSelftestStep.pass("close-reopen", String.format("new channel 0x%x: %s", guest.channel().id(),
                e.get().summary())));
    }

    /** The next event matching {@code want} within the timeout; events that do not match are skipped. */
    private Optional<IcTrafficEvent> next(java.util.function.Predicate<IcTrafficEvent> want) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        for (long left = timeout.toNanos(); left > 0; left = end - System.nanoTime()) {
            IcTrafficEvent e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e != null && want.test(e)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + " s";
    }
}
