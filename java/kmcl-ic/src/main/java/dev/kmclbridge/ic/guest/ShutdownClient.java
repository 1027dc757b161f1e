package dev.kmclbridge.ic.guest;

import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.ShutdownMessage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/**
 * Guest shutdown: receives the host's request and answers with the status a policy chooses. It never shuts
 * anything down; the requests are kept for the test or the user to look at.
 */
public final class ShutdownClient extends IcGuestClient {
    private final List<ShutdownMessage> requests = new CopyOnWriteArrayList<>();
    private volatile ToIntFunction<ShutdownMessage> policy = r -> IcStatus.OK;

    /** A shutdown client that accepts every request, not yet attached. */
    public ShutdownClient() {
        super(IcService.SHUTDOWN);
    }

    /** Chooses the answer status per request ({@link IcStatus#OK} accepts, e.g. {@link IcStatus#MACHINE_LOCKED} refuses). */
    public void setPolicy(ToIntFunction<ShutdownMessage> statusForRequest) {
        this.policy = java.util.Objects.requireNonNull(statusForRequest);
    }

    /** The shutdown requests received, oldest first. */
    public List<ShutdownMessage> requests() {
        return List.copyOf(requests);
    }

    @Override
    protected IcReply answer(IcMessage request) {
        ShutdownMessage m = ShutdownMessage.decode(request.body());
        requests.add(m);
        int status = policy.applyAsInt(m);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("reason", String.format("0x%08x", m.reasonCode()));
        d.put("timeoutSeconds", m.timeoutSeconds());
        d.put("action", m.action());
        d.put("message", m.message());
        d.put("status", IcStatus.describe(status));
        return new IcReply(request.body(), status, "shutdown request: " + m.action() + " within " + m.timeoutSeconds()
                + " s, reason " + String.format("0x%08x", m.reasonCode()) + (m.message().isEmpty() ? "" : ", \"" + m.message() + "\"")
                + " -> " + (status == IcStatus.OK ? "accepted" : "refused (" + IcStatus.describe(status) + ")"), d);
    }
}
