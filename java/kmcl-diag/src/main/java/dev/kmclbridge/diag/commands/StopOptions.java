package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.OptionValues;
import org.apache.commons.cli.Options;

import java.time.Duration;

import static dev.kmclbridge.diag.LongOption.withValue;

/** --count and --duration of the commands that listen to a channel until told to stop (watch, capture). */
final class StopOptions {
    static final String COUNT = "count";
    static final String DURATION = "duration";

    private StopOptions() {
    }

    /** Adds --count (with the command's wording) and --duration to {@code o}. */
    static Options addTo(Options o, String countDescription) {
        return o.addOption(withValue(COUNT, "N", countDescription))
                .addOption(withValue(DURATION, "SECONDS", "stop after SECONDS (default: fake/loopback 10, native unlimited)"));
    }

    /** --count, unlimited when not given; read before the channel opens so a bad value fails early. */
    static long count(OptionValues v) {
        return v.longValue(COUNT, Long.MAX_VALUE, 1, Long.MAX_VALUE);
    }

    /** The packets to stop after: without --count, as many as the peer generates (when it generates any). */
    static long count(OptionValues v, long count, int generate) {
        return !v.has(COUNT) && generate > 0 ? generate : count;
    }

    /** --duration; by default 10 s with a peer (fake/loopback) and practically unlimited without (native). */
    static Duration duration(OptionValues v, boolean hasPeer) {
        return v.seconds(DURATION, hasPeer ? Duration.ofSeconds(10) : Duration.ofDays(3650));
    }
}
