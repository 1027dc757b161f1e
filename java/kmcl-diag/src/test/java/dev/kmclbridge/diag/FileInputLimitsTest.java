package dev.kmclbridge.diag;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files named by send --file and replay are read only when they are regular files no larger than anything valid
 * (issue 8 items 18 and 19): a FIFO never blocks kmcl-diag, a device is never read without end. The runs that hung
 * or ran out of memory before go to a child JVM with a small heap and a time limit.
 */
class FileInputLimitsTest {
    @TempDir
    Path tmp;

    private Path fifo(String name) throws Exception {
        Path p = tmp.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        return p;
    }

    private static DiagProcess.Result child(String... args) throws Exception {
        DiagProcess.Result r = DiagProcess.run(Duration.ofSeconds(30), List.of("-Xmx64m"), args);
        assertFalse(r.timedOut(), r::toString);
        return r;
    }

    private static void assertBadInputNaming(DiagProcess.Result r, String text) {
        assertEquals(3, r.code(), r::toString);
        assertEquals(1, r.errLineCount(), r::toString);
        assertTrue(r.err().contains(text), r::toString);
    }

    @Test
    void sendRefusesAFifoInsteadOfBlocking() throws Exception {
        Path p = fifo("payload.fifo");
        assertBadInputNaming(child("--backend", "fake", "send", "--file", p.toString()), "is a FIFO, not a regular file");
    }

    @Test
    void replayRefusesAFifoInsteadOfBlocking() throws Exception {
        Path p = fifo("capture.fifo");
        assertBadInputNaming(child("--backend", "fake", "replay", p.toString()), "is a FIFO, not a regular file");
    }

    @Test
    void sendRefusesADeviceInsteadOfReadingItWithoutEnd() throws Exception {
        assertBadInputNaming(child("--backend", "fake", "send", "--file", "/dev/zero"), "is a character device, not a regular file");
    }

    @Test
    void replayRefusesADeviceInsteadOfReadingItWithoutEnd() throws Exception {
        assertBadInputNaming(child("--backend", "fake", "replay", "/dev/zero"), "is a character device, not a regular file");
    }

    @Test
    void replayRefusesACaptureLargerThanTheCaptureSizeLimit() throws Exception {
        Path big = tmp.resolve("huge.kcap");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(300L * 1024 * 1024); // sparse: no disk space used
        }
        assertBadInputNaming(child("--backend", "fake", "replay", big.toString()), "more than the 268435456 bytes");
    }

    @Test
    void sendRefusesAFileLargerThanTheLargestPacket() throws Exception {
        Path big = tmp.resolve("huge.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L * 1024 * 1024 * 1024); // sparse
        }
        Cli.Result r = Cli.fake("send", "--file", big.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("3221225472 bytes, more than the largest packet"), r::toString);
        Path justTooBig = tmp.resolve("16385.bin");
        try (RandomAccessFile f = new RandomAccessFile(justTooBig.toFile(), "rw")) {
            f.setLength(16385);
        }
        Cli.fake("send", "--file", justTooBig.toString()).failedOnOneLine(3);
        assertEquals(0, Cli.fake("send", "--file", justTooBig.toString(), "--max-packet-size", "16385").code());
    }

    @Test
    void aDirectoryIsNotAPayloadFile() {
        Cli.Result r = Cli.fake("send", "--file", tmp.toString());
        r.failedOnOneLine(3);
        assertTrue(r.err().contains("is a directory, not a regular file"), r::toString);
    }
}
