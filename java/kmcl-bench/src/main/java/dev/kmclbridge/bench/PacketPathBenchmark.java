package dev.kmclbridge.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What every packet-path benchmark shares: the JMH settings (throughput per second, 3 warm-up and 5 measured 1 s
 * iterations, one fork), the backend and payload size it runs with, and its channels, which the subclass opens in
 * its trial setup and this class closes after the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class PacketPathBenchmark {
    /** Backend under test. */
    @Param({"fake", "loopback"})
    public String backend;

    /** Payload bytes per packet. */
    @Param({"64", "1500"})
    public int payloadSize;

    /** The channels the subclass's trial setup opened. */
    protected BenchChannels rig;

    /** Stops what the subclass still runs against the channels; nothing by default. */
    protected void stopTraffic() throws InterruptedException {
    }

    /** Stops the subclass's traffic, then closes the backend. */
    @TearDown(Level.Trial)
    public final void close() throws InterruptedException {
        stopTraffic();
        rig.close();
    }
}
