package dev.kmclbridge.diag;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Prints the top-level help and each command's help (Commons CLI help formatter). */
public final class HelpPrinter {
    private HelpPrinter() {
    }

    /** Help for "kmcl-diag --help". */
    public static void printTopLevel(PrintStream out, List<Command> commands) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: kmcl-diag [--backend fake|loopback|native] [--json] [--verbose] COMMAND [OPTIONS]\n\n");
        sb.append("Diagnostics for kmcl-bridge: typed Java access to Hyper-V VMBus channels through KMCL.\n\n");
        sb.append("Commands:\n");
        for (Command c : commands) {
            sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        sb.append("\nGlobal options (accepted before or after the command):\n");
        out.print(sb);
        print(out, GlobalOptions.create());
        StringBuilder tail = new StringBuilder("\nExit codes:\n");
        for (ExitCode e : ExitCode.values()) {
            tail.append(String.format("  %d  %s%n", e.code(), e.meaning()));
        }
        tail.append("\n'kmcl-diag COMMAND --help' shows a command's options. On fake and loopback every command that needs\n"
                + "traffic opens its own channel to a peer offer inside this process and drives the other side with the\n"
                + "peer; on native it opens a channel to the endpoint given with --endpoint TYPE-OR-INSTANCE-GUID.\n");
        out.print(tail);
        out.flush();
    }

    /** Help for "kmcl-diag COMMAND --help". */
    public static void printCommand(PrintStream out, Command c) {
        out.println("usage: kmcl-diag " + c.name() + " [OPTIONS]" + (c.positionalUsage().isEmpty() ? "" : " " + c.positionalUsage()));
        out.println();
        out.println(c.summary());
        out.println();
        if (!c.options().getOptions().isEmpty()) {
            out.println("Options:");
            print(out, c.options());
            out.println();
        }
        out.println("Global options: --backend fake|loopback|native, --json, --verbose, --help");
        if (!c.helpFooter().isEmpty()) {
            out.println();
            out.print(c.helpFooter().endsWith("\n") ? c.helpFooter() : c.helpFooter() + "\n");
        }
        out.flush();
    }

    private static void print(PrintStream out, Options options) {
        StringBuilder sb = new StringBuilder();
        TextHelpAppendable text = new TextHelpAppendable(sb);
        text.setMaxWidth(110);
        HelpFormatter f = HelpFormatter.builder().setShowSince(false).setHelpAppendable(text).get();
        try {
            f.printOptions(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.print(sb);
    }

    /** "--name ARG" / "-n, --name" for messages. */
    static String display(Option o) {
        return o.getLongOpt() != null ? "--" + o.getLongOpt() : "-" + o.getOpt();
    }
}
