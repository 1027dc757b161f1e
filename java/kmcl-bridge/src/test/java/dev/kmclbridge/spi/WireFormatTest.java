package dev.kmclbridge.spi;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link WireFormat} mirrors driver/include/kmclbridge_protocol.h exactly: values, offsets and sizes. */
class WireFormatTest {
    private static final CHeader PROTOCOL = CHeader.read("driver/include/kmclbridge_protocol.h");

    /**
     * How a Java constant is named in C: a macro prefix ending in '_' replaces the Java prefix (an empty Java prefix
     * matches every remaining field); otherwise the rule names one macro for one field.
     */
    private record Rule(String javaPrefix, String macro) {
        boolean isPrefix() {
            return macro.endsWith("_");
        }
    }

    private static final Map<Class<?>, List<Rule>> MACRO_NAMES = Map.of(
            WireFormat.class, List.of(new Rule("", "KMCLB_")),
            WireFormat.Event.class, List.of(new Rule("KIND_", "KMCLB_EV_"), new Rule("PACKET_FLAG_", "KMCLB_PF_"),
                    new Rule("STATE_", "KMCLB_ST_"), new Rule("IRQL_", "KMCLB_IRQL_")),
            WireFormat.Query.class, List.of(new Rule("SLOTS", "KMCLB_QUERY_SLOTS"), new Rule("FLAG_", "KMCLB_QF_"),
                    new Rule("", "KMCLB_Q_")),
            WireFormat.ChannelStates.class, List.of(new Rule("", "KMCLB_STATE_")),
            WireFormat.ConfigPresence.class, List.of(new Rule("", "KMCLB_CFG_")),
            WireFormat.ExternalForm.class, List.of(new Rule("", "KMCLB_EXTERNAL_")),
            WireFormat.TextFields.class, List.of(new Rule("ENDPOINT_NAME_BYTES", "KMCLB_ENDPOINT_NAME_BYTES")));

    /** Constants checked by their own tests below (layout and derived values rather than one #define each). */
    private static final Set<String> CHECKED_SEPARATELY = Set.of("Event.HEADER_SIZE", "Event.ALIGNMENT",
            "Event.PACKET_FLAGS_KMCL", "TextFields.DRIVER_VERSION_BYTES");

    @Test
    void everyConstantHasTheValueOfItsDefine() throws IllegalAccessException {
        List<String> wrong = new ArrayList<>();
        for (Class<?> group : MACRO_NAMES.keySet()) {
            for (Field f : constants(group)) {
                String key = group.getSimpleName() + "." + f.getName();
                if (CHECKED_SEPARATELY.contains(key) || f.getName().endsWith("_OFFSET")) {
                    continue;
                }
                String macro = macroFor(group, f.getName());
                long expected = PROTOCOL.value(macro);
                long actual = f.getLong(null);
                if (expected != actual) {
                    wrong.add(key + " = " + actual + " but " + macro + " = " + expected);
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void everyDefineOfAMirroredFamilyHasAJavaConstant() {
        List<String> missing = new ArrayList<>();
        for (var group : MACRO_NAMES.entrySet()) {
            if (group.getKey() == WireFormat.class || group.getKey() == WireFormat.TextFields.class) {
                continue;
            }
            for (Rule rule : group.getValue()) {
                if (!rule.isPrefix()) {
                    continue;
                }
                for (String macro : PROTOCOL.macroNames(rule.macro())) {
                    String javaName = rule.javaPrefix() + macro.substring(rule.macro().length());
                    if (macro.equals("KMCLB_CFG_ALL") || hasField(group.getKey(), javaName)) {
                        continue;
                    }
                    missing.add(macro + " (expected " + group.getKey().getSimpleName() + "." + javaName + ")");
                }
            }
        }
        assertTrue(missing.isEmpty(), "defines without a Java constant:\n" + String.join("\n", missing));
    }

    @Test
    void eventRecordOffsetsAndHeaderSizeMatchKmclbEvent() throws IllegalAccessException {
        CHeader.Layout event = PROTOCOL.struct("kmclb_event");
        assertEquals(event.size(), WireFormat.Event.HEADER_SIZE, "sizeof(kmclb_event)");
        int offsets = 0;
        for (Field f : constants(WireFormat.Event.class)) {
            if (f.getName().endsWith("_OFFSET")) {
                String member = f.getName().substring(0, f.getName().length() - "_OFFSET".length()).toLowerCase(Locale.ROOT);
                assertEquals(event.field(member).offset(), f.getLong(null), "offsetof(kmclb_event, " + member + ")");
                offsets++;
            }
        }
        assertEquals(event.fields().size(), offsets, "every kmclb_event member has an *_OFFSET constant");
    }

    @Test
    void recordSizeFollowsKmclbRecordSize() {
        for (int body = 0; body <= 100; body++) {
            assertEquals(PROTOCOL.call("KMCLB_RECORD_SIZE", body), EventBatch.recordSize(body), "body " + body);
        }
    }

    @Test
    void textFieldSizesMatchTheirStructMembers() {
        assertEquals(PROTOCOL.struct("kmclb_endpoint").field("name").size(), WireFormat.TextFields.ENDPOINT_NAME_BYTES);
        assertEquals(PROTOCOL.struct("kmclb_version_out").field("driver_version").size(),
                WireFormat.TextFields.DRIVER_VERSION_BYTES);
    }

    @Test
    void kmclPacketFlagsHoldExternalDataAndNoneOfTheBridgesOwnFlags() {
        int kmcl = WireFormat.Event.PACKET_FLAGS_KMCL;
        assertEquals(PROTOCOL.value("KMCLB_PF_EXTERNAL_DATA"), PROTOCOL.value("KMCLB_PF_EXTERNAL_DATA") & kmcl);
        assertEquals(0, PROTOCOL.value("KMCLB_PF_REDELIVERY") & kmcl);
        assertEquals(0, PROTOCOL.value("KMCLB_PF_COMPLETION_REQUESTED") & kmcl);
    }

    /** Guards the header reader itself: its struct layouts agree with every static assertion of the header. */
    @Test
    void headerReaderLayoutsAgreeWithEveryStaticAssert() {
        List<CHeader.StaticAssert> asserts = PROTOCOL.staticAsserts();
        assertTrue(asserts.size() >= 30, "found only " + asserts.size() + " sizeof/offsetof assertions");
        for (CHeader.StaticAssert a : asserts) {
            CHeader.Layout l = PROTOCOL.struct(a.struct());
            long actual = a.field().map(f -> l.field(f).offset()).orElse(l.size());
            assertEquals(a.expected(), actual, a.toString());
        }
    }

    private static String macroFor(Class<?> group, String javaName) {
        for (Rule rule : MACRO_NAMES.get(group)) {
            if (rule.isPrefix() ? javaName.startsWith(rule.javaPrefix()) : javaName.equals(rule.javaPrefix())) {
                return rule.isPrefix() ? rule.macro() + javaName.substring(rule.javaPrefix().length()) : rule.macro();
            }
        }
        fail(group.getSimpleName() + "." + javaName + " has no counterpart in kmclbridge_protocol.h");
        return "";
    }

    private static List<Field> constants(Class<?> group) {
        List<Field> out = new ArrayList<>();
        for (Field f : group.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)) {
                out.add(f);
            }
        }
        return out;
    }

    private static boolean hasField(Class<?> group, String name) {
        return constants(group).stream().anyMatch(f -> f.getName().equals(name));
    }
}
