package dev.kmclbridge.diag.capture;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One line of a capture file (JSON Lines, docs/capture-format.md). The {@code "record"} property says which kind:
 * {@code header} (first line), {@code packet} (one per packet, any order; {@code seq} gives the order), {@code end}
 * (last line; missing when the capture was interrupted).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "record")
@JsonSubTypes({
        @JsonSubTypes.Type(value = CaptureHeader.class, name = "header"),
        @JsonSubTypes.Type(value = CapturedPacket.class, name = "packet"),
        @JsonSubTypes.Type(value = CaptureEnd.class, name = "end")
})
public sealed interface CaptureRecord permits CaptureHeader, CapturedPacket, CaptureEnd {
}
