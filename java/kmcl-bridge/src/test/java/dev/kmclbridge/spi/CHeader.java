package dev.kmclbridge.spi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a C header reader to check Java's copies of the wire constants: object-like and function-like
 * {@code #define}s with integer expressions (casts, {@code sizeof}, {@code | & << >> + - * ~}), the layout of
 * {@code typedef struct} definitions with natural alignment, and {@code KMCLB_STATIC_ASSERT} lines of the form
 * {@code sizeof(T) == N} / {@code offsetof(T, f) == N}.
 */
public final class CHeader {
    private static final Pattern DEFINE = Pattern.compile("^\\s*#\\s*define\\s+(\\w+)(\\(([\\w\\s,]*)\\))?\\s*(.*)$");
    private static final Pattern STRUCT = Pattern.compile("typedef\\s+struct\\s+(\\w+)\\s*\\{([^}]*)}\\s*(\\w+)\\s*;");
    private static final Pattern FIELD = Pattern.compile("^(\\w+)\\s+(\\w+)\\s*(?:\\[([^]]+)])?$");
    private static final Pattern ASSERT = Pattern.compile(
            "KMCLB_STATIC_ASSERT\\(\\s*(sizeof\\((\\w+)\\)|offsetof\\((\\w+)\\s*,\\s*(\\w+)\\))\\s*==\\s*(\\w+)");

    /** One member of a struct: where it starts and how many bytes it takes. */
    public record Field(String name, long offset, long size) {
    }

    /** A struct's members in order, its size and alignment. */
    public record Layout(String name, List<Field> fields, long size, long alignment) {
        /** The member called {@code field}. */
        public Field field(String field) {
            return fields.stream().filter(f -> f.name().equals(field)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(name + " has no member " + field));
        }
    }

    /** A static assertion found in the header: {@code sizeof(struct)} ({@code field} empty) or an offset. */
    public record StaticAssert(String struct, Optional<String> field, long expected) {
    }

    private final Path path;
    private final Map<String, String> objectMacros = new LinkedHashMap<>();
    private final Map<String, List<String>> functionParams = new LinkedHashMap<>();
    private final Map<String, String> functionBodies = new LinkedHashMap<>();
    private final Map<String, Layout> structs = new LinkedHashMap<>();
    private final List<StaticAssert> asserts = new ArrayList<>();

    private CHeader(Path path, String text) {
        this.path = path;
        String code = stripComments(text).replace("\\\n", " ");
        for (String line : code.split("\n")) {
            Matcher m = DEFINE.matcher(line);
            if (m.matches()) {
                if (m.group(2) != null) {
                    List<String> params = new ArrayList<>();
                    for (String p : m.group(3).split(",")) {
                        if (!p.isBlank()) {
                            params.add(p.trim());
                        }
                    }
                    functionParams.put(m.group(1), params);
                    functionBodies.put(m.group(1), m.group(4).trim());
                } else {
                    objectMacros.put(m.group(1), m.group(4).trim());
                }
            }
        }
        Matcher s = STRUCT.matcher(code);
        while (s.find()) {
            structs.put(s.group(3), layout(s.group(3), s.group(2)));
        }
        Matcher a = ASSERT.matcher(code);
        while (a.find()) {
            long expected = evaluate(a.group(5));
            asserts.add(a.group(2) != null
                    ? new StaticAssert(a.group(2), Optional.empty(), expected)
                    : new StaticAssert(a.group(3), Optional.of(a.group(4)), expected));
        }
    }

    /** Reads {@code relative} (e.g. {@code driver/include/kmclbridge_protocol.h}) below the repository root. */
    public static CHeader read(String relative) {
        Path file = repositoryRoot().resolve(relative);
        try {
            return new CHeader(file, Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first directory at or above the Maven module's base directory that holds driver/include. */
    public static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("driver").resolve("include"))) {
                return d;
            }
        }
        throw new IllegalStateException("no driver/include above " + dir);
    }

    /** Names of every object-like macro, in header order. */
    public List<String> macroNames() {
        return List.copyOf(objectMacros.keySet());
    }

    /** Names of the object-like macros that start with {@code prefix}. */
    public List<String> macroNames(String prefix) {
        return objectMacros.keySet().stream().filter(n -> n.startsWith(prefix)).toList();
    }

    /** The integer value of an object-like macro. */
    public long value(String macro) {
        String body = objectMacros.get(macro);
        if (body == null) {
            throw new IllegalArgumentException(macro + " is not defined in " + path);
        }
        return evaluate(body);
    }

    /** The integer value of a function-like macro applied to integer arguments, e.g. {@code KMCLB_RECORD_SIZE(5)}. */
    public long call(String macro, long... arguments) {
        List<String> params = functionParams.get(macro);
        if (params == null) {
            throw new IllegalArgumentException(macro + "(...) is not defined in " + path);
        }
        String body = functionBodies.get(macro);
        for (int i = 0; i < params.size(); i++) {
            body = body.replaceAll("\\b" + Pattern.quote(params.get(i)) + "\\b", "(" + arguments[i] + ")");
        }
        return evaluate(body);
    }

    /** The layout of {@code typedef struct ... name;}. */
    public Layout struct(String name) {
        Layout l = structs.get(name);
        if (l == null) {
            throw new IllegalArgumentException("struct " + name + " is not defined in " + path);
        }
        return l;
    }

    /** Every {@code sizeof}/{@code offsetof} static assertion of the header. */
    public List<StaticAssert> staticAsserts() {
        return List.copyOf(asserts);
    }

    private static String stripComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }

    private Layout layout(String name, String body) {
        List<Field> fields = new ArrayList<>();
        long offset = 0;
        long alignment = 1;
        for (String decl : body.split(";")) {
            String d = decl.trim().replaceAll("\\s+", " ");
            if (d.isEmpty()) {
                continue;
            }
            Matcher m = FIELD.matcher(d);
            if (!m.matches()) {
                throw new IllegalArgumentException("cannot read member '" + d + "' of " + name);
            }
            long[] type = typeSizeAndAlignment(m.group(1));
            long count = m.group(3) == null ? 1 : evaluate(m.group(3));
            offset = alignUp(offset, type[1]);
            fields.add(new Field(m.group(2), offset, type[0] * count));
            offset += type[0] * count;
            alignment = Math.max(alignment, type[1]);
        }
        return new Layout(name, List.copyOf(fields), alignUp(offset, alignment), alignment);
    }

    private long[] typeSizeAndAlignment(String type) {
        switch (type) {
            case "char": case "int8_t": case "uint8_t":
                return new long[]{1, 1};
            case "int16_t": case "uint16_t":
                return new long[]{2, 2};
            case "int32_t": case "uint32_t":
                return new long[]{4, 4};
            case "int64_t": case "uint64_t":
                return new long[]{8, 8};
            default:
                Layout nested = struct(type);
                return new long[]{nested.size(), nested.alignment()};
        }
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** Evaluates an integer constant expression of the header. */
    public long evaluate(String expression) {
        return new Expression(expression).parse();
    }

    /** Recursive-descent evaluator: | then & then shifts then + - then * then unary, casts and sizeof. */
    private final class Expression {
        private final String s;
        private int at;

        Expression(String s) {
            this.s = s;
        }

        long parse() {
            long v = or();
            skipSpace();
            if (at != s.length()) {
                throw new IllegalArgumentException("cannot evaluate '" + s + "' at " + at);
            }
            return v;
        }

        private long or() {
            long v = and();
            while (peek("|")) {
                at++;
                v |= and();
            }
            return v;
        }

        private long and() {
            long v = shift();
            while (peek("&")) {
                at++;
                v &= shift();
            }
            return v;
        }

        private long shift() {
            long v = additive();
            while (true) {
                if (peek("<<")) {
                    at += 2;
                    v <<= additive();
                } else if (peek(">>")) {
                    at += 2;
                    v >>>= additive();
                } else {
                    return v;
                }
            }
        }

        private long additive() {
            long v = multiplicative();
            while (true) {
                if (peek("+")) {
                    at++;
                    v += multiplicative();
                } else if (peek("-")) {
                    at++;
                    v -= multiplicative();
                } else {
                    return v;
                }
            }
        }

        private long multiplicative() {
            long v = unary();
            while (peek("*")) {
                at++;
                v *= unary();
            }
            return v;
        }

        private long unary() {
            if (peek("~")) {
                at++;
                return ~unary();
            }
            if (peek("-")) {
                at++;
                return -unary();
            }
            if (peek("(")) {
                int save = at;
                at++;
                String word = word();
                if (word.endsWith("_t") && peek(")")) {
                    at++;
                    long v = unary();
                    switch (word) {
                        case "int32_t": return (int) v;
                        case "uint32_t": return v & 0xFFFF_FFFFL;
                        case "uint16_t": return v & 0xFFFFL;
                        case "uint8_t": return v & 0xFFL;
                        default: return v;
                    }
                }
                at = save + 1;
                long v = or();
                expect(")");
                return v;
            }
            skipSpace();
            if (at < s.length() && Character.isDigit(s.charAt(at))) {
                return number();
            }
            String word = word();
            if (word.equals("sizeof")) {
                expect("(");
                String type = word();
                expect(")");
                return typeSizeAndAlignment(type)[0];
            }
            if (word.equals("offsetof")) {
                expect("(");
                String type = word();
                expect(",");
                String field = word();
                expect(")");
                return struct(type).field(field).offset();
            }
            if (functionParams.containsKey(word) && peek("(")) {
                at++;
                List<Long> args = new ArrayList<>();
                args.add(or());
                while (peek(",")) {
                    at++;
                    args.add(or());
                }
                expect(")");
                return call(word, args.stream().mapToLong(Long::longValue).toArray());
            }
            if (word.isEmpty()) {
                throw new IllegalArgumentException("cannot evaluate '" + s + "' at " + at);
            }
            return value(word);
        }

        private long number() {
            int start = at;
            while (at < s.length() && Character.isLetterOrDigit(s.charAt(at))) {
                at++;
            }
            String n = s.substring(start, at).replaceAll("[uUlL]+$", "");
            return n.startsWith("0x") || n.startsWith("0X") ? Long.parseLong(n.substring(2), 16) : Long.parseLong(n);
        }

        private String word() {
            skipSpace();
            int start = at;
            while (at < s.length() && (Character.isLetterOrDigit(s.charAt(at)) || s.charAt(at) == '_')) {
                at++;
            }
            return s.substring(start, at);
        }

        private boolean peek(String token) {
            skipSpace();
            return s.startsWith(token, at);
        }

        private void expect(String token) {
            if (!peek(token)) {
                throw new IllegalArgumentException("expected '" + token + "' in '" + s + "' at " + at);
            }
            at += token.length();
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }
    }
}
