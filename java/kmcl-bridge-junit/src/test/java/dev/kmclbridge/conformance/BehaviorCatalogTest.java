package dev.kmclbridge.conformance;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behavior catalog (docs/kmcl-api.md) ships with the repository: every B and Q id that code, tests and docs
 * name must be defined there, so a fresh clone resolves all of them.
 */
class BehaviorCatalogTest {
    private static final Pattern BEHAVIOR_DEFINITION = Pattern.compile("^- \\*\\*(B\\d+)\\*\\*", Pattern.MULTILINE);
    private static final Pattern QUESTION_DEFINITION = Pattern.compile("^\\*\\*(Q\\d+)\\.", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("(?<![A-Za-z0-9_#$])([BQ]\\d{1,3})(?![0-9A-Za-z])");
    private static final Set<String> SOURCE_SUFFIXES = Set.of(".java", ".c", ".h", ".md", ".py", ".sh", ".ps1");
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", "build", "node_modules");

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs/kmcl-api.md"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "docs/kmcl-api.md not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    static Set<String> definedIds(Path root) throws IOException {
        String catalog = Files.readString(root.resolve("docs/kmcl-api.md"));
        Set<String> ids = new TreeSet<>();
        for (Pattern p : new Pattern[]{BEHAVIOR_DEFINITION, QUESTION_DEFINITION}) {
            Matcher m = p.matcher(catalog);
            while (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    @Test
    void catalogDefinesBehaviorsB1ToB157InOrderWithoutGaps() throws IOException {
        Set<String> ids = definedIds(repositoryRoot());
        Set<String> behaviors = ids.stream().filter(i -> i.startsWith("B")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = Stream.iterate(1, i -> i + 1).limit(157).map(i -> "B" + i)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, behaviors);
    }

    @Test
    void everyBehaviorIdNamedInTheRepositoryIsDefinedInTheCatalog() throws IOException {
        Path root = repositoryRoot();
        Set<String> defined = definedIds(root);
        Map<String, String> unresolved = new TreeMap<>();
        int references = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).filter(BehaviorCatalogTest::isSource).collect(Collectors.toList())) {
                if (f.endsWith(Path.of("docs", "kmcl-api.md"))) {
                    continue;
                }
                String[] lines = Files.readString(f).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    Matcher m = REFERENCE.matcher(lines[i]);
                    while (m.find()) {
                        references++;
                        if (!defined.contains(m.group(1))) {
                            unresolved.putIfAbsent(m.group(1), root.relativize(f) + ":" + (i + 1));
                        }
                    }
                }
            }
        }
        assertEquals(Map.of(), unresolved, "ids named in the repository but not defined in docs/kmcl-api.md");
        assertTrue(references > 500, "only " + references + " references found: is the walk reading the sources?");
    }

    private static boolean isSource(Path f) {
        for (Path part : f) {
            if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                return false;
            }
        }
        String name = f.getFileName().toString();
        return SOURCE_SUFFIXES.stream().anyMatch(name::endsWith);
    }
}
