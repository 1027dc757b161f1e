package dev.kmclbridge.diag;

import org.apache.commons.cli.Option;

/** The two kinds of command option kmcl-diag declares: "--name VALUE" and the flag "--name" (no short forms). */
public final class LongOption {
    private LongOption() {
    }

    /** {@code --name VALUE}, shown in help as {@code --name <VALUE>}. */
    public static Option withValue(String name, String valueName, String description) {
        return Option.builder().longOpt(name).hasArg().argName(valueName).desc(description).get();
    }

    /** {@code --name} without a value. */
    public static Option flag(String name, String description) {
        return Option.builder().longOpt(name).desc(description).get();
    }
}
