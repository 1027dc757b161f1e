package dev.kmclbridge;

/**
 * Receives incoming packets (EvtVmbChannelProcessPacket) on the dispatcher thread, one at a time in ring order
 * unless the channel was configured with more delivery threads. Every packet must end exactly once with
 * {@link IncomingPacket#complete}, {@link IncomingPacket#fail} or (inline only) {@link IncomingPacket#deferToPassive};
 * completing later from another thread is fine. The packet's payload is a view into the receive batch that is valid
 * during this call only (see {@link IncomingPacket#payload()}); copy what you keep.
 */
@FunctionalInterface
public interface PacketHandler {
    /** Called once per delivery. */
    void onPacket(IncomingPacket packet);
}
