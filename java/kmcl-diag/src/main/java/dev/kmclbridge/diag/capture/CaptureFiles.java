package dev.kmclbridge.diag.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.JsonOutput;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads and writes capture files (JSON Lines, one {@link CaptureRecord} per line, Jackson). */
public final class CaptureFiles {
    private static final ObjectMapper MAPPER = JsonOutput.mapper();

    private CaptureFiles() {
    }

    /** One record as its JSON line (no newline). */
    public static String toLine(CaptureRecord r) {
        try {
            return MAPPER.writerFor(CaptureRecord.class).writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + r, e);
        }
    }

    /** Writes a whole capture (header, packets in seq order, end if present). */
    public static void write(Path file, Capture c) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(toLine(c.header()));
            w.newLine();
            for (CapturedPacket p : c.packets()) {
                w.write(toLine(p));
                w.newLine();
            }
            if (c.end().isPresent()) {
                w.write(toLine(c.end().get()));
                w.newLine();
            }
        }
    }

    /**
     * Reads and validates a capture: the header must come first with a known format and version, seq numbers must
     * be unique, directions and verdicts known. Anything else is a {@link DiagFailure} (bad input) naming the line.
     */
    public static Capture read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw DiagFailure.badInput("capture file not found: " + file);
        } catch (IOException e) {
            throw DiagFailure.badInput("cannot read capture file " + file + ": " + e.getMessage());
        }
        CaptureHeader header = null;
        CaptureEnd end = null;
        List<CapturedPacket> packets = new ArrayList<>();
        Set<Long> seqs = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            CaptureRecord r;
            try {
                r = MAPPER.readValue(line, CaptureRecord.class);
            } catch (JsonProcessingException e) {
                throw bad(file, i, "not a capture record (" + e.getOriginalMessage() + ")");
            }
            if (header == null && !(r instanceof CaptureHeader)) {
                throw bad(file, i, "the first record must be the header");
            }
            if (r instanceof CaptureHeader h) {
                if (header != null) {
                    throw bad(file, i, "a second header");
                }
                if (!CaptureHeader.FORMAT.equals(h.format()) || h.version() != CaptureHeader.VERSION) {
                    throw bad(file, i, "format '" + h.format() + "' version " + h.version() + " (expected "
                            + CaptureHeader.FORMAT + " version " + CaptureHeader.VERSION + ")");
                }
                header = h;
            } else if (r instanceof CapturedPacket p) {
                if (end != null) {
                    throw bad(file, i, "a packet after the end record");
                }
                validate(file, i, p);
                if (!seqs.add(p.seq())) {
                    throw bad(file, i, "duplicate seq " + p.seq());
                }
                packets.add(p);
            } else if (r instanceof CaptureEnd e) {
                end = e;
            }
        }
        if (header == null) {
            throw DiagFailure.badInput("capture file " + file + " is empty (no header record)");
        }
        return new Capture(header, packets, Optional.ofNullable(end));
    }

    private static void validate(Path file, int i, CapturedPacket p) {
        if (!CapturedPacket.IN.equals(p.direction()) && !CapturedPacket.OUT.equals(p.direction())) {
            throw bad(file, i, "direction '" + p.direction() + "' (expected in or out)");
        }
        if (!List.of(CapturedPacket.COMPLETED, CapturedPacket.FAILED, CapturedPacket.PENDING).contains(p.verdict())) {
            throw bad(file, i, "verdict '" + p.verdict() + "' (expected completed, failed or pending)");
        }
        for (String hex : new String[] {p.payload(), p.external(), p.completionPayload()}) {
            if (hex != null && !hex.matches("([0-9a-fA-F]{2})*")) {
                throw bad(file, i, "payload fields must be hex");
            }
        }
    }

    private static DiagFailure bad(Path file, int lineIndex, String why) {
        return DiagFailure.badInput("capture file " + file + " line " + (lineIndex + 1) + ": " + why);
    }
}
