package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.peer.Peer;

import java.util.Optional;

/**
 * The peer sending a packet kmcl-diag was given (generated, benchmarked or replayed traffic). A packet the peer
 * refuses, such as one that can never fit the channel's incoming ring, is bad input: the fake throws
 * IllegalArgumentException and loopback IllegalStateException for it, which would otherwise end the run as an
 * internal error.
 */
public final class PeerSend {
    private PeerSend() {
    }

    /** {@link Peer#send}, with a refusal turned into bad input naming the packet's size and the peer's reason. */
    public static long send(Peer peer, long channel, byte[] payload, boolean completionRequested, Optional<byte[]> external) {
        try {
            return peer.send(channel, payload, completionRequested, external);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw DiagFailure.badInput("the peer cannot send a " + payload.length + "-byte packet to channel 0x"
                    + Long.toHexString(channel) + ": " + e.getMessage(), e);
        }
    }
}
