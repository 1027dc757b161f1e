package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.AsciiNumbers;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.Hex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Which incoming packets an action applies to. Syntax: {@code all}, {@code none}, or terms joined with
 * {@code ,} (all must hold): {@code prefix=HEX}, {@code contains=HEX}, {@code len=N}, {@code len>N},
 * {@code len<N}, {@code nth=N} (the N-th packet delivered, 1-based).
 */
public final class PacketFilter {
    /** Matches every packet. */
    public static final PacketFilter ALL = new PacketFilter("all", List.of((i, p) -> true));
    /** Matches nothing. */
    public static final PacketFilter NONE = new PacketFilter("none", List.of((i, p) -> false));

    private final String source;
    private final List<BiPredicate<Long, byte[]>> terms;

    private PacketFilter(String source, List<BiPredicate<Long, byte[]>> terms) {
        this.source = source;
        this.terms = terms;
    }

    /** Parses a filter; a malformed one is bad input. */
    public static PacketFilter parse(String what, String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("all")) {
            return ALL;
        }
        if (t.equals("none")) {
            return NONE;
        }
        if (t.isEmpty()) {
            throw bad(what, text, "empty filter");
        }
        List<BiPredicate<Long, byte[]>> terms = new ArrayList<>();
        // -1 keeps trailing empty strings: "nth=1," and ",,," have empty terms, which must not vanish (a filter
        // without terms would match every packet)
        for (String term : t.split(",", -1)) {
            if (term.isBlank()) {
                throw bad(what, text, "empty term (terms are joined with ',', none may be empty)");
            }
            terms.add(term(what, text, term.strip()));
        }
        return new PacketFilter(t, List.copyOf(terms));
    }

    private static BiPredicate<Long, byte[]> term(String what, String text, String term) {
        if (term.startsWith("prefix=")) {
            byte[] pre = Hex.parse(what + " prefix", term.substring(7));
            return (i, p) -> p.length >= pre.length && Arrays.equals(p, 0, pre.length, pre, 0, pre.length);
        }
        if (term.startsWith("contains=")) {
            byte[] needle = Hex.parse(what + " contains", term.substring(9));
            return (i, p) -> indexOf(p, needle) >= 0;
        }
        if (term.startsWith("len=") || term.startsWith("len>") || term.startsWith("len<")) {
            long n = number(what, text, term.substring(4));
            char op = term.charAt(3);
            return op == '=' ? (i, p) -> p.length == n : op == '>' ? (i, p) -> p.length > n : (i, p) -> p.length < n;
        }
        if (term.startsWith("nth=")) {
            long n = number(what, text, term.substring(4));
            return (i, p) -> i == n;
        }
        throw bad(what, text, "unknown term " + EchoedText.quote(term) + " (use all, none, prefix=HEX, contains=HEX, len=N, len>N, len<N, nth=N)");
    }

    private static long number(String what, String text, String s) {
        long n = AsciiNumbers.integer(s).orElseThrow(() -> bad(what, text, EchoedText.quote(s) + " is not a number"));
        if (n < 0) {
            throw bad(what, text, "negative number " + n);
        }
        return n;
    }

    private static DiagFailure bad(String what, String text, String why) {
        return DiagFailure.badInput("bad packet filter for " + what + ": " + EchoedText.quote(text) + ": " + why);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        if (needle.length == 0) {
            return 0;
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** True when the {@code index}-th delivered packet (1-based) with this payload matches. */
    public boolean matches(long index, byte[] payload) {
        for (BiPredicate<Long, byte[]> t : terms) {
            if (!t.test(index, payload)) {
                return false;
            }
        }
        return true;
    }

    /** The filter as written (stored in capture headers). */
    @Override
    public String toString() {
        return source;
    }
}
