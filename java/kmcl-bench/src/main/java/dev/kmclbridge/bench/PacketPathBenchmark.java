package dev.kmclbridge.bench;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
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

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two packet paths of a channel, on each backend, so their costs can be compared as ratios within one run:
 * incoming (peer sends, our handler completes inline, the peer sees the outcome) and outgoing (we send with
 * WAIT_FOR_COMPLETION, the peer completes, our future resolves).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PacketPathBenchmark {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Backend under test. */
    @Param({"fake", "loopback"})
    public String backend;

    /** Payload size in bytes. */
    @Param({"64", "4096"})
    public int payloadSize;

    private Kmcl kmcl;
    private Peer peer;
    private ClientChannel channel;
    private byte[] payload;

    /** Opens the backend and one running channel whose handler completes every packet inline. */
    @Setup(Level.Trial)
    public void open() {
        kmcl = Kmcl.open(backend);
        peer = kmcl.peer().orElseThrow();
        PeerOffer offer = peer.offer(UUID.randomUUID(), UUID.randomUUID(), OfferOptions.defaults());
        channel = kmcl.createClientChannel(kmcl.endpoint(offer.endpointId()), ChannelConfig.builder()
                .maximumPacketSize(8192).ringBufferPages(64, 64)
                .targetPnp(offer.interfaceType(), offer.interfaceInstance()).build());
        channel.onPacket(p -> p.complete(new byte[8]));
        channel.enable();
        if (!channel.awaitStateEvent(StateEvent.POST_STARTED, WAIT)) {
            throw new IllegalStateException("channel did not start");
        }
        payload = new byte[payloadSize];
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void close() {
        kmcl.close();
    }

    /** Peer -> our handler -> completion back to the peer. */
    @Benchmark
    public PeerOutcome incomingRoundTrip() {
        long tx = peer.send(channel.id(), payload, true, Optional.empty());
        return peer.awaitOutcome(channel.id(), tx, WAIT);
    }

    /** Our send -> peer reads and completes -> our future resolves. */
    @Benchmark
    public Completion outgoingRoundTrip() throws Exception {
        CompletableFuture<Completion> f = channel.send(payload, EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
        PeerPacket p = peer.awaitReceived(channel.id(), WAIT).orElseThrow();
        peer.complete(channel.id(), p.txId(), new byte[8]);
        return f.get(10, TimeUnit.SECONDS);
    }
}
