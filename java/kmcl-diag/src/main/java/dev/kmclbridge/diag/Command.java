package dev.kmclbridge.diag;

import org.apache.commons.cli.Options;

import java.util.Set;

/** One kmcl-diag sub-command: its name, its own options and what it does. One class per command. */
public interface Command {
    /** The word on the command line ("status", "send", ...). */
    String name();

    /** One line for the command list in the top-level help. */
    String summary();

    /** The command's own options, none by default (the global ones and --help are added by {@link KmclDiag}). */
    default Options options() {
        return new Options();
    }

    /**
     * Options (by long name) that may be given more than once, each adding a value; every other option that takes
     * a value may be given once (a repeat is a usage error).
     */
    default Set<String> repeatableOptions() {
        return Set.of();
    }

    /** Positional arguments shown in the usage line, e.g. "[HEX]"; empty when none are accepted. */
    default String positionalUsage() {
        return "";
    }

    /** Text printed after the option list in the command's --help (examples, notes per backend). */
    default String helpFooter() {
        return "";
    }

    /** Runs the command; returns the exit code. Failures with a specific code throw {@link DiagFailure}. */
    ExitCode run(Invocation inv) throws Exception;
}
