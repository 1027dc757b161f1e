package dev.kmclbridge.peer;

/**
 * Ring occupancy in bytes, both directions, from the peer's point of view.
 *
 * @param incomingSize     data area size of our incoming ring
 * @param incomingUsed     bytes written by the peer and not yet read by our side
 * @param outgoingSize     data area size of our outgoing ring
 * @param outgoingUsed     bytes written by our side and not yet read by the peer
 * @param peerQueued       peer packets waiting for room in our incoming ring
 */
public record RingStatus(int incomingSize, int incomingUsed, int outgoingSize, int outgoingUsed, int peerQueued) {
}
