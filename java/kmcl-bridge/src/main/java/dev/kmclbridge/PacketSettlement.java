package dev.kmclbridge;

import java.nio.ByteBuffer;

/**
 * How a delivered packet ends below the typed layer. An {@link IncomingPacket} first retires itself through
 * {@link #retire} (the exactly-once check, {@link PacketRetiredException} on a second ending) and then makes
 * exactly one of the other calls; {@link ChannelInbox} carries them out on the backend. Each of those throws
 * {@link KmclException} when the backend refuses.
 */
interface PacketSettlement {
    /** Records that {@code packet} ends as {@code how} (user code no longer holds it); false if it had already ended. */
    boolean retire(IncomingPacket packet, IncomingPacket.Ending how);

    /** VmbChannelPacketComplete with the buffer's remaining bytes as the completion payload, at once. */
    void complete(long packetId, ByteBuffer completionPayload);

    /**
     * VmbChannelPacketComplete made inline in the packet handler: the payload is copied now and the backend call
     * joins the batch's one completeBatch (sent when the dispatcher ends the batch, or before any later ending).
     */
    void completeInline(long packetId, ByteBuffer completionPayload);

    /** VmbChannelPacketComplete for many packets in one backend call, each with the same completion payload. */
    void completeAll(long[] packetIds, byte[] completionPayload);

    /**
     * VmbChannelPacketFail: stops the channel's incoming queue (until disable) and hands back the packets that
     * were received but never given to user code, then fails the packet.
     */
    void fail(long packetId);

    /** VmbChannelPacketDeferToPassive: the packet is delivered again at PASSIVE_LEVEL. */
    void deferToPassive(long packetId);
}
