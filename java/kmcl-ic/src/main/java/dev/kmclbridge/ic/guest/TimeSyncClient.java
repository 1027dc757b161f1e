package dev.kmclbridge.ic.guest;

import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.TimeSyncMessage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Guest time sync: records every sample with the host time, its flags and the offset from this machine's clock,
 * and answers as Linux does (the request echoed). It never sets the clock.
 */
public final class TimeSyncClient extends IcGuestClient {
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Clock clock;

    /** One sample as received. */
    public record Sample(TimeSyncMessage message, Instant receivedAt, Duration hostAhead) {
    }

    /** A time sync client reading this machine's clock, not yet attached. */
    public TimeSyncClient() {
        this(Clock.systemUTC());
    }

    /** A time sync client comparing samples with {@code clock}. */
    public TimeSyncClient(Clock clock) {
        super(IcService.TIME_SYNC);
        this.clock = clock;
    }

    /** The samples received, oldest first. */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    protected IcReply answer(IcMessage request) {
        TimeSyncMessage m = TimeSyncMessage.decode(TimeSyncMessage.Layout.forVersion(request.header().messageVersion()),
                request.body());
        Instant now = clock.instant();
        Duration ahead = m.offsetFrom(now);
        samples.add(new Sample(m, now, ahead));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("hostTime", m.hostInstant().toString());
        d.put("flags", m.flagNames());
        d.put("hostAheadMillis", ahead.toNanos() / 1e6);
        return new IcReply(request.body(), IcStatus.OK, "time " + m.flagNames() + ": host " + m.hostInstant()
                + ", host ahead of us by " + String.format("%.3f", ahead.toNanos() / 1e6) + " ms", d);
    }
}
