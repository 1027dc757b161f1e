package dev.kmclbridge.diag.capture;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A whole capture: header, packets in {@code seq} order, and the end record if the capture finished. */
public record Capture(CaptureHeader header, List<CapturedPacket> packets, Optional<CaptureEnd> end) {
    public Capture {
        packets = packets.stream().sorted(Comparator.comparingLong(CapturedPacket::seq)).toList();
    }
}
