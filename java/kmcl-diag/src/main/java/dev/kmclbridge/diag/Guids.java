package dev.kmclbridge.diag;

import java.util.UUID;
import java.util.regex.Pattern;

/** Strict GUID parsing: {@link UUID#fromString} accepts short groups like "1-2-3-4-5"; VMBus GUIDs never look like that. */
public final class Guids {
    private static final Pattern GUID = Pattern.compile(
            "\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}?");

    private Guids() {
    }

    /** Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (braces allowed); bad input is a {@link DiagFailure}. */
    public static UUID parse(String what, String text) {
        String t = text == null ? "" : text.trim();
        if (!GUID.matcher(t).matches() || (t.startsWith("{") != t.endsWith("}"))) {
            throw DiagFailure.badInput("malformed GUID for " + what + ": " + EchoedText.quote(text)
                    + " (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        }
        if (t.startsWith("{")) {
            t = t.substring(1, t.length() - 1);
        }
        return UUID.fromString(t);
    }
}
