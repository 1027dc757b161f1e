package dev.kmclbridge.bench;

import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/** Cost of filling and reading one receive batch (the typed layer's per-batch overhead). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventBatchBenchmark {
    /** Packets per batch. */
    @Param({"1", "64"})
    public int packets;

    private EventBatch batch;
    private ByteBuffer payload;

    @Setup
    public void setup() {
        batch = new EventBatch(1 << 20);
        payload = ByteBuffer.wrap(new byte[256]);
    }

    /** Fill a batch with packets and read every record back. */
    @Benchmark
    public void fillAndRead(Blackhole bh) {
        batch.clear();
        for (int i = 0; i < packets; i++) {
            batch.append(WireFormat.Event.KIND_PACKET, 0, i, WireFormat.Event.IRQL_DISPATCH, 0, payload, null);
        }
        EventBatch.Reader r = batch.reader();
        while (r.next()) {
            bh.consume(r.payload());
        }
    }
}
