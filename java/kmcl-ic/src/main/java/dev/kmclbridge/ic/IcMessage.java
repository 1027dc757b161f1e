package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One IC packet's in-band payload: the 8-byte VMBus pipe header (UINT32 packet type, 1 = data; UINT32 length of
 * what follows), the {@link IcHeader}, and the body of {@code header.messageSize()} bytes. Bytes after the body
 * (ring padding a sender left) are ignored on decode.
 */
public record IcMessage(IcHeader header, byte[] body) {
    /** Bytes of the pipe header. */
    public static final int PIPE_HEADER_SIZE = 8;
    /** Pipe packet type of a data packet. */
    public static final int PIPE_DATA = 1;
    /** Pipe and IC header together: the offset of the body. */
    public static final int HEADERS_SIZE = PIPE_HEADER_SIZE + IcHeader.SIZE;

    /** The body length must equal the header's message size. */
    public IcMessage {
        Objects.requireNonNull(header, "header");
        body = body.clone();
        if (body.length != header.messageSize()) {
            throw new IllegalArgumentException("body has " + body.length + " bytes, header says " + header.messageSize());
        }
    }

    /** The body bytes (a copy). */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as a little-endian read-only buffer. */
    public ByteBuffer bodyBuffer() {
        return ByteBuffer.wrap(body).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The whole payload: pipe header, IC header, body. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(HEADERS_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(PIPE_DATA);
        out.putInt(IcHeader.SIZE + body.length);
        header.encode(out);
        out.put(body);
        return out.array();
    }

    /**
     * Decodes a payload. Fewer bytes than the two headers is a {@link ShortBufferException}; a pipe length or IC
     * message size that reaches past the payload is a {@link SizeBeyondPacketException}; an unknown message type
     * an {@link UnknownMessageTypeException}.
     */
    public static IcMessage decode(byte[] payload) {
        return decode(ByteBuffer.wrap(payload));
    }

    /** Decodes the bytes between the buffer's position and limit (see {@link #decode(byte[])}). */
    public static IcMessage decode(ByteBuffer payload) {
        ByteBuffer in = payload.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < PIPE_HEADER_SIZE) {
            throw new ShortBufferException("pipe header", PIPE_HEADER_SIZE, in.remaining());
        }
        in.getInt(); // the pipe packet type: Linux echoes whatever the host sent, so it is not checked here
        long pipeLength = Integer.toUnsignedLong(in.getInt());
        if (pipeLength > in.remaining()) {
            throw new SizeBeyondPacketException("pipe header length", pipeLength, in.remaining());
        }
        IcHeader header = IcHeader.decode(in);
        if (header.messageSize() > in.remaining()) {
            throw new SizeBeyondPacketException("IC message size", header.messageSize(), in.remaining());
        }
        byte[] body = new byte[header.messageSize()];
        in.get(body);
        return new IcMessage(header, body);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IcMessage m && header.equals(m.header) && Arrays.equals(body, m.body);
    }

    @Override
    public int hashCode() {
        return 31 * header.hashCode() + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "IcMessage[" + header + ", " + body.length + " body bytes]";
    }
}
