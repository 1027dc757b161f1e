package dev.kmclbridge.diag.traffic;

import java.nio.charset.StandardCharsets;

/** The synthetic packets the peer sends when a command generates traffic on fake/loopback. */
public final class SamplePayloads {
    private SamplePayloads() {
    }

    /** Payload number {@code n} (1-based): "kmcl-diag sample NNN" followed by n mod 7 bytes 0xA5, readable in a hex dump. */
    public static byte[] sample(int n) {
        byte[] text = String.format("kmcl-diag sample %03d", n).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[text.length + n % 7];
        System.arraycopy(text, 0, out, 0, text.length);
        for (int i = text.length; i < out.length; i++) {
            out[i] = (byte) 0xA5;
        }
        return out;
    }
}
