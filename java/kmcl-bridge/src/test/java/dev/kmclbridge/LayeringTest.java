package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-way layering: the backend SPI ({@code dev.kmclbridge.spi}) and the peer API ({@code dev.kmclbridge.peer})
 * depend on nothing above them (the typed API in {@code dev.kmclbridge}, the backends {@code .fake} and
 * {@code .jna}), and the typed API does not know the backends. Checked on the compiled classes' constant pools
 * (every class, descriptor and signature a class refers to) and on the sources (which also catches doc links).
 */
class LayeringTest {
    private static final String TOP = "dev/kmclbridge/";

    @Test
    void spiRefersToNoTypedApiOrBackendClass() throws IOException {
        assertNoReferences("spi", Pattern.compile("dev[/.]kmclbridge[/.]([A-Z]\\w*|fake[/.]|jna[/.])"));
    }

    @Test
    void peerApiRefersToNoTypedApiSpiOrBackendClass() throws IOException {
        assertNoReferences("peer", Pattern.compile("dev[/.]kmclbridge[/.]([A-Z]\\w*|spi[/.]|fake[/.]|jna[/.])"));
    }

    @Test
    void typedApiRefersToNoBackendClass() throws IOException {
        assertNoReferences("", Pattern.compile("dev[/.]kmclbridge[/.](fake|jna)[/.]"));
    }

    /** The checker itself sees references: the typed API does refer to the SPI. */
    @Test
    void checkerFindsTheTypedApisUseOfTheSpi() throws IOException {
        assertTrue(!offenders("", Pattern.compile("dev[/.]kmclbridge[/.]spi[/.]")).isEmpty());
    }

    private static void assertNoReferences(String pkg, Pattern forbidden) throws IOException {
        List<String> found = offenders(pkg, forbidden);
        assertTrue(found.isEmpty(), "package dev.kmclbridge" + (pkg.isEmpty() ? "" : "." + pkg)
                + " refers to classes above it:\n" + String.join("\n", found));
    }

    /** "File: referenced name" for every compiled class and source file of {@code pkg} (not subpackages). */
    private static List<String> offenders(String pkg, Pattern forbidden) throws IOException {
        List<String> out = new ArrayList<>();
        String dir = pkg.isEmpty() ? TOP : TOP + pkg + "/";
        for (Path c : filesIn(classesRoot().resolve(dir), ".class")) {
            for (String text : constantPoolStrings(c)) {
                Matcher m = forbidden.matcher(text);
                while (m.find()) {
                    out.add(c.getFileName() + ": " + text);
                }
            }
        }
        for (Path s : filesIn(sourcesRoot().resolve(dir), ".java")) {
            Matcher m = forbidden.matcher(Files.readString(s));
            while (m.find()) {
                out.add(s.getFileName() + " (source): " + m.group());
            }
        }
        return out;
    }

    private static List<Path> filesIn(Path dir, String suffix) throws IOException {
        assertTrue(Files.isDirectory(dir), "no directory " + dir);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static Path classesRoot() {
        try {
            return Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path sourcesRoot() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return module.resolve("src/main/java");
    }

    /** Every CONSTANT_Utf8 of a class file: class names, descriptors, generic signatures and string literals. */
    private static TreeSet<String> constantPoolStrings(Path classFile) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException(classFile + " is not a class file");
            }
            in.readUnsignedShort(); // minor version
            in.readUnsignedShort(); // major version
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1: out.add(in.readUTF()); break;                      // Utf8
                    case 7: case 8: case 16: case 19: case 20: in.skipNBytes(2); break; // Class, String, MethodType, Module, Package
                    case 15: in.skipNBytes(3); break;                          // MethodHandle
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: in.skipNBytes(4); break;
                    case 5: case 6: in.skipNBytes(8); i++; break;              // Long, Double take two slots
                    default: throw new IOException(classFile + ": unknown constant pool tag " + tag);
                }
            }
        }
        return out;
    }
}
