package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 20-byte IC message header that follows the 8-byte pipe header: framework version, message type, message
 * version, message size (bytes of body after this header), status, transaction id (one byte, echoed by the
 * response) and flags (TRANSACTION, REQUEST, RESPONSE).
 */
public record IcHeader(IcVersion frameworkVersion, IcMessageType messageType, IcVersion messageVersion, int messageSize,
                       int status, int transactionId, int flags) {
    /** Bytes on the wire. */
    public static final int SIZE = 20;
    /** The message is part of a request/response transaction. */
    public static final int FLAG_TRANSACTION = 1;
    /** The message is a request (host to guest). */
    public static final int FLAG_REQUEST = 2;
    /** The message is a response (guest to host). */
    public static final int FLAG_RESPONSE = 4;

    /** Sizes are UINT16, the transaction id and flags one byte each. */
    public IcHeader {
        java.util.Objects.requireNonNull(frameworkVersion, "frameworkVersion");
        java.util.Objects.requireNonNull(messageType, "messageType");
        java.util.Objects.requireNonNull(messageVersion, "messageVersion");
        if (messageSize < 0 || messageSize > 0xFFFF) {
            throw new IllegalArgumentException("message size is a UINT16, got " + messageSize);
        }
        if (transactionId < 0 || transactionId > 0xFF || flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("transaction id and flags are one byte each");
        }
    }

    /** A request header as a host sends it (TRANSACTION | REQUEST, status OK). */
    public static IcHeader request(IcVersion framework, IcMessageType type, IcVersion message, int size, int transactionId) {
        return new IcHeader(framework, type, message, size, IcStatus.OK, transactionId, FLAG_TRANSACTION | FLAG_REQUEST);
    }

    /** This header turned into the response to it: same versions, type and transaction id, the given size and status. */
    public IcHeader responseWith(int size, int responseStatus) {
        return new IcHeader(frameworkVersion, messageType, messageVersion, size, responseStatus, transactionId,
                FLAG_TRANSACTION | FLAG_RESPONSE);
    }

    /** True when the RESPONSE flag is set. */
    public boolean isResponse() {
        return (flags & FLAG_RESPONSE) != 0;
    }

    /** True when the REQUEST flag is set. */
    public boolean isRequest() {
        return (flags & FLAG_REQUEST) != 0;
    }

    /** Writes the header at the buffer's position in little-endian order. */
    public void encode(ByteBuffer out) {
        ByteOrder before = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN);
        frameworkVersion.encode(out);
        out.putShort((short) messageType.code());
        messageVersion.encode(out);
        out.putShort((short) messageSize);
        out.putInt(status);
        out.put((byte) transactionId);
        out.put((byte) flags);
        out.putShort((short) 0);
        out.order(before);
    }

    /** Reads a header at the buffer's position; fewer than 20 bytes is a {@link ShortBufferException}. */
    public static IcHeader decode(ByteBuffer in) {
        if (in.remaining() < SIZE) {
            throw new ShortBufferException("IC header", SIZE, in.remaining());
        }
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        IcVersion framework = IcVersion.read(b);
        int typeCode = Short.toUnsignedInt(b.getShort());
        IcVersion message = IcVersion.read(b);
        int size = Short.toUnsignedInt(b.getShort());
        int status = b.getInt();
        int tx = Byte.toUnsignedInt(b.get());
        int flags = Byte.toUnsignedInt(b.get());
        IcMessageType type = IcMessageType.of(typeCode);
        in.position(in.position() + SIZE);
        return new IcHeader(framework, type, message, size, status, tx, flags);
    }
}
