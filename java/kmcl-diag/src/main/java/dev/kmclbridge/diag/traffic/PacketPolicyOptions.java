package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.OptionValues;
import org.apache.commons.cli.Options;

import static dev.kmclbridge.diag.LongOption.withValue;

/** --complete, --fail and --completion-payload (watch, capture): the {@link PacketPolicy} given on the command line. */
public final class PacketPolicyOptions {
    public static final String COMPLETE = "complete";
    public static final String FAIL = "fail";
    public static final String COMPLETION_PAYLOAD = "completion-payload";

    /** The help text of a FILTER value (every command that takes one shows it). */
    public static final String FILTER_HELP = "FILTER: all | none | terms joined with ',' (all must hold): prefix=HEX, contains=HEX,\n"
            + "        len=N, len>N, len<N, nth=N (the N-th packet delivered, 1-based).\n";

    private PacketPolicyOptions() {
    }

    /** Adds --complete, --fail and --completion-payload to {@code o}. */
    public static Options addTo(Options o) {
        return o.addOption(withValue(COMPLETE, "FILTER",
                        "complete packets matching FILTER (default all); the others not failed are held until exit"))
                .addOption(withValue(FAIL, "FILTER",
                        "fail packets matching FILTER (VmbChannelPacketFail: stops the incoming queue; default none)"))
                .addOption(withValue(COMPLETION_PAYLOAD, "HEX", "completion payload for completed packets (default empty)"));
    }

    /** The policy: complete by --complete (default all), fail by --fail (default none). */
    public static PacketPolicy policy(OptionValues v) {
        return new PacketPolicy(PacketFilter.parse("--" + COMPLETE, v.string(COMPLETE, "all")),
                PacketFilter.parse("--" + FAIL, v.string(FAIL, "none")), v.hex(COMPLETION_PAYLOAD, new byte[0]));
    }
}
