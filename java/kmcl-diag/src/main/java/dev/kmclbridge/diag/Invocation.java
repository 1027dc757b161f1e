package dev.kmclbridge.diag;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.peer.Peer;

import java.io.PrintStream;
import java.util.Optional;

/**
 * Everything one command run needs: its parsed options, the output streams, the global flags and the backend
 * (opened lazily, once, and closed by {@link KmclDiag}).
 */
public final class Invocation implements AutoCloseable {
    private final Command command;
    private final OptionValues options;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean json;
    private final boolean verbose;
    private final BackendChoice backend;
    private Kmcl kmcl;
    private boolean announced;

    public Invocation(Command command, OptionValues options, PrintStream out, PrintStream err, boolean json,
                      boolean verbose, BackendChoice backend) {
        this.command = command;
        this.options = options;
        this.out = out;
        this.err = err;
        this.json = json;
        this.verbose = verbose;
        this.backend = backend;
    }

    public Command command() {
        return command;
    }

    public OptionValues options() {
        return options;
    }

    /** Standard output (the first use announces a defaulted backend on stderr). */
    public PrintStream out() {
        announce();
        return out;
    }

    /** Standard error, for progress and notes (never for results). */
    public PrintStream err() {
        announce();
        return err;
    }

    public boolean json() {
        return json;
    }

    public boolean verbose() {
        return verbose;
    }

    public BackendChoice backendChoice() {
        return backend;
    }

    /** The backend, opened on first use. */
    public Kmcl kmcl() {
        if (kmcl == null) {
            kmcl = backend.open();
        }
        return kmcl;
    }

    /** The backend's scriptable peer (fake, loopback); empty on native. */
    public Optional<Peer> peer() {
        return kmcl().peer();
    }

    /** Prints the result as pretty JSON on stdout. */
    public void printJson(Object value) {
        out().println(JsonOutput.pretty(value));
    }

    /** Prints one JSON Lines record on stdout and flushes (streams). */
    public void printJsonLine(Object value) {
        PrintStream o = out();
        o.println(JsonOutput.line(value));
        o.flush();
    }

    /** Prints the backend announcement now if it is due (at most once). */
    public void announce() {
        if (!announced && !backend.explicit()) {
            announced = true;
            err.println(backend.announcement());
        }
    }

    @Override
    public void close() {
        if (kmcl != null) {
            Kmcl k = kmcl;
            kmcl = null;
            k.close();
        }
    }
}
