package dev.kmclbridge.diag.ic;

import dev.kmclbridge.Endpoint;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.ic.IcNegotiation;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.guest.IcTrafficEvent;
import dev.kmclbridge.ic.host.HostExchange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The output of {@code kmcl-diag ic}: one line per request the guest saw (and, on fake/loopback, one per exchange
 * the host model saw) as they happen, then a summary. With --json: one document at the end, or with --watch JSON
 * Lines ({@code "record": "guest" | "host" | "end"}).
 */
final class IcOutput {
    /** Marks the end of the host model's script in the command's feed. */
    static final Object HOST_DONE = new Object();

    private final Invocation inv;
    private final IcService service;
    private final boolean stream;
    private final long startNanos = System.nanoTime();
    private final Map<IcTrafficEvent.Action, Integer> actions = new EnumMap<>(IcTrafficEvent.Action.class);
    private final List<Map<String, Object>> guestJson = new ArrayList<>();
    private final List<Map<String, Object>> hostJson = new ArrayList<>();
    private final Map<String, Object> header = new LinkedHashMap<>();
    private int requests;
    private int negotiations;
    private int seq;
    private String waitNote = "";

    IcOutput(Invocation inv, IcService service, boolean watch) {
        this.inv = inv;
        this.service = service;
        this.stream = watch;
        for (IcTrafficEvent.Action a : IcTrafficEvent.Action.values()) {
            actions.put(a, 0);
        }
    }

    /** Requests after the negotiation the guest saw so far. */
    int requests() {
        return requests;
    }

    /** NEGOTIATE requests the guest saw. */
    int negotiationsSeen() {
        return negotiations;
    }

    void opened(Endpoint endpoint, long channel, boolean hostModel) {
        header.put("record", "start");
        header.put("service", service.word());
        header.put("backend", inv.backendChoice().name());
        header.put("endpoint", IcCommand.endpointJson(endpoint));
        header.put("channel", String.format("0x%x", channel));
        header.put("host", hostModel ? "kmcl-ic host model (in this process)" : "the real host");
        if (inv.json()) {
            if (stream) {
                inv.printJsonLine(header);
            }
            return;
        }
        inv.out().printf("%s: channel 0x%x to endpoint %d (%s, instance %s); the other side is %s%n", service.word(), channel,
                endpoint.id(), endpoint.name(), endpoint.interfaceInstance(), header.get("host"));
    }

    void guestEvent(IcTrafficEvent e) {
        seq++;
        if (e.type().equals("NEGOTIATE")) {
            negotiations++;
        } else {
            requests++;
            actions.merge(e.action(), 1, Integer::sum); // the counts are of the requests after the negotiation
        }
        double at = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record", "guest");
        m.put("seq", seq);
        m.put("atSeconds", Math.round(at * 1e6) / 1e6);
        m.put("type", e.type());
        m.put("transactionId", e.transactionId());
        m.put("action", e.action().name());
        m.put("summary", e.summary());
        m.put("details", e.details());
        emit(m, String.format("#%d +%.3fs %s", seq, at, e.summary()) + (e.action() == IcTrafficEvent.Action.ANSWERED ? "" : "  [" + e.action() + "]"));
        guestJson.add(m);
    }

    void hostExchange(HostExchange h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record", "host");
        m.putAll(HostExchangeWords.json(h));
        emit(m, "   host model: " + HostExchangeWords.describe(h));
        hostJson.add(m);
    }

    void noMoreWithin(Duration timeout) {
        waitNote = "nothing more arrived within " + timeout.toMillis() / 1000.0 + " s";
        if (!inv.json()) {
            inv.out().println(waitNote);
        }
    }

    private void emit(Map<String, Object> json, String text) {
        if (inv.json()) {
            if (stream) {
                inv.printJsonLine(json);
            }
        } else {
            inv.out().println(text);
            inv.out().flush();
        }
    }

    void finish(Optional<IcNegotiation> negotiated) {
        Map<String, Object> end = new LinkedHashMap<>(header);
        end.put("record", "end");
        end.put("framework", negotiated.map(n -> n.chosenFramework().toString()).orElse(""));
        end.put("message", negotiated.map(n -> n.chosenMessage().toString()).orElse(""));
        end.put("negotiations", negotiations);
        end.put("requests", requests);
        Map<String, Object> counts = new LinkedHashMap<>();
        actions.forEach((a, n) -> counts.put(a.name().toLowerCase(java.util.Locale.ROOT), n));
        end.put("counts", counts);
        end.put("note", waitNote);
        if (inv.json()) {
            if (stream) {
                inv.printJsonLine(end);
            } else {
                end.remove("record");
                end.put("guest", guestJson);
                end.put("hostModel", hostJson);
                inv.printJson(end);
            }
            return;
        }
        String versions = negotiated.map(n -> "framework " + n.chosenFramework() + ", message " + n.chosenMessage())
                .orElse(negotiations > 0 ? "no common version" : "not negotiated");
        inv.out().printf("%s: %s; %d request(s) after the negotiation: %d answered, %d not answered, %d failed, %d malformed%n",
                service.word(), versions, requests, counts.get("answered"), counts.get("not_answered"), counts.get("failed"),
                counts.get("malformed"));
    }
}
