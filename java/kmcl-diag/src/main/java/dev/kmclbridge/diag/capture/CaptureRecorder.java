package dev.kmclbridge.diag.capture;

import dev.kmclbridge.Channel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.traffic.HandledPacket;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records a channel's traffic as capture records: incoming packets with kmcl-diag's verdict (fed from the
 * {@link dev.kmclbridge.diag.traffic.PolicyHandler} listener) and our sends with the other side's verdict. Each
 * packet line is written (and flushed) as soon as its verdict is known, so an interrupted capture keeps what it saw.
 *
 * <p>Recording never throws: it runs on the channel's dispatcher and in completion callbacks, where an exception
 * would leave the packet un-ended. The first failed write (disk full) is kept in {@link #writeFailure}, nothing more
 * is written after it, and the command that owns the recorder stops and reports it.
 */
public final class CaptureRecorder implements AutoCloseable {
    private final CaptureHeader header;
    private final Optional<CaptureLineWriter> writer;
    private final long start = System.nanoTime();
    private final AtomicLong seq = new AtomicLong();
    private final List<CapturedPacket> packets = new ArrayList<>();
    private final Map<Long, PendingSend> pendingSends = new ConcurrentHashMap<>();
    private boolean closed;

    private record PendingSend(long seq, long at, byte[] payload, boolean completionRequested) {
    }

    private CaptureRecorder(CaptureHeader header, Optional<CaptureLineWriter> writer) {
        this.header = header;
        this.writer = writer;
        emit(header);
    }

    /** A recorder writing to {@code file} (created or truncated); fails when not even the header can be written. */
    public static CaptureRecorder toFile(Path file, CaptureHeader header) throws IOException {
        CaptureRecorder r = new CaptureRecorder(header, Optional.of(CaptureLineWriter.open(file)));
        Optional<IOException> failure = r.writeFailure();
        if (failure.isPresent()) {
            throw failure.get();
        }
        return r;
    }

    /** A recorder that only keeps the capture in memory ({@link #capture()}). */
    public static CaptureRecorder inMemory(CaptureHeader header) {
        return new CaptureRecorder(header, Optional.empty());
    }

    /** Records an incoming packet and kmcl-diag's verdict on it. */
    public void incoming(HandledPacket p) {
        String verdict = switch (p.decision()) {
            case COMPLETE -> CapturedPacket.COMPLETED;
            case FAIL -> CapturedPacket.FAILED;
            case HOLD -> CapturedPacket.PENDING;
        };
        long at = p.atNanos() - start;
        add(new CapturedPacket(seq.incrementAndGet(), CapturedPacket.IN, at, Hex.format(p.payload()), Hex.format(p.external()),
                p.completionRequested(), verdict, Hex.format(p.completionPayload()),
                verdict.equals(CapturedPacket.PENDING) ? null : at));
    }

    /**
     * Sends {@code payload} on {@code channel} (with WAIT_FOR_COMPLETION when {@code completionRequested}) and records
     * the send; its line is written when the returned future ends (or as pending at close).
     */
    public CompletableFuture<Completion> send(Channel channel, byte[] payload, boolean completionRequested) {
        long sentAtNanos = System.nanoTime();
        CompletableFuture<Completion> result = channel.send(payload, completionRequested
                ? EnumSet.of(SendFlag.WAIT_FOR_COMPLETION) : EnumSet.noneOf(SendFlag.class));
        long s = seq.incrementAndGet();
        pendingSends.put(s, new PendingSend(s, sentAtNanos - start, payload.clone(), completionRequested));
        result.whenComplete((c, e) -> {
            PendingSend ps = pendingSends.remove(s);
            if (ps == null) {
                return;
            }
            long at = System.nanoTime() - start;
            add(new CapturedPacket(s, CapturedPacket.OUT, ps.at(), Hex.format(ps.payload()), "", ps.completionRequested(),
                    e == null ? CapturedPacket.COMPLETED : CapturedPacket.FAILED,
                    e == null && ps.completionRequested() ? Hex.format(c.payloadBytes()) : "", at));
        });
        return result;
    }

    /** Nanoseconds since the capture started. */
    public long nanosSinceStart() {
        return System.nanoTime() - start;
    }

    private synchronized void add(CapturedPacket p) {
        if (closed) {
            return;
        }
        packets.add(p);
        emit(p);
    }

    private synchronized void emit(CaptureRecord r) {
        writer.ifPresent(w -> w.write(r));
    }

    /** The first write to the capture file that failed (e.g. no space left); nothing was written after it. */
    public synchronized Optional<IOException> writeFailure() {
        return writer.flatMap(CaptureLineWriter::failure);
    }

    /** Packets recorded so far. */
    public synchronized int size() {
        return packets.size();
    }

    /** Ends the capture: unanswered sends become pending, the end record is written. */
    public synchronized Capture finish(boolean queueStopped) {
        if (!closed) {
            for (PendingSend ps : List.copyOf(pendingSends.values())) {
                pendingSends.remove(ps.seq());
                add(new CapturedPacket(ps.seq(), CapturedPacket.OUT, ps.at(), Hex.format(ps.payload()), "",
                        ps.completionRequested(), CapturedPacket.PENDING, "", null));
            }
            CaptureEnd end = new CaptureEnd(packets.size(), System.nanoTime() - start, queueStopped);
            emit(end);
            closed = true;
            writer.ifPresent(CaptureLineWriter::close);
            return new Capture(header, packets, Optional.of(end));
        }
        return capture();
    }

    /** What was recorded so far. */
    public synchronized Capture capture() {
        return new Capture(header, packets, Optional.empty());
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            finish(false);
        }
    }
}
