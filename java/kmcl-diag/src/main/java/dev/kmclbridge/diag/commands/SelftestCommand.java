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
import dev.kmclbridge.junit.ScriptablePeerNeeded;
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
                "run the conformance suite against the backend; per-behavior table; exit 0 only if every test that ran passed");
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
                + "On a backend without a scriptable peer (native) the tests that need one are listed as NEEDS-PEER and\n"
                + "not run; the exit code counts only the tests that ran.\n"
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
        if (report.ran() == 0 && report.needsPeer() > 0) {
            inv.err().println("kmcl-diag selftest: no test ran: each of the " + report.needsPeer() + " selected tests "
                    + ScriptablePeerNeeded.REASON + " and backend " + backend + " has none");
        } else if (report.outcomes().isEmpty()) {
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
        String row = "%-9s %-" + resultWidth(report) + "s %s%n";
        out.printf(row, "BEHAVIOR", "RESULT", "TEST");
        for (BehaviorRow r : report.rows()) {
            boolean first = true;
            for (TestOutcome t : r.tests()) {
                out.printf(row, first ? r.behavior() : "", t.result(), t.test());
                if (t.message() != null && (t.result().equals("FAIL") || t.result().equals("SKIP"))) {
                    out.printf("%-16s -> %s%n", "", t.message());
                }
                first = false;
            }
        }
        String notRun = report.needsPeer() == 0 ? ""
                : String.format(", %d not run (%s)", report.needsPeer(), ScriptablePeerNeeded.REASON);
        out.printf("%d tests: %d passed, %d failed, %d skipped%s; %d behaviors covered (%d failing) on backend %s%n",
                report.outcomes().size(), report.passed(), report.failed(), report.skipped(), notRun,
                report.behaviorCount(), report.failingBehaviorCount(), report.backend());
        if (report.needsPeer() > 0) {
            out.printf("%s: the test %s; backend %s has none, so it did not run and the verdict counts only the %d "
                    + "that ran%n", TestOutcome.NEEDS_PEER, ScriptablePeerNeeded.REASON, report.backend(), report.ran());
        }
        out.println(report.allPassed() ? "SELFTEST PASSED" : "SELFTEST FAILED");
    }

    /** The RESULT column is as wide as "RESULT" unless a NEEDS-PEER row needs more, so fake's table keeps its layout. */
    private static int resultWidth(SelftestReport report) {
        return report.outcomes().stream().mapToInt(t -> t.result().length()).max().orElse(0) > 6
                ? TestOutcome.NEEDS_PEER.length() : 6;
    }
}
