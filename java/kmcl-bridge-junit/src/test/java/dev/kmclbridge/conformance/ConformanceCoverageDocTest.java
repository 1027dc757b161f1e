package dev.kmclbridge.conformance;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps docs/conformance-coverage.md in step with the conformance tests that exist. */
class ConformanceCoverageDocTest {
    private static final Pattern TEST_NAME = Pattern.compile("B(\\d+)_\\w+");
    private static final Pattern DOC_ROW = Pattern.compile("^\\| B\\d+ \\| `(\\w+)\\.(B\\d+_\\w+)` \\|", Pattern.MULTILINE);

    private static Set<String> contractTests() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(ConformanceCoverageDocTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getParent().resolve("classes/dev/kmclbridge/conformance");
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.list(classes)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith("Contract.class")).collect(Collectors.toList())) {
                String simple = p.getFileName().toString().replace(".class", "");
                Class<?> c = Class.forName("dev.kmclbridge.conformance." + simple);
                for (Method m : c.getDeclaredMethods()) {
                    if (m.isAnnotationPresent(org.junit.jupiter.api.Test.class)
                            || m.isAnnotationPresent(org.junit.jupiter.params.ParameterizedTest.class)) {
                        out.add(simple + "." + m.getName());
                    }
                }
            }
        }
        return out;
    }

    private static Path doc() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs"))) {
            p = p.getParent();
        }
        return p == null ? Path.of("docs/conformance-coverage.md") : p.resolve("docs/conformance-coverage.md");
    }

    @Test
    void everyContractTestIsNamedAfterOneBehaviorId() throws Exception {
        Set<String> catalog = BehaviorCatalogTest.definedIds(BehaviorCatalogTest.repositoryRoot());
        for (String t : contractTests()) {
            String method = t.substring(t.indexOf('.') + 1);
            assertTrue(TEST_NAME.matcher(method).matches(), t + " is not named B<id>_behavior");
            String id = method.substring(0, method.indexOf('_'));
            assertTrue(catalog.contains(id), t + " names " + id + ", which docs/kmcl-api.md does not define");
        }
    }

    @Test
    void coverageDocListsExactlyTheContractTests() throws Exception {
        Set<String> tests = contractTests();
        String text = Files.readString(doc());
        Set<String> rows = new TreeSet<>();
        Matcher m = DOC_ROW.matcher(text);
        while (m.find()) {
            rows.add(m.group(1) + "." + m.group(2));
        }
        Set<String> missing = new TreeSet<>(tests);
        missing.removeAll(rows);
        Set<String> stale = new TreeSet<>(rows);
        stale.removeAll(tests);
        assertEquals(Set.of(), missing, "tests missing from docs/conformance-coverage.md (run scripts/conformance-table)");
        assertEquals(Set.of(), stale, "rows for tests that no longer exist in docs/conformance-coverage.md");
    }

    @Test
    void suiteCoversAtLeast80DistinctBehaviorIds() throws Exception {
        Set<Integer> ids = new TreeSet<>();
        for (String t : contractTests()) {
            Matcher m = TEST_NAME.matcher(t.substring(t.indexOf('.') + 1));
            if (m.matches()) {
                ids.add(Integer.parseInt(m.group(1)));
            }
        }
        assertTrue(ids.size() >= 80, "only " + ids.size() + " distinct behavior ids: " + ids);
    }
}
