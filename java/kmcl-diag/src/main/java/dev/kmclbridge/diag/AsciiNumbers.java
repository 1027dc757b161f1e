package dev.kmclbridge.diag;

import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Number parsing for command-line values: ASCII digits only. {@link Long#parseLong} also takes other scripts'
 * digits ("٣" is 3) and {@link Double#parseDouble} takes "NaN", "Infinity", hex floats and a trailing "d"; a value
 * that is not plainly a number is refused instead of meaning something the user did not type.
 */
public final class AsciiNumbers {
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern HEX_INTEGER = Pattern.compile("0[xX][0-9a-fA-F]+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private AsciiNumbers() {
    }

    /** A decimal integer ("42", "-7"); empty when malformed or out of the long range. */
    public static OptionalLong integer(String text) {
        String t = text.strip();
        if (!DECIMAL_INTEGER.matcher(t).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(t));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A decimal integer or "0x" hex (taken as unsigned 64 bits, for ids); empty when malformed. */
    public static OptionalLong integerOrHex(String text) {
        String t = text.strip();
        if (!HEX_INTEGER.matcher(t).matches()) {
            return integer(t);
        }
        try {
            return OptionalLong.of(Long.parseUnsignedLong(t.substring(2), 16));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A finite decimal number ("0.5", "2", "1e-3"); empty when malformed or not finite. */
    public static OptionalDouble decimal(String text) {
        String t = text.strip();
        if (!DECIMAL.matcher(t).matches()) {
            return OptionalDouble.empty();
        }
        double d = Double.parseDouble(t);
        return Double.isFinite(d) ? OptionalDouble.of(d) : OptionalDouble.empty();
    }
}
