package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.diag.OptionValues;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import static dev.kmclbridge.diag.LongOption.withValue;

/** The options every traffic command shares: which endpoint, how long to wait for the channel to open. */
public final class ChannelOptions {
    public static final String ENDPOINT = "endpoint";
    public static final String OPEN_TIMEOUT = "open-timeout";
    public static final String MAX_PACKET = "max-packet-size";

    private ChannelOptions() {
    }

    /** Adds --endpoint, --open-timeout and --max-packet-size to {@code o}. */
    public static Options addTo(Options o) {
        return o.addOption(withValue(ENDPOINT, "GUID", "endpoint by class (type) or instance GUID; required on native, "
                        + "optional on fake/loopback (default: a fresh peer offer made by this process)"))
                .addOption(withValue(OPEN_TIMEOUT, "SECONDS", "how long to wait for the channel to open (default 10)"))
                .addOption(withValue(MAX_PACKET, "BYTES", "VmbChannelInitSetMaximumPacketSize for the channel (default: KMCL's)"));
    }

    /** Opens the channel these options describe, with {@code handler} installed (see {@link ChannelRig#open}). */
    public static ChannelRig open(Kmcl kmcl, OptionValues v, PacketHandler handler) {
        return ChannelRig.open(kmcl, endpoint(v), config(v), handler, openTimeout(v));
    }

    public static Optional<UUID> endpoint(OptionValues v) {
        return v.has(ENDPOINT) ? Optional.of(v.guid(ENDPOINT)) : Optional.empty();
    }

    public static Duration openTimeout(OptionValues v) {
        return v.seconds(OPEN_TIMEOUT, Duration.ofSeconds(10));
    }

    public static ChannelConfig config(OptionValues v) {
        ChannelConfig.Builder b = ChannelConfig.builder().friendlyName("kmcl-diag");
        if (v.has(MAX_PACKET)) {
            b.maximumPacketSize(v.intValue(MAX_PACKET, 0, 1, Integer.MAX_VALUE));
        }
        return b.build();
    }
}
