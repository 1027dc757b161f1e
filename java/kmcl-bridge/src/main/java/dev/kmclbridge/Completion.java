package dev.kmclbridge;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** The end of one of our sends: the peer's completion payload (empty without WAIT_FOR_COMPLETION). */
public final class Completion {
    private final byte[] payload;

    /** Wraps a copy of {@code payload}. */
    public Completion(byte[] payload) {
        this.payload = payload.clone();
    }

    /** The completion payload, read-only. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /** A copy of the completion payload. */
    public byte[] payloadBytes() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Completion c && Arrays.equals(payload, c.payload);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Completion[" + payload.length + " bytes]";
    }
}
