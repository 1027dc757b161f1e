package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.diag.OptionValues;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** The options every traffic command shares: which endpoint, how long to wait for the channel to open. */
public final class ChannelOptions {
    public static final String ENDPOINT = "endpoint";
    public static final String OPEN_TIMEOUT = "open-timeout";
    public static final String MAX_PACKET = "max-packet-size";

    private ChannelOptions() {
    }

    /** Adds --endpoint, --open-timeout and --max-packet-size to {@code o}. */
    public static Options addTo(Options o) {
        o.addOption(Option.builder().longOpt(ENDPOINT).hasArg().argName("GUID")
                .desc("endpoint by class (type) or instance GUID; required on native, optional on fake/loopback "
                        + "(default: a fresh peer offer made by this process)").get());
        o.addOption(Option.builder().longOpt(OPEN_TIMEOUT).hasArg().argName("SECONDS")
                .desc("how long to wait for the channel to open (default 10)").get());
        o.addOption(Option.builder().longOpt(MAX_PACKET).hasArg().argName("BYTES")
                .desc("VmbChannelInitSetMaximumPacketSize for the channel (default: KMCL's)").get());
        return o;
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
