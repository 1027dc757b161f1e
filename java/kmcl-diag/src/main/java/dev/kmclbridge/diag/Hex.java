package dev.kmclbridge.diag;

import java.util.HexFormat;

/** Hex payload parsing and hex dumps. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {
    }

    /**
     * Parses a hex payload: pairs of the ASCII hex digits [0-9a-fA-F], optionally separated by spaces, colons or
     * dashes, optional leading "0x". Other scripts' digits are not hex digits here (HexFormat refuses them too).
     * Bad input is a {@link DiagFailure} naming what was wrong.
     */
    public static byte[] parse(String what, String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
        }
        t = t.replaceAll("[\\s:\\-]", "");
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!isHexDigit(c)) {
                int cp = t.codePointAt(i);
                throw DiagFailure.badInput("bad hex for " + what + ": " + EchoedText.quote(text) + " contains "
                        + EchoedText.quote(new String(Character.toChars(cp))) + ", which is not a hex digit");
            }
        }
        if (t.length() % 2 != 0) {
            throw DiagFailure.badInput("bad hex for " + what + ": " + EchoedText.quote(text) + " has an odd number of hex digits");
        }
        return HEX.parseHex(t);
    }

    /** True for 0-9, a-f and A-F only. */
    public static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Lower-case hex without separators ("" for an empty array). */
    public static String format(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Decodes what {@link #format} produced (capture files); null or "" is an empty array. */
    public static byte[] decode(String hex) {
        return hex == null || hex.isEmpty() ? new byte[0] : HEX.parseHex(hex);
    }

    /**
     * A classic 16-bytes-per-line dump: offset, hex bytes, printable ASCII. Lines are prefixed with
     * {@code indent}; an empty payload gives one line saying so.
     */
    public static String dump(byte[] bytes, String indent) {
        if (bytes.length == 0) {
            return indent + "(empty)\n";
        }
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < bytes.length; off += 16) {
            sb.append(indent).append(String.format("%04x  ", off));
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (off + i < bytes.length) {
                    int b = bytes[off + i] & 0xFF;
                    sb.append(String.format("%02x ", b));
                    ascii.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
                } else {
                    sb.append("   ");
                }
                if (i == 7) {
                    sb.append(' ');
                }
            }
            sb.append(" |").append(ascii).append("|\n");
        }
        return sb.toString();
    }
}
