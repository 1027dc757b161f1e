package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.OptionValues;
import org.apache.commons.cli.Option;

import java.util.Optional;
import java.util.function.UnaryOperator;

import static dev.kmclbridge.diag.LongOption.withValue;

/** --peer-reply HEX (send, capture): the payload the peer completes our sends with on fake/loopback. */
public final class PeerReplyOption {
    public static final String NAME = "peer-reply";

    private PeerReplyOption() {
    }

    /** The option, with the command's own wording. */
    public static Option option(String description) {
        return withValue(NAME, "HEX", description);
    }

    /** The given reply, read before the channel opens so bad hex fails early. */
    public static Optional<byte[]> read(OptionValues v) {
        return v.has(NAME) ? Optional.of(v.hex(NAME, null)) : Optional.empty();
    }

    /** The peer's reply to a payload: the given one, else an echo; a usage error when given without a peer. */
    public static UnaryOperator<byte[]> reply(Optional<byte[]> given, ChannelRig rig) {
        if (given.isPresent() && rig.peer().isEmpty()) {
            throw DiagFailure.usage("--" + NAME + " needs a backend with a peer (fake or loopback)");
        }
        return given.<UnaryOperator<byte[]>>map(r -> p -> r).orElse(p -> p);
    }
}
