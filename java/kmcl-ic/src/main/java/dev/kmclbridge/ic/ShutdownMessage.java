package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Shutdown request body: UINT32 reason code, UINT32 timeout in seconds, UINT32 flags (bit 0 force, bit 1 restart,
 * bit 2 hibernate), then a 2048-byte display message. The references do not say how the message is encoded; this
 * module reads and writes it as UTF-16LE ended by a NUL (our choice, unverified against Hyper-V).
 */
public record ShutdownMessage(int reasonCode, int timeoutSeconds, int flags, String message) {
    /** Bytes of the full structure. */
    public static final int SIZE = 12 + 2048;
    /** Bytes needed to decode (the three words; the message may be cut short). */
    public static final int MINIMUM_SIZE = 12;
    /** Flag: forced shutdown. */
    public static final int FLAG_FORCE = 1;
    /** Flag: restart instead of power off. */
    public static final int FLAG_RESTART = 2;
    /** Flag: hibernate. */
    public static final int FLAG_HIBERNATE = 4;
    private static final int TEXT_BYTES = 2048;

    /** The message fits the 2048-byte field with its NUL. */
    public ShutdownMessage {
        java.util.Objects.requireNonNull(message, "message");
        if (message.getBytes(StandardCharsets.UTF_16LE).length + 2 > TEXT_BYTES || message.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the display message must fit 2048 bytes of UTF-16LE with a NUL, without NULs");
        }
    }

    /** The encoded body. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(reasonCode).putInt(timeoutSeconds).putInt(flags).put(message.getBytes(StandardCharsets.UTF_16LE));
        return out.array();
    }

    /** Decodes a body; fewer than 12 bytes is a {@link ShortBufferException}. */
    public static ShutdownMessage decode(byte[] body) {
        if (body.length < MINIMUM_SIZE) {
            throw new ShortBufferException("shutdown message", MINIMUM_SIZE, body.length);
        }
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        int reason = in.getInt();
        int timeout = in.getInt();
        int flags = in.getInt();
        return new ShutdownMessage(reason, timeout, flags, Utf16Field.read(in, Math.min(in.remaining(), TEXT_BYTES)));
    }

    /** What the flags ask for in words: "shut down", "restart" or "hibernate", with "(forced)". */
    public String action() {
        String what = (flags & FLAG_HIBERNATE) != 0 ? "hibernate" : (flags & FLAG_RESTART) != 0 ? "restart" : "shut down";
        return (flags & FLAG_FORCE) != 0 ? what + " (forced)" : what;
    }
}
