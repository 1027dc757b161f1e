package dev.kmclbridge.diag.capture;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Appends capture records to a file, one flushed line each, and never throws while doing it: the first failed
 * write (no space left, file too large) is kept, nothing is written after it, and the partly written line it left
 * is cut off again, so the file still reads as a capture that was interrupted after its last whole line.
 * Not thread safe; {@link CaptureRecorder} calls it under its lock.
 */
final class CaptureLineWriter {
    private static final int NEWLINE_BYTES = System.lineSeparator().getBytes(StandardCharsets.UTF_8).length;

    private final Path file;
    private final BufferedWriter writer;
    /** Bytes of the lines written completely (the file's length before a failed line). */
    private long wholeLines;
    private IOException failure;
    private boolean closed;

    private CaptureLineWriter(Path file, BufferedWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    /** Creates or truncates {@code file}. */
    static CaptureLineWriter open(Path file) throws IOException {
        return new CaptureLineWriter(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    /** Writes {@code record} as one line and flushes it; does nothing after a failure or close. */
    void write(CaptureRecord record) {
        if (failure != null || closed) {
            return;
        }
        String line = CaptureFiles.toLine(record);
        try {
            writer.write(line);
            writer.newLine();
            writer.flush();
            wholeLines += line.getBytes(StandardCharsets.UTF_8).length + NEWLINE_BYTES;
        } catch (IOException e) {
            failure = e;
            close();
            cutPartialLine();
        }
    }

    /** The first write that failed. */
    Optional<IOException> failure() {
        return Optional.ofNullable(failure);
    }

    /** Closes the file; a failure to flush on close counts as a failed write. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    private void cutPartialLine() {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (ch.size() > wholeLines) {
                ch.truncate(wholeLines); // shrinking needs no space, so it works on a full disk
            }
        } catch (IOException | UnsupportedOperationException e) {
            // a device (/dev/full) has no length to cut; there is nothing partial to keep out of it
        }
    }
}
