package dev.kmclbridge.diag;

/**
 * User input shown back in an error message: control and format characters are escaped ({@code \n}, {@code \t},
 * {@code \r}, else {@code \}{@code uXXXX}) so they cannot move the cursor, recolor the terminal or reorder the
 * line, and a value is cut after {@value #MAX_VALUE_CHARS} characters with "…", so a huge argument is not echoed whole.
 */
public final class EchoedText {
    /** Longest echo of one input value (after escaping), without the "…". */
    public static final int MAX_VALUE_CHARS = 80;
    /** Longest error line kmcl-diag prints (file names and several values fit; anything longer is cut). */
    public static final int MAX_LINE_CHARS = 1000;

    private EchoedText() {
    }

    /** {@code 'value'}: escaped, cut after {@value #MAX_VALUE_CHARS} characters. */
    public static String quote(String value) {
        return "'" + value(value) + "'";
    }

    /** The value escaped and cut after {@value #MAX_VALUE_CHARS} characters (no quotes). */
    public static String value(String value) {
        return escape(value == null ? "" : value, MAX_VALUE_CHARS);
    }

    /** A whole message line: escaped and cut after {@value #MAX_LINE_CHARS} characters. */
    public static String line(String text) {
        return escape(text, MAX_LINE_CHARS);
    }

    private static String escape(String text, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars) + 8);
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            String shown = shown(cp);
            if (sb.length() + shown.length() > maxChars) {
                return sb.append('…').toString();
            }
            sb.append(shown);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    private static String shown(int cp) {
        switch (cp) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        int type = Character.getType(cp);
        boolean invisible = Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.PRIVATE_USE
                || type == Character.UNASSIGNED;
        if (!invisible) {
            return new String(Character.toChars(cp));
        }
        StringBuilder escaped = new StringBuilder();
        for (char c : Character.toChars(cp)) {
            escaped.append(String.format("\\u%04x", (int) c)); // as a Java string literal writes it
        }
        return escaped.toString();
    }
}
