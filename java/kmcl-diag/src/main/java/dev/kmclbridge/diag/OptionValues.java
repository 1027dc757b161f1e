package dev.kmclbridge.diag;

import org.apache.commons.cli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
        long n;
        try {
            n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw DiagFailure.badInput("--" + opt + ": '" + v + "' is not a number");
        }
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
            throw DiagFailure.badInput("--" + opt + ": " + v + " seconds is out of range");
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
            throw DiagFailure.badInput("--" + opt + ": " + v + " is out of range " + min + ".." + max);
        }
        return d;
    }

    /** {@code v} as a double; bad input "'v' is not {@code what}" when it is not one. */
    private static double decimal(String opt, String v, String what) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw DiagFailure.badInput("--" + opt + ": '" + v + "' is not " + what);
        }
    }

    public UUID guid(String opt) {
        return Guids.parse("--" + opt, cl.getOptionValue(opt));
    }

    public byte[] hex(String opt, byte[] def) {
        String v = cl.getOptionValue(opt);
        return v == null ? def : Hex.parse("--" + opt, v);
    }

    /** Reads a whole file named by the option; a missing or unreadable file is bad input. */
    public static byte[] readFile(String what, String file) {
        Path p = Path.of(file);
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw DiagFailure.badInput(what + ": no such file: " + file);
        } catch (IOException e) {
            throw DiagFailure.badInput(what + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    public String[] positional() {
        return cl.getArgs();
    }

    public CommandLine commandLine() {
        return cl;
    }
}
