package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** UTF-16LE text in a fixed-size field, ended by a NUL (KVP keys and values, the shutdown message). */
final class Utf16Field {
    private Utf16Field() {
    }

    /** Reads {@code length} bytes and returns the text before the first NUL character (an odd last byte is dropped). */
    static String read(ByteBuffer in, int length) {
        byte[] raw = new byte[length];
        in.get(raw);
        int end = 0;
        while (end + 1 < raw.length && (raw[end] != 0 || raw[end + 1] != 0)) {
            end += 2;
        }
        return new String(raw, 0, end, StandardCharsets.UTF_16LE);
    }

    /** The text's bytes plus the two-byte NUL, as KVP counts its sizes. */
    static byte[] withNul(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_16LE);
        byte[] out = new byte[t.length + 2];
        System.arraycopy(t, 0, out, 0, t.length);
        return out;
    }
}
