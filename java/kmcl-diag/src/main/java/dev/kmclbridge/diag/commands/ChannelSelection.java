package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Channel;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import org.apache.commons.cli.Options;

import java.util.List;
import java.util.Optional;

import static dev.kmclbridge.diag.LongOption.flag;
import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * --open and --channel (channels, stats): a fresh process owns no channels, so --open opens one first (closed
 * with this object); --channel narrows what is shown to one channel.
 */
final class ChannelSelection implements AutoCloseable {
    static final String OPEN = "open";
    static final String CHANNEL = "channel";

    private final Invocation inv;
    private final Optional<ChannelRig> opened;

    private ChannelSelection(Invocation inv, Optional<ChannelRig> opened) {
        this.inv = inv;
        this.opened = opened;
    }

    /** Adds --open and --channel to {@code o}. */
    static Options addTo(Options o) {
        return o.addOption(flag(OPEN, "open a channel first (to --endpoint, or a fresh peer offer on fake/loopback)"))
                .addOption(withValue(CHANNEL, "ID", "only this channel (0x hex or decimal)"));
    }

    /** Opens a channel (completing every packet) when --open is given. */
    static ChannelSelection open(Invocation inv) {
        var v = inv.options();
        return new ChannelSelection(inv, v.has(OPEN)
                ? Optional.of(ChannelOptions.open(inv.kmcl(), v, p -> p.complete())) : Optional.empty());
    }

    /** The channel --open opened. */
    Optional<ChannelRig> opened() {
        return opened;
    }

    /** The process's channels, or the one --channel names. */
    List<Channel> channels() {
        return ChannelView.select(inv.kmcl().channels(), inv.options().string(CHANNEL, null));
    }

    @Override
    public void close() {
        opened.ifPresent(ChannelRig::close);
    }
}
