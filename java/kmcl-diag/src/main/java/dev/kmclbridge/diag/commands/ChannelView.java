package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.ChannelStatus;
import dev.kmclbridge.diag.AsciiNumbers;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A channel's state and counters as a JSON-ready map and as table text. */
final class ChannelView {
    private ChannelView() {
    }

    static String id(Channel c) {
        return "0x" + Long.toHexString(c.id());
    }

    static Map<String, Object> state(Channel c) {
        ChannelStatus s = c.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id(c));
        m.put("endpoint", EndpointsCommand.displayName(c.endpoint()));
        m.put("role", c.isServer() ? "server" : "client");
        m.put("state", s.state().name());
        m.put("paused", s.paused());
        m.put("open", s.open());
        m.put("queueStopped", s.queueStopped());
        m.put("outgoingStalled", s.outgoingStalled());
        m.put("interfaceInstance", s.interfaceInstance().map(Object::toString).orElse(null));
        return m;
    }

    static Map<String, Object> counters(Channel c) {
        ChannelStatistics t = c.statistics();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("packetsIn", t.packetsIn());
        m.put("bytesIn", t.bytesIn());
        m.put("packetsOut", t.packetsOut());
        m.put("bytesOut", t.bytesOut());
        m.put("completionsSent", t.completionsSent());
        m.put("completionsReceived", t.completionsReceived());
        m.put("packetsFailed", t.packetsFailed());
        m.put("pendingIncoming", t.pendingIncoming());
        m.put("pendingOutgoing", t.pendingOutgoing());
        m.put("queuedOutgoing", t.queuedOutgoing());
        m.put("queueHighWater", t.queueHighWater());
        m.put("ringFullEvents", t.ringFullEvents());
        m.put("outgoingRingFree", t.outgoingRingFree());
        m.put("incomingRingUsed", t.incomingRingUsed());
        m.put("batches", t.batches());
        return m;
    }

    /** The channels named by --channel (hex "0x.." or decimal), or all of them when not given. */
    static List<Channel> select(List<Channel> all, String idText) {
        if (idText == null) {
            return all;
        }
        long id = AsciiNumbers.integerOrHex(idText).orElseThrow(() -> DiagFailure.badInput("--channel: "
                + EchoedText.quote(idText) + " is not a channel id (decimal or 0x hex)"));
        return all.stream().filter(c -> c.id() == id).findFirst().map(List::of)
                .orElseThrow(() -> DiagFailure.badInput("unknown channel " + EchoedText.value(idText) + " (this process has "
                        + (all.isEmpty() ? "no channels" : "channels " + all.stream().map(ChannelView::id).toList()) + ")"));
    }
}
