package dev.kmclbridge;

import java.time.Duration;
import java.util.List;

/**
 * {@link Channel#close(Duration)} (or {@link Kmcl#close(Duration)}) found packets that user code still held when
 * the timeout elapsed. It failed them (VmbChannelPacketFail: the sender gets no completion) so that the disable
 * could finish, and closed the channel; {@link #packets()} names them.
 */
public class PacketsHeldException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient List<IncomingPacket> packets;

    /** Creates the exception for {@code channel}, whose {@code packets} were still held after {@code timeout}. */
    public PacketsHeldException(Channel channel, Duration timeout, List<IncomingPacket> packets) {
        super("channel " + channel.id() + ": " + packets.size() + " incoming packet(s) were still held by user code "
                + timeout + " into close(); close failed them and closed the channel: " + packets);
        this.packets = List.copyOf(packets);
    }

    /** The packets close failed, in the order user code received them. */
    public List<IncomingPacket> packets() {
        return packets;
    }
}
