package dev.kmclbridge.diag;

import dev.kmclbridge.KmclException;
import dev.kmclbridge.diag.commands.Commands;
import org.apache.commons.cli.AlreadySelectedException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.MissingOptionException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kmcl-diag entry point: finds the command word, parses the global and the command's options with Commons
 * CLI, runs the command, and turns every failure into one stderr line and an {@link ExitCode}.
 */
public final class KmclDiag {
    private final PrintStream out;
    private final PrintStream err;
    private final List<Command> commands;

    public KmclDiag(PrintStream out, PrintStream err) {
        this(out, err, Commands.all());
    }

    public KmclDiag(PrintStream out, PrintStream err, List<Command> commands) {
        this.out = out;
        this.err = err;
        this.commands = commands;
    }

    public static void main(String[] args) {
        int code = new KmclDiag(System.out, System.err).run(args);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line and returns the process exit code. */
    public int run(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        String context = "kmcl-diag";
        try {
            int at = commandIndex(args);
            if (at < 0) {
                if (hasHelpFlag(args)) {
                    HelpPrinter.printTopLevel(out, commands);
                    return ExitCode.OK.code();
                }
                Optional<String> unknown = Arrays.stream(args).filter(a -> a.startsWith("-")).filter(a -> !isGlobal(a)).findFirst();
                if (unknown.isPresent()) {
                    throw DiagFailure.usage("unknown option " + EchoedText.quote(unknown.get()) + "; see 'kmcl-diag --help'");
                }
                throw DiagFailure.usage("no command given; see 'kmcl-diag --help' (commands: " + commandNames() + ")");
            }
            String name = args[at];
            Command command = commands.stream().filter(c -> c.name().equals(name)).findFirst()
                    .orElseThrow(() -> DiagFailure.usage("unknown command " + EchoedText.quote(name) + "; commands: " + commandNames()));
            context = "kmcl-diag " + name;
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            rest.remove(at);
            CommandLine cl = parse(command, rest.toArray(String[]::new));
            if (cl.hasOption(GlobalOptions.HELP)) {
                HelpPrinter.printCommand(out, command);
                return ExitCode.OK.code();
            }
            if (command.positionalUsage().isEmpty() && cl.getArgs().length > 0) {
                throw DiagFailure.usage("unexpected argument " + EchoedText.quote(cl.getArgs()[0]) + "; see 'kmcl-diag " + name
                        + " --help'");
            }
            BackendChoice backend = BackendChoice.resolve(cl.getOptionValue(GlobalOptions.BACKEND));
            try (Invocation inv = new Invocation(command, new OptionValues(cl), out, err,
                    cl.hasOption(GlobalOptions.JSON), verbose, backend)) {
                ExitCode code = command.run(inv);
                inv.announce();
                out.flush();
                return code.code();
            }
        } catch (DiagFailure f) {
            return report(context, f.getMessage(), f, f.exitCode(), verbose);
        } catch (KmclException e) {
            return report(context, e.getMessage(), e, ExitCode.KMCL_FAILURE, verbose);
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String msg = "internal error: " + e + (verbose ? "" : " (rerun with --verbose for the stack trace)");
            return report(context, msg, e, ExitCode.INTERNAL_ERROR, verbose);
        }
    }

    private int report(String context, String message, Throwable t, ExitCode code, boolean verbose) {
        out.flush();
        String oneLine = (message == null ? t.getClass().getSimpleName() : message).replaceAll("\\s*\\R\\s*", " ").strip();
        err.println(EchoedText.line(context + ": " + oneLine));
        if (verbose) {
            t.printStackTrace(err);
        }
        err.flush();
        return code.code();
    }

    private CommandLine parse(Command command, String[] args) {
        Options all = GlobalOptions.create();
        for (Option o : command.options().getOptions()) {
            all.addOption(o);
        }
        CommandLine cl;
        try {
            cl = DefaultParser.builder().setAllowPartialMatching(false).get().parse(all, args);
        } catch (UnrecognizedOptionException e) {
            throw DiagFailure.usage("unknown option " + EchoedText.quote(e.getOption()) + "; see 'kmcl-diag " + command.name()
                    + " --help'");
        } catch (MissingArgumentException e) {
            throw DiagFailure.usage("option " + HelpPrinter.display(e.getOption()) + " needs a value; see 'kmcl-diag "
                    + command.name() + " --help'");
        } catch (MissingOptionException e) {
            throw DiagFailure.usage("missing required option(s) " + e.getMissingOptions().stream()
                    .map(Object::toString).collect(Collectors.joining(", ")) + "; see 'kmcl-diag " + command.name() + " --help'");
        } catch (AlreadySelectedException e) {
            throw DiagFailure.usage("options " + HelpPrinter.display(e.getOption()) + " and another of its group exclude each other");
        } catch (ParseException e) {
            throw DiagFailure.usage(e.getMessage() + "; see 'kmcl-diag " + command.name() + " --help'");
        }
        refuseRepeatedValues(command, cl);
        return cl;
    }

    /**
     * A single-valued option given more than once is a usage error: taking the first (or the last) value silently
     * would run with a choice the user did not notice. Flags may repeat (no value to disagree about); options a
     * command declares repeatable (capture --send) may too.
     */
    private static void refuseRepeatedValues(Command command, CommandLine cl) {
        Map<Option, List<String>> given = new LinkedHashMap<>(); // Option equality is by name: one entry per option
        for (Option o : cl.getOptions()) {
            if (o.hasArg() && !command.repeatableOptions().contains(o.getLongOpt())) {
                given.computeIfAbsent(o, k -> new ArrayList<>()).add(o.getValue());
            }
        }
        given.forEach((option, values) -> {
            if (values.size() > 1) {
                throw DiagFailure.usage(HelpPrinter.display(option) + " given " + values.size() + " times ("
                        + values.stream().map(EchoedText::quote).collect(Collectors.joining(", ")) + "); give it once");
            }
        });
    }

    /** Index of the command word: the first token that is neither an option nor a global option's value. */
    private static int commandIndex(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return i + 1 < args.length ? i + 1 : -1;
            }
            if (a.startsWith("-")) {
                if (GlobalOptions.takesSeparateValue(a)) {
                    i++;
                }
                continue;
            }
            return i;
        }
        return -1;
    }

    private static boolean hasHelpFlag(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    private static boolean isGlobal(String a) {
        String bare = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        return GlobalOptions.create().hasOption(bare.replaceFirst("^--?", ""));
    }

    private String commandNames() {
        return commands.stream().map(Command::name).collect(Collectors.joining(", "));
    }
}
