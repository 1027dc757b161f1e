package dev.kmclbridge.ic.guest;

import dev.kmclbridge.ic.HeartbeatMessage;
import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;

import java.util.Map;

/** Guest heartbeat: answers each request with the sequence number plus one (or, switched, with a wrong one). */
public final class HeartbeatClient extends IcGuestClient {
    private volatile boolean answerWrongly;

    /** A heartbeat client, not yet attached. */
    public HeartbeatClient() {
        super(IcService.HEARTBEAT);
    }

    /** Answers with the request's own sequence number (not plus one) while true, to see what the host does. */
    public void setAnswerWrongly(boolean wrong) {
        this.answerWrongly = wrong;
    }

    @Override
    protected IcReply answer(IcMessage request) {
        HeartbeatMessage beat = HeartbeatMessage.decode(request.body());
        long answer = answerWrongly ? beat.sequenceNumber() : beat.sequenceNumber() + 1;
        return new IcReply(HeartbeatMessage.withSequence(request.body(), answer), IcStatus.OK,
                "heartbeat #" + Long.toUnsignedString(beat.sequenceNumber()) + " -> answered "
                        + Long.toUnsignedString(answer) + (answerWrongly ? " (wrong on purpose)" : ""),
                Map.of("sequence", beat.sequenceNumber(), "answered", answer));
    }
}
