package dev.kmclbridge.fake;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pure-Java fake and the C fake (driver/fakekmcl) share one list of defaults, limits and documented choices:
 * driver/fakekmcl/fake_defaults.h. This test reads that header and holds {@link FakeDefaults} to it, both ways.
 */
class FakeDefaultsHeaderTest {
    private static final String HEADER = "driver/fakekmcl/fake_defaults.h";
    private static final String PROTOCOL = "driver/include/kmclbridge_protocol.h";
    private static final String CHOICES = "docs/fake-choices.md";

    private static final Pattern NUMBER_ENTRY = Pattern.compile(
            "\\bFAKE_DEFAULT\\(\\s*(\\w+)\\s*,\\s*([^,\\s]+)\\s*,\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");
    private static final Pattern TEXT_ENTRY = Pattern.compile(
            "\\bFAKE_TEXT_DEFAULT\\(\\s*(\\w+)\\s*,\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");
    private static final Pattern OFFER_ENTRY = Pattern.compile(
            "\\bFAKE_STANDING_OFFER\\(\\s*(\\w+)\\s*,\\s*(\\w+)\\s*,\\s*(\\w+)\\s*,\\s*(\\w+)\\s*,\\s*(\\w+)\\s*,"
                    + "\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");

    private static Path root;
    private static String header;
    private static final Map<String, Long> numbers = new TreeMap<>();
    private static final Map<String, String> texts = new TreeMap<>();
    private static final Map<String, UUID> offers = new TreeMap<>();

    @BeforeAll
    static void readHeader() throws IOException {
        root = repositoryRoot();
        header = macroText(Files.readString(root.resolve(HEADER)));
        for (Matcher m = NUMBER_ENTRY.matcher(header); m.find(); ) {
            numbers.put(m.group(1), cInteger(m.group(2)));
        }
        for (Matcher m = TEXT_ENTRY.matcher(header); m.find(); ) {
            texts.put(m.group(1), m.group(2));
        }
        for (Matcher m = OFFER_ENTRY.matcher(header); m.find(); ) {
            long msb = cInteger(m.group(2)) << 32 | cInteger(m.group(3)) << 16 | cInteger(m.group(4));
            offers.put(m.group(1), new UUID(msb, cInteger(m.group(5))));
        }
    }

    @Test
    void headerListsEntriesOfEveryKind() {
        assertFalse(numbers.isEmpty(), "no FAKE_DEFAULT entries read from " + HEADER);
        assertFalse(texts.isEmpty(), "no FAKE_TEXT_DEFAULT entries read from " + HEADER);
        assertEquals(4, offers.size(), "standing offers read from " + HEADER);
    }

    @Test
    void everyFakeDefaultsConstantEqualsItsHeaderEntry() throws IllegalAccessException {
        List<String> problems = new ArrayList<>();
        for (Field f : constants()) {
            String name = f.getName();
            Object value = f.get(null);
            Object expected;
            if (value instanceof String) {
                expected = texts.get(name);
            } else if (value instanceof UUID) {
                expected = offers.get(name);
            } else {
                Long n = numbers.get(name);
                expected = n;
                value = value instanceof Boolean b ? (Long) (b ? 1L : 0L) : (Long) ((Number) value).longValue();
            }
            if (expected == null) {
                problems.add(name + " has no entry in " + HEADER);
            } else if (!expected.equals(value)) {
                problems.add(name + ": FakeDefaults " + value + ", " + HEADER + " " + expected);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyHeaderEntryHasAFakeDefaultsConstant() {
        TreeSet<String> fields = new TreeSet<>();
        for (Field f : constants()) {
            fields.add(f.getName());
        }
        TreeSet<String> entries = new TreeSet<>(numbers.keySet());
        entries.addAll(texts.keySet());
        entries.addAll(offers.keySet());
        entries.removeAll(fields);
        assertEquals(new TreeSet<>(), entries, "entries of " + HEADER + " without a FakeDefaults constant");
    }

    /** A default quota above the driver core's cap would differ between the fake and every driver-based backend. */
    @Test
    void defaultQuotaIsTheDriverCoresPendingPacketCap() throws IOException {
        String protocol = macroText(Files.readString(root.resolve(PROTOCOL)));
        Matcher m = Pattern.compile("#define\\s+KMCLB_MAX_PENDING_PACKETS\\s+\\(?\\s*(\\w+)\\s*\\)?").matcher(protocol);
        assertTrue(m.find(), "KMCLB_MAX_PENDING_PACKETS not found in " + PROTOCOL);
        assertEquals(cInteger(m.group(1)), (long) FakeDefaults.TRANSACTION_QUOTA);
    }

    @Test
    void everyHeaderEntryIsExplainedInFakeChoices() throws IOException {
        String choices = Files.readString(root.resolve(CHOICES));
        List<String> missing = new ArrayList<>();
        for (String name : numbers.keySet()) {
            if (!choices.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        for (String name : texts.keySet()) {
            if (!choices.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "entries of " + HEADER + " not named in " + CHOICES);
    }

    private static List<Field> constants() {
        List<Field> out = new ArrayList<>();
        for (Field f : FakeDefaults.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The header without comments and with continued lines joined. */
    private static String macroText(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ").replace("\\\n", " ");
    }

    /** A C integer literal: decimal or hex, with an optional u/l suffix. */
    private static long cInteger(String literal) {
        String s = literal.replaceAll("(?i)[ul]+$", "");
        return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(HEADER))) {
                return p;
            }
        }
        throw new IllegalStateException(HEADER + " not found above " + Path.of("").toAbsolutePath());
    }
}
