package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.Command;

import java.util.List;

/** Every kmcl-diag command, in help order. */
public final class Commands {
    private Commands() {
    }

    public static List<Command> all() {
        return List.of(new StatusCommand(), new EndpointsCommand(), new ChannelsCommand(), new StatsCommand(),
                new OpenCommand(), new SendCommand(), new WatchCommand(), new FailCommand(), new HealthCommand(),
                new BenchCommand(), new SelftestCommand(), new CaptureCommand(), new ReplayCommand(),
                new dev.kmclbridge.diag.ic.IcCommand());
    }
}
