package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.Command;

/** A command whose name and one-line summary are fixed values given at construction. */
abstract class NamedCommand implements Command {
    private final String name;
    private final String summary;

    NamedCommand(String name, String summary) {
        this.name = name;
        this.summary = summary;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String summary() {
        return summary;
    }
}
