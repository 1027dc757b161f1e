package dev.kmclbridge.diag.capture;

import java.util.List;

/** The result of a replay: one comparison per recorded packet, in recorded order. */
public record ReplayReport(List<PacketComparison> packets) {
    public ReplayReport {
        packets = List.copyOf(packets);
    }

    /** True when every packet matched. */
    public boolean allMatch() {
        return packets.stream().allMatch(PacketComparison::match);
    }

    public long mismatches() {
        return packets.stream().filter(p -> !p.match()).count();
    }
}
