package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Heartbeat body: UINT64 sequence number, UINT32 application state (OpenVMM's name for the first reserved word),
 * then reserved bytes up to 40 (Linux's heartbeat_msg_data is a UINT64 and eight reserved UINT32).
 */
public record HeartbeatMessage(long sequenceNumber, int applicationState) {
    /** Bytes this module encodes (Linux's structure size). */
    public static final int SIZE = 40;
    /** Bytes needed to decode (sequence number and application state). */
    public static final int MINIMUM_SIZE = 12;
    /** Application state: healthy. */
    public static final int STATE_HEALTHY = 1;

    /** The encoded body. */
    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(sequenceNumber).putInt(applicationState)
                .array();
    }

    /** Decodes a body; fewer than 12 bytes is a {@link ShortBufferException}. */
    public static HeartbeatMessage decode(byte[] body) {
        if (body.length < MINIMUM_SIZE) {
            throw new ShortBufferException("heartbeat message", MINIMUM_SIZE, body.length);
        }
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        return new HeartbeatMessage(in.getLong(), in.getInt());
    }

    /** The same body (reserved bytes kept) with another sequence number: how a guest answers in place. */
    public static byte[] withSequence(byte[] body, long sequenceNumber) {
        decode(body);
        byte[] out = body.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sequenceNumber);
        return out;
    }
}
