package dev.kmclbridge.diag;

import org.apache.commons.cli.CommandLine;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** Typed reads of option values; anything malformed is a {@link DiagFailure} with {@link ExitCode#BAD_INPUT}. */
public final class OptionValues {
    private final CommandLine cl;

    public OptionValues(CommandLine cl) {
        this.cl = cl;
    }

    public boolean has(String opt) {
        return cl.hasOption(opt);
    }

    public String string(String opt, String def) {
        String v = cl.getOptionValue(opt);
        return v == null ? def : v;
    }

    public long longValue(String opt, long def, long min, long max) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return def;
        }
        long n = AsciiNumbers.integerOrHex(v).orElseThrow(
                () -> DiagFailure.badInput("--" + opt + ": " + EchoedText.quote(v) + " is not a number"));
        if (n < min || n > max) {
            throw DiagFailure.badInput("--" + opt + ": " + n + " is out of range " + min + ".." + max);
        }
        return n;
    }

    public int intValue(String opt, int def, int min, int max) {
        return (int) longValue(opt, def, min, max);
    }

    /** Seconds, fractions allowed ("0.5"). */
    public Duration seconds(String opt, Duration def) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return def;
        }
        double s = decimal(opt, v, "a number of seconds");
        if (!(s >= 0) || s > 86_400 * 365) {
            throw DiagFailure.badInput("--" + opt + ": " + EchoedText.value(v) + " seconds is out of range");
        }
        return Duration.ofNanos((long) (s * 1e9));
    }

    public double doubleValue(String opt, double def, double min, double max) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return def;
        }
        double d = decimal(opt, v, "a number");
        if (!(d >= min && d <= max)) {
            throw DiagFailure.badInput("--" + opt + ": " + EchoedText.value(v) + " is out of range " + min + ".." + max);
        }
        return d;
    }

    /** {@code v} as a double; bad input "'v' is not {@code what}" when it is not one. */
    private static double decimal(String opt, String v, String what) {
        return AsciiNumbers.decimal(v).orElseThrow(
                () -> DiagFailure.badInput("--" + opt + ": " + EchoedText.quote(v) + " is not " + what));
    }

    public UUID guid(String opt) {
        return Guids.parse("--" + opt, cl.getOptionValue(opt));
    }

    public byte[] hex(String opt, byte[] def) {
        String v = cl.getOptionValue(opt);
        return v == null ? def : Hex.parse("--" + opt, v);
    }

    /** The option's value as a path; a string that cannot be a path (a NUL character) is bad input. */
    public Path path(String opt) {
        return path("--" + opt, cl.getOptionValue(opt));
    }

    /** {@code text} as a path; a string that cannot be a path (a NUL character) is bad input naming {@code what}. */
    public static Path path(String what, String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw DiagFailure.badInput(what + ": " + EchoedText.quote(text) + " is not a file name (" + e.getReason() + ")");
        }
    }

    public String[] positional() {
        return cl.getArgs();
    }

    public CommandLine commandLine() {
        return cl;
    }
}
