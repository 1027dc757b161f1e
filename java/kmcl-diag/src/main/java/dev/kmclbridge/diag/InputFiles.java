package dev.kmclbridge.diag;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The files kmcl-diag reads (send --file, replay): regular files only, never more than a caller-given limit, and
 * every failure a {@link DiagFailure} (bad input) that says why. A FIFO or device is refused before it is opened:
 * opening a FIFO blocks until a writer appears and a device such as /dev/zero never ends, so kmcl-diag does not
 * read them at all rather than read them with a time bound.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * Reads the whole of {@code file}, a regular file of at most {@code maxBytes} bytes ({@code limit} says what
     * that limit is, for the message). {@code what} names the file's role in messages ("--file").
     */
    public static byte[] readBytes(String what, Path file, int maxBytes, String limit) {
        int max = Math.min(maxBytes, Integer.MAX_VALUE - 9); // the largest array the JVM allocates, less one
        requireRegularFile(what, file, max, limit);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(max + 1); // the file may have grown since its size was checked
            if (bytes.length > max) {
                throw tooLarge(what, file, "more than " + max + " bytes", limit);
            }
            return bytes;
        } catch (IOException e) {
            throw cannotRead(what, file, e);
        }
    }

    /**
     * Opens {@code file}, a regular file of at most {@code maxBytes} bytes, as strict UTF-8 text: bytes that are
     * not UTF-8 and reading past {@code maxBytes} (a file that grows) fail the read with an {@link IOException}
     * that {@link #cannotRead} turns into a message.
     */
    public static BufferedReader openText(String what, Path file, long maxBytes, String limit) {
        requireRegularFile(what, file, maxBytes, limit);
        try {
            InputStream in = new LimitedInputStream(Files.newInputStream(file), maxBytes);
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        } catch (IOException e) {
            throw cannotRead(what, file, e);
        }
    }

    /** Bad input "WHAT: cannot read FILE: REASON". */
    public static DiagFailure cannotRead(String what, Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return DiagFailure.badInput(what + ": no such file: " + file, e);
        }
        return DiagFailure.badInput(what + ": cannot read " + file + ": " + reason(e), e);
    }

    /**
     * Why an I/O operation failed, without the file name the exception message often repeats: the JDK's
     * {@link AccessDeniedException} message is only the path ("cannot read X: X" said nothing).
     */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemLoopException) {
            return "a loop of symbolic links";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void requireRegularFile(String what, Path file, long maxBytes, String limit) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class); // follows symbolic links
        } catch (IOException e) {
            throw cannotRead(what, file, e);
        }
        if (!attributes.isRegularFile()) {
            throw DiagFailure.badInput(what + ": " + file + " is " + kind(file, attributes)
                    + ", not a regular file; kmcl-diag reads only regular files (a FIFO could block it, a device never ends)");
        }
        if (attributes.size() > maxBytes) {
            throw tooLarge(what, file, attributes.size() + " bytes", limit);
        }
    }

    private static DiagFailure tooLarge(String what, Path file, String size, String limit) {
        return DiagFailure.badInput(what + ": " + file + " has " + size + ", more than " + limit);
    }

    /** "a directory", "a FIFO", "a character device", ... (the Unix file type when the platform tells it). */
    private static String kind(Path file, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no Unix attributes here (Windows): the generic word below
        }
        return "a special file";
    }

    /** Fails a read that goes past {@code max} bytes, so a file that keeps growing cannot be read without end. */
    private static final class LimitedInputStream extends FilterInputStream {
        private final long max;
        private long read;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > max) {
                throw new IOException("the file grew past " + max + " bytes while it was read");
            }
        }
    }
}
