package dev.kmclbridge.diag;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** The options every command accepts (before or after the command word). */
public final class GlobalOptions {
    public static final String BACKEND = "backend";
    public static final String JSON = "json";
    public static final String VERBOSE = "verbose";
    public static final String HELP = "help";

    private GlobalOptions() {
    }

    /** --backend, --json, --verbose and -h/--help. */
    public static Options create() {
        Options o = new Options();
        o.addOption(Option.builder("b").longOpt(BACKEND).hasArg().argName("NAME")
                .desc("backend: fake, loopback or native (default: native when the driver is present, else fake)").get());
        o.addOption(Option.builder().longOpt(JSON).desc("machine-readable JSON on stdout (JSON Lines for streams)").get());
        o.addOption(Option.builder("v").longOpt(VERBOSE).desc("stack traces on errors").get());
        o.addOption(Option.builder("h").longOpt(HELP).desc("show help").get());
        return o;
    }

    /** True when the token is a global option that takes the next token as its value. */
    static boolean takesSeparateValue(String token) {
        return token.equals("--" + BACKEND) || token.equals("-b");
    }
}
