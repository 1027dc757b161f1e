package dev.kmclbridge.diag.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.InputFiles;
import dev.kmclbridge.diag.JsonOutput;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads and writes capture files (JSON Lines, one {@link CaptureRecord} per line, Jackson). */
public final class CaptureFiles {
    /** The largest capture file {@link #read} accepts (256 MiB; docs/capture-format.md). */
    public static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonOutput.mapper();
    /** Parses one line strictly: a repeated field or anything after the object is an error, not ignored. */
    private static final ObjectMapper LINE_PARSER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

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
     * Reads and validates a capture, strictly: a regular file of at most {@link #MAX_FILE_BYTES}, UTF-8; every
     * record has exactly its fields with their JSON types ({@link CaptureSchema}); the header comes first with a
     * known format and version; seq numbers are unique; directions and verdicts are known. Anything else is a
     * {@link DiagFailure} (bad input) naming the line and the field.
     */
    public static Capture read(Path file) {
        String what = "capture file";
        Parsed parsed = new Parsed();
        try (BufferedReader in = InputFiles.openText(what, file, MAX_FILE_BYTES,
                "the " + MAX_FILE_BYTES + " bytes (256 MiB) a capture file may have")) {
            int i = 0;
            for (String line = in.readLine(); line != null; line = in.readLine(), i++) {
                parsed.add(file, i, line.strip());
            }
        } catch (IOException e) {
            throw InputFiles.cannotRead(what, file, e);
        }
        if (parsed.header == null) {
            throw DiagFailure.badInput("capture file " + file + " is empty (no header record)");
        }
        return new Capture(parsed.header, parsed.packets, Optional.ofNullable(parsed.end));
    }

    /** The records read so far, and the checks that need the ones before. */
    private static final class Parsed {
        private CaptureHeader header;
        private CaptureEnd end;
        private final List<CapturedPacket> packets = new ArrayList<>();
        private final Set<Long> seqs = new HashSet<>();

        void add(Path file, int i, String line) {
            if (line.isEmpty()) {
                return;
            }
            CaptureRecord r;
            try {
                JsonNode node = LINE_PARSER.readTree(line);
                Optional<String> problem = CaptureSchema.problem(node);
                if (problem.isPresent()) {
                    throw bad(file, i, problem.get());
                }
                r = MAPPER.treeToValue(node, CaptureRecord.class);
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
                    throw bad(file, i, "format " + EchoedText.quote(h.format()) + " version " + h.version() + " (expected "
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
                if (end != null) {
                    throw bad(file, i, "a second end record");
                }
                end = e;
            }
        }
    }

    private static void validate(Path file, int i, CapturedPacket p) {
        if (!CapturedPacket.IN.equals(p.direction()) && !CapturedPacket.OUT.equals(p.direction())) {
            throw bad(file, i, "direction " + EchoedText.quote(p.direction()) + " (expected in or out)");
        }
        if (!List.of(CapturedPacket.COMPLETED, CapturedPacket.FAILED, CapturedPacket.PENDING).contains(p.verdict())) {
            throw bad(file, i, "verdict " + EchoedText.quote(p.verdict()) + " (expected completed, failed or pending)");
        }
    }

    private static DiagFailure bad(Path file, int lineIndex, String why) {
        return DiagFailure.badInput("capture file " + file + " line " + (lineIndex + 1) + ": " + why);
    }
}
