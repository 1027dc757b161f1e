package dev.kmclbridge.diag.capture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmclbridge.diag.EchoedText;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of each capture record and their JSON types (docs/capture-format.md), checked on the parsed line
 * before Jackson binds it: Jackson alone would turn {@code "1"} into 1, truncate 1.9 to 1, and give a missing
 * field 0, false or null. Integers are JSON integers in the long range; a field is missing only where the format
 * says it may be.
 */
final class CaptureSchema {
    /** What a field must hold. */
    private enum Kind {
        TEXT("a string"),
        HEX("a hex string"),
        BOOLEAN("true or false"),
        COUNT("an integer >= 0"),
        SEQUENCE_NUMBER("an integer >= 1"),
        COUNT_OR_NULL("an integer >= 0 or null");

        private final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private record Field(Kind kind, boolean required) {
    }

    private static final Map<String, Map<String, Field>> RECORDS = Map.of(
            "header", fields(
                    "format", Kind.TEXT, true,
                    "version", Kind.COUNT, true,
                    "createdAt", Kind.TEXT, false,
                    "backend", Kind.TEXT, false,
                    "endpointType", Kind.TEXT, false,
                    "endpointInstance", Kind.TEXT, false,
                    "endpointName", Kind.TEXT, false,
                    "channel", Kind.TEXT, false,
                    "completeFilter", Kind.TEXT, true,
                    "failFilter", Kind.TEXT, true,
                    "completionPayload", Kind.HEX, true),
            "packet", fields(
                    "seq", Kind.SEQUENCE_NUMBER, true,
                    "direction", Kind.TEXT, true,
                    "atNanos", Kind.COUNT, true,
                    "payload", Kind.HEX, true,
                    "external", Kind.HEX, true,
                    "completionRequested", Kind.BOOLEAN, true,
                    "verdict", Kind.TEXT, true,
                    "completionPayload", Kind.HEX, true,
                    "verdictAtNanos", Kind.COUNT_OR_NULL, false),
            "end", fields(
                    "packets", Kind.COUNT, true,
                    "durationNanos", Kind.COUNT, true,
                    "queueStopped", Kind.BOOLEAN, true));

    private CaptureSchema() {
    }

    /** Why {@code line} is not a well-formed record (the first problem found); empty when it is one. */
    static Optional<String> problem(JsonNode line) {
        if (!line.isObject()) {
            return Optional.of("not a capture record (a JSON object per line)");
        }
        JsonNode kind = line.get("record");
        if (kind == null || !kind.isTextual() || !RECORDS.containsKey(kind.asText())) {
            return Optional.of("field 'record' must be \"header\", \"packet\" or \"end\", got " + shown(kind));
        }
        Map<String, Field> fields = RECORDS.get(kind.asText());
        for (Iterator<String> names = line.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("record") && !fields.containsKey(name)) {
                return Optional.of("unknown field " + EchoedText.quote(name) + " in a " + kind.asText() + " record");
            }
        }
        for (Map.Entry<String, Field> f : fields.entrySet()) {
            JsonNode value = line.get(f.getKey());
            if (value == null) {
                if (f.getValue().required()) {
                    return Optional.of("field '" + f.getKey() + "' is missing");
                }
            } else if (!holds(f.getValue().kind(), value)) {
                return Optional.of("field '" + f.getKey() + "' must be " + f.getValue().kind().description + ", got " + shown(value));
            }
        }
        return Optional.empty();
    }

    private static boolean holds(Kind kind, JsonNode v) {
        return switch (kind) {
            case TEXT -> v.isTextual();
            case HEX -> v.isTextual() && v.asText().matches("([0-9a-fA-F]{2})*");
            case BOOLEAN -> v.isBoolean();
            case COUNT -> isLong(v) && v.asLong() >= 0;
            case SEQUENCE_NUMBER -> isLong(v) && v.asLong() >= 1;
            case COUNT_OR_NULL -> v.isNull() || (isLong(v) && v.asLong() >= 0);
        };
    }

    private static boolean isLong(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    private static String shown(JsonNode v) {
        return v == null ? "nothing" : EchoedText.value(v.toString());
    }

    /** name, kind, required, name, kind, required, ... in file order. */
    private static Map<String, Field> fields(Object... triples) {
        Map<String, Field> m = new LinkedHashMap<>();
        for (int i = 0; i < triples.length; i += 3) {
            m.put((String) triples[i], new Field((Kind) triples[i + 1], (Boolean) triples[i + 2]));
        }
        return m;
    }
}
