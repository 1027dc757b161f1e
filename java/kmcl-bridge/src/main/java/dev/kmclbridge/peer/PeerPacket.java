package dev.kmclbridge.peer;

/**
 * One of our outgoing packets as the peer read it from the ring.
 *
 * @param txId                the transaction id to pass to {@link Peer#complete}
 * @param payload             inline bytes exactly as sent
 * @param completionRequested the sender set WAIT_FOR_COMPLETION
 * @param external            external data bytes (empty when none)
 * @param ringType            VMBus packet type on the ring (6 in-band, 9 GPA-direct)
 */
public record PeerPacket(long txId, byte[] payload, boolean completionRequested, byte[] external, int ringType) {
}
