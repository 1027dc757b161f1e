package dev.kmclbridge.diag.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the behavior-catalog ids (B1..B157 of docs/kmcl-api.md) a conformance test names: contract tests are
 * named after their ids, e.g. {@code B64_completionPayloadReachesSender} or {@code B73_B74_failStopsQueue}, or
 * carry them in the display name.
 */
public final class BehaviorIds {
    private static final Pattern ID = Pattern.compile("(?<![A-Za-z0-9])B(\\d{1,4})(?![0-9A-Za-z])");

    private BehaviorIds() {
    }

    /** The ids in the given names, in order of first appearance, without duplicates ("B64", "B73"). */
    public static List<String> in(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n == null) {
                continue;
            }
            Matcher m = ID.matcher(n);
            while (m.find()) {
                String id = "B" + Integer.parseInt(m.group(1));
                if (!out.contains(id)) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    /** Orders "B2" before "B10"; non-B labels last. */
    public static int compare(String a, String b) {
        return Long.compare(number(a), number(b)) != 0 ? Long.compare(number(a), number(b)) : a.compareTo(b);
    }

    private static long number(String id) {
        return id.matches("B\\d+") ? Long.parseLong(id.substring(1)) : Long.MAX_VALUE;
    }
}
