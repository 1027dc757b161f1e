package dev.kmclbridge.bench;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;
import dev.kmclbridge.spi.EndpointRecord;
import dev.kmclbridge.spi.EventBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * Reference costs the packet paths are compared with: one bare JNA direct call into the shim (its cheapest
 * export) and one empty batched receive through the backend SPI (a receive with a zero timeout on an idle
 * channel, which returns STATUS_TIMEOUT with no records).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReferenceBenchmark {
    /** Backend the empty receive runs on. */
    @Param({"fake", "loopback"})
    public String backend;

    private Backend spi;
    private long channel;
    private EventBatch batch;
    private final int[] needed = new int[1];
    private final int[] transport = new int[1];

    /** Opens the backend through its provider and allocates one idle client channel. */
    @Setup(Level.Trial)
    public void open() {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals(backend)) {
                spi = p.open(Map.of());
            }
        }
        if (spi == null) {
            throw new IllegalStateException("no backend " + backend);
        }
        EndpointRecord endpoint = spi.endpoints().get(0);
        long[] out = new long[1];
        check(spi.allocateChannel(endpoint.id(), false, out), "allocate");
        channel = out[0];
        batch = new EventBatch(64 * 1024);
    }

    /** Cleans up and closes the backend. */
    @TearDown(Level.Trial)
    public void close() {
        spi.cleanup(channel);
        spi.close();
    }

    /** One JNA direct call into the shim (loopback only; on fake it measures nothing and is skipped). */
    @Benchmark
    public int jnaDirectCall() {
        return ShimReference.kmclshim_transport(transport);
    }

    /** One receive that finds nothing (STATUS_TIMEOUT with an empty batch, no waiting). */
    @Benchmark
    public int emptyReceive() {
        batch.clear();
        return spi.receive(channel, batch, 0, needed);
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " failed: 0x" + Integer.toHexString(status));
        }
    }

}
