package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.peer.Peer;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.Optional;

import static dev.kmclbridge.diag.LongOption.flag;
import static dev.kmclbridge.diag.LongOption.withValue;

/** --generate / --interval / --generate-hex / --no-completion-request: incoming traffic the peer makes on fake/loopback. */
public final class GeneratorOptions {
    public static final String GENERATE = "generate";
    public static final String INTERVAL = "interval";
    public static final String GENERATE_HEX = "generate-hex";
    public static final String NO_COMPLETION = "no-completion-request";

    private GeneratorOptions() {
    }

    public static Options addTo(Options o, int defaultCount) {
        return o.addOption(withValue(GENERATE, "N", "fake/loopback: the peer sends N packets to us (default " + defaultCount
                        + "; 0 = none)"))
                .addOption(withValue(INTERVAL, "MILLIS", "fake/loopback: pause between generated packets (default 20)"))
                .addOption(withValue(GENERATE_HEX, "HEX",
                        "fake/loopback: generated packets carry this payload (default: numbered samples)"))
                .addOption(flag(NO_COMPLETION, "fake/loopback: generated packets do not request a completion"));
    }

    /** How many packets to generate: the --generate value or the default on a peer backend, 0 otherwise. */
    public static int count(OptionValues v, boolean hasPeer, int defaultCount) {
        if (!hasPeer && (v.has(GENERATE) || v.has(GENERATE_HEX))) {
            throw DiagFailure.usage("--" + GENERATE + " and --" + GENERATE_HEX
                    + " need a backend with a peer (fake or loopback); on native the traffic comes from the real device");
        }
        return hasPeer ? v.intValue(GENERATE, defaultCount, 0, 10_000_000) : 0;
    }

    /** Starts the generator when there is anything to generate. */
    public static Optional<PeerTraffic> start(OptionValues v, Optional<Peer> peer, long channel, int count) {
        if (peer.isEmpty() || count == 0) {
            return Optional.empty();
        }
        Duration interval = Duration.ofMillis(v.longValue(INTERVAL, 20, 0, 3_600_000));
        Optional<byte[]> fixed = v.has(GENERATE_HEX) ? Optional.of(v.hex(GENERATE_HEX, null)) : Optional.empty();
        return Optional.of(PeerTraffic.start(peer.get(), channel, count, interval, fixed, !v.has(NO_COMPLETION)));
    }

    /**
     * Validates the generator options before the backend is opened (bad hex/number fail early); a --generate-hex
     * payload larger than {@code limit} is refused: the channel would drop every packet and watch nothing.
     */
    public static void validate(OptionValues v, PacketSizeLimit limit) {
        v.longValue(INTERVAL, 20, 0, 3_600_000);
        if (v.has(GENERATE_HEX)) {
            limit.check("--" + GENERATE_HEX, v.hex(GENERATE_HEX, null).length);
        }
        v.intValue(GENERATE, 0, 0, 10_000_000);
    }
}
