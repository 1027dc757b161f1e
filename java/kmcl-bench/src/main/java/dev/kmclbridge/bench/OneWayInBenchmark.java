package dev.kmclbridge.bench;

import dev.kmclbridge.ClientChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;

/**
 * One-way in: the peer sends {@code batch} packets (no completion requested) to each of {@code channels}
 * channels in one peer call per channel; our handler completes each inline. One operation is one such round of
 * sends (with the round before it arrived), so packets per operation = batch * channels.
 */
public class OneWayInBenchmark extends PacketPathBenchmark {
    /** Packets the peer sends per channel in one call. */
    @Param({"64"})
    public int batch;

    /** Channels, each with its own dispatcher thread. */
    @Param({"1"})
    public int channels;

    private final ArrivalCounter arrivals = new ArrivalCounter();
    private List<byte[]> payloads;
    private long expected;

    /** Opens the channels; the handler completes every packet inline. */
    @Setup(Level.Trial)
    public void open() {
        rig = new BenchChannels(backend, channels, p -> {
            p.complete();
            arrivals.arrive();
        });
        payloads = BenchChannels.payloads(batch, payloadSize);
        expected = arrivals.arrived();
    }

    /**
     * The peer sends a batch to every channel, then waits until the handlers completed the previous operation's
     * batches: one batch per channel stays in flight, so the peer's next send overlaps our side's receive and the
     * figure is throughput, not one batch's latency.
     */
    @Benchmark
    public long oneWayIn() {
        for (ClientChannel ch : rig.channels) {
            rig.peer.sendBatch(ch.id(), payloads, false);
        }
        long previous = expected;
        expected += (long) batch * channels;
        arrivals.awaitTotal(previous, BenchChannels.WAIT.toNanos());
        return expected;
    }

    /** Lets the batches still in flight arrive before the next iteration. */
    @TearDown(Level.Iteration)
    public void drain() {
        arrivals.awaitTotal(expected, BenchChannels.WAIT.toNanos());
    }
}
