package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.diag.selftest.BehaviorRow;
import dev.kmclbridge.diag.selftest.ConformanceRunner;
import dev.kmclbridge.diag.selftest.SelftestReport;
import dev.kmclbridge.diag.selftest.TestOutcome;
import org.apache.commons.cli.Options;

import java.io.PrintStream;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static dev.kmclbridge.diag.LongOption.withValue;

/** {@code selftest}: runs the conformance suite against the selected backend and prints a per-behavior table. */
public final class SelftestCommand extends NamedCommand {
    static final String PACKAGE = "package";
    static final String CLASSES = "classes";
    static final String TEST_TIMEOUT = "test-timeout";
    static final String ENDPOINT = "endpoint";

    public SelftestCommand() {
        super("selftest",
                "run the conformance suite against the backend; per-behavior table; exit 0 only if every test passes");
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(withValue(PACKAGE, "PKG", "package to scan (default " + ConformanceRunner.SUITE_PACKAGE + ")"))
                .addOption(withValue(CLASSES, "REGEX", "class-name pattern, matched against the simple or the fully "
                        + "qualified name (default " + ConformanceRunner.SUITE_CLASSES + ")"))
                .addOption(withValue(TEST_TIMEOUT, "SECONDS",
                        "a test running longer than this is reported as hung and FAIL (default 30)"))
                .addOption(withValue(ENDPOINT, "IC", "run the integration-component subset instead (heartbeat, shutdown, "
                        + "timesync, kvp or an IC GUID): needs no scriptable peer, so it runs on native too"));
    }

    @Override
    public String helpFooter() {
        return "Runs the JUnit 5 contract tests shipped in kmcl-bridge-junit with the JUnit Platform Launcher; each test is\n"
                + "named after the behavior-catalog ids it checks (B1..B157). Skipped or aborted tests count as not passed.\n"
                + "With --verbose each test is announced on stderr as it starts and ends.\n"
                + "Examples: kmcl-diag selftest                    (fake on a machine without the driver)\n"
                + "          kmcl-diag selftest --backend native   (on a Hyper-V VM with the driver installed)";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        java.time.Duration testTimeout = v.seconds(TEST_TIMEOUT, java.time.Duration.ofSeconds(30));
        if (v.has(ENDPOINT)) {
            return dev.kmclbridge.diag.ic.IcSelftest.run(inv, v.string(ENDPOINT, ""), testTimeout);
        }
        String backend = inv.backendChoice().name();
        inv.kmcl().close(); // fail fast (exit 4) when the backend cannot be opened; the tests open their own
        ConformanceRunner runner = new ConformanceRunner(v.string(PACKAGE, ConformanceRunner.SUITE_PACKAGE),
                classPattern(v), inv.verbose() ? inv.err() : null, testTimeout);
        SelftestReport report = runner.run(backend);
        if (inv.json()) {
            inv.printJson(report.toJson());
        } else {
            print(inv.out(), report);
        }
        if (report.outcomes().isEmpty()) {
            inv.err().println("kmcl-diag selftest: no conformance tests found (package " + v.string(PACKAGE, ConformanceRunner.SUITE_PACKAGE)
                    + ", classes " + v.string(CLASSES, ConformanceRunner.SUITE_CLASSES) + ")");
        }
        return report.allPassed() ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    /** --classes as a regular expression; one that does not compile is bad input. */
    private static Pattern classPattern(OptionValues v) {
        String text = v.string(CLASSES, ConformanceRunner.SUITE_CLASSES);
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw DiagFailure.badInput("--" + CLASSES + ": " + EchoedText.quote(text) + " is not a regular expression ("
                    + e.getDescription() + ")");
        }
    }

    static void print(PrintStream out, SelftestReport report) {
        out.printf("%-9s %-6s %s%n", "BEHAVIOR", "RESULT", "TEST");
        for (BehaviorRow row : report.rows()) {
            boolean first = true;
            for (TestOutcome t : row.tests()) {
                out.printf("%-9s %-6s %s%n", first ? row.behavior() : "", t.result(), t.test());
                if (t.message() != null && !t.result().equals("PASS")) {
                    out.printf("%-16s -> %s%n", "", t.message());
                }
                first = false;
            }
        }
        out.printf("%d tests: %d passed, %d failed, %d skipped; %d behaviors covered (%d failing) on backend %s%n",
                report.outcomes().size(), report.passed(), report.failed(), report.skipped(), report.behaviorCount(),
                report.rows().stream().filter(r -> !r.result().equals("PASS") && !r.behavior().equals("-")).count(),
                report.backend());
        out.println(report.allPassed() ? "SELFTEST PASSED" : "SELFTEST FAILED");
    }
}
