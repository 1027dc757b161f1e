package dev.kmclbridge.diag.commands;

import dev.kmclbridge.BackendInfo;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Invocation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code status}: backend, driver/protocol/KMCL interface versions, endpoint and channel counts. */
public final class StatusCommand extends NamedCommand {
    public StatusCommand() {
        super("status", "backend, driver and protocol versions, KMCL interface version, endpoint and channel counts");
    }

    @Override
    public String helpFooter() {
        return "Example: kmcl-diag status --json";
    }

    @Override
    public ExitCode run(Invocation inv) {
        Kmcl kmcl = inv.kmcl();
        BackendInfo info = kmcl.info();
        int endpoints = kmcl.endpoints().size();
        int channels = kmcl.channels().size();
        Map<String, String> backends = new LinkedHashMap<>();
        for (Map.Entry<String, Optional<String>> e : Kmcl.backends().entrySet()) {
            backends.put(e.getKey(), e.getValue().map(r -> "unavailable: " + r).orElse("available"));
        }
        if (inv.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", info.name());
            m.put("description", info.description());
            m.put("protocolVersion", info.protocolVersion());
            m.put("driverVersion", info.driverVersion());
            m.put("kmclInterfaceVersion", info.kmclInterfaceVersion());
            m.put("peer", kmcl.peer().isPresent());
            m.put("endpoints", endpoints);
            m.put("channels", channels);
            m.put("backends", backends);
            inv.printJson(m);
        } else {
            var out = inv.out();
            out.printf("backend:                %s (%s)%n", info.name(), info.description());
            out.printf("bridge protocol:        %d%n", info.protocolVersion());
            out.printf("driver version:         %s%n", info.driverVersion());
            out.printf("KMCL interface version: %d%n", info.kmclInterfaceVersion());
            out.printf("scriptable peer:        %s%n", kmcl.peer().isPresent() ? "yes" : "no");
            out.printf("endpoints:              %d%n", endpoints);
            out.printf("channels (this process): %d%n", channels);
            out.println("backends on the class path:");
            backends.forEach((k, v) -> out.printf("  %-9s %s%n", k, v));
        }
        return ExitCode.OK;
    }
}
