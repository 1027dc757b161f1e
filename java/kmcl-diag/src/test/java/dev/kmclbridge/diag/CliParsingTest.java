package dev.kmclbridge.diag;

import dev.kmclbridge.diag.commands.Commands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliParsingTest {
    static Stream<String> commandNames() {
        return Commands.all().stream().map(Command::name);
    }

    @Test
    void topLevelHelpListsEveryCommandAndTheExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code(), r::toString);
        commandNames().forEach(n -> assertTrue(r.out().contains("  " + n + " "), "help lists " + n));
        for (ExitCode e : ExitCode.values()) {
            assertTrue(r.out().contains(e.code() + "  " + e.meaning()), "help documents exit code " + e.code());
        }
        assertEquals("", r.err());
    }

    @ParameterizedTest
    @MethodSource("commandNames")
    void everyCommandHasItsOwnHelp(String name) {
        for (Cli.Result r : new Cli.Result[] {Cli.run(name, "--help"), Cli.run("--help", name), Cli.run(name, "-h")}) {
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().startsWith("usage: kmcl-diag " + name), r::toString);
            assertTrue(r.out().contains("--backend"), "mentions the global options");
            assertEquals("", r.err());
        }
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result r = Cli.run();
        r.failedOnOneLine(2);
        assertTrue(r.err().contains("no command given"));
    }

    @Test
    void unknownCommandIsAUsageErrorOnOneLine() {
        Cli.Result r = Cli.run("frobnicate");
        r.failedOnOneLine(2);
        assertTrue(r.err().startsWith("kmcl-diag: unknown command 'frobnicate'"), r::toString);
    }

    @Test
    void unknownOptionIsAUsageErrorOnOneLine() {
        Cli.Result r = Cli.fake("send", "--frobnicate", "00");
        r.failedOnOneLine(2);
        assertTrue(r.err().contains("unknown option '--frobnicate'"), r::toString);
        Cli.Result top = Cli.run("--frobnicate");
        top.failedOnOneLine(2);
    }

    @Test
    void optionOfAnotherCommandIsUnknown() {
        Cli.Result r = Cli.fake("status", "--wait-completion");
        r.failedOnOneLine(2);
    }

    @Test
    void missingOptionValueIsAUsageError() {
        Cli.Result r = Cli.fake("stats", "--watch");
        r.failedOnOneLine(2);
        assertTrue(r.err().contains("--watch needs a value"), r::toString);
    }

    @Test
    void unknownBackendIsAUsageError() {
        Cli.Result r = Cli.run("--backend", "hyperv", "status");
        r.failedOnOneLine(2);
        assertTrue(r.err().contains("fake, loopback, native"));
    }

    @Test
    void unavailableBackendExitsWith4() {
        Cli.Result r = Cli.run("--backend", "native", "status");
        r.failedOnOneLine(4);
    }

    @Test
    void unexpectedPositionalArgumentIsAUsageError() {
        Cli.Result r = Cli.fake("status", "extra");
        r.failedOnOneLine(2);
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheCommand() {
        assertEquals(0, Cli.run("--backend", "fake", "--json", "status").code());
        assertEquals(0, Cli.run("status", "--json", "--backend=fake").code());
        assertEquals(0, Cli.run("-b", "fake", "status").code());
    }

    @Test
    void sendWithoutPayloadIsAUsageError() {
        Cli.Result r = Cli.fake("send");
        r.failedOnOneLine(2);
    }

    @Test
    void defaultedBackendIsAnnouncedOnOneStderrLine() {
        String prev = System.getProperty("kmcl.backend");
        System.clearProperty("kmcl.backend");
        try {
            Cli.Result r = Cli.run("status");
            assertEquals(0, r.code(), r::toString);
            assertEquals(1, r.errLines().size(), r::toString);
            assertTrue(r.err().startsWith("kmcl-diag: using backend 'fake'"), r::toString);
            Cli.Result explicit = Cli.fake("status");
            assertEquals("", explicit.err(), "an explicit --backend is not announced");
        } finally {
            if (prev != null) {
                System.setProperty("kmcl.backend", prev);
            }
        }
    }
}
