package dev.kmclbridge.diag.ic;

import dev.kmclbridge.ic.HeartbeatMessage;
import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcMessageType;
import dev.kmclbridge.ic.IcNegotiation;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.KvpMessage;
import dev.kmclbridge.ic.MalformedIcMessageException;
import dev.kmclbridge.ic.host.HostExchange;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the host model saw of one exchange, in plain words and as JSON fields. */
final class HostExchangeWords {
    private HostExchangeWords() {
    }

    static String describe(HostExchange e) {
        IcMessage req = e.request();
        String what = req.header().messageType().name().toLowerCase(Locale.ROOT) + " tx " + req.header().transactionId();
        return switch (e.outcome()) {
            case ANSWERED -> what + " answered: " + answer(e.requireResponse());
            case FAILED_BY_GUEST -> what + " failed by the guest (VmbChannelPacketFail); no answer will come";
            case NOT_ANSWERED -> what + " not answered";
            case MALFORMED_ANSWER -> what + " answered with bytes that are not an IC message";
        } + (e.strays() > 0 ? " (" + e.strays() + " stray answers skipped)" : "");
    }

    static Map<String, Object> json(HostExchange e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("request", e.request().header().messageType().name());
        m.put("transactionId", e.request().header().transactionId());
        m.put("outcome", e.outcome().name());
        e.response().ifPresent(r -> {
            m.put("status", IcStatus.describe(r.header().status()));
            m.put("answer", answer(r));
        });
        return m;
    }

    private static String answer(IcMessage r) {
        String status = r.header().status() == IcStatus.OK ? "" : "status " + IcStatus.describe(r.header().status()) + ", ";
        try {
            IcMessageType type = r.header().messageType();
            return status + switch (type) {
                case NEGOTIATE -> {
                    IcNegotiation n = IcNegotiation.decode(r.body());
                    yield "framework " + n.chosenFramework() + ", message " + n.chosenMessage();
                }
                case HEARTBEAT -> "sequence " + Long.toUnsignedString(HeartbeatMessage.decode(r.body()).sequenceNumber());
                case KVP_EXCHANGE -> {
                    KvpMessage k = KvpMessage.decode(r.body());
                    yield k.operation().name().toLowerCase(Locale.ROOT) + " " + k.poolName() + (k.key().isEmpty() ? ""
                            : "/" + k.key() + " = " + k.value());
                }
                default -> r.body().length + " bytes";
            };
        } catch (MalformedIcMessageException bad) {
            return status + "undecodable answer (" + bad.getMessage() + ")";
        }
    }
}
