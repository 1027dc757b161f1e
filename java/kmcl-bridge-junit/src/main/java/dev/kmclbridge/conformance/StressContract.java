package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.Completion;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-thread stress through the typed API: several peer senders and several completer threads per run, every
 * packet accounted for exactly once. Sizes are chosen to finish in seconds on the fake backend.
 */
@KmclTest
@Timeout(120)
public class StressContract extends EndsLeftoverPackets {
    private static final Duration DRAIN = Duration.ofSeconds(60);

    /** A peer packet that asked for a completion, and the completion payload it must get. */
    private record Requested(Channel channel, long txId, byte[] expected) {
    }

    private static byte[] tagged(int sender, int seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(sender).putInt(seq);
        while (b.hasRemaining()) {
            b.put((byte) (seq + b.position()));
        }
        return b.array();
    }

    /** The threads of one stress run and the flag that ends their loops; closing sets the flag and interrupts them. */
    private static final class Workers implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ExecutorService pool;

        Workers(int threads) {
            pool = Executors.newFixedThreadPool(threads);
        }

        Future<?> start(Callable<?> work) {
            return pool.submit(work);
        }

        /** Asks the loops to end (completers first drain what is queued). */
        void stop() {
            stop.set(true);
        }

        boolean stopping() {
            return stop.get();
        }

        @Override
        public void close() {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    /** Waits up to {@link #DRAIN} until {@code counter} reaches {@code target} (the assertions then tell). */
    private static void awaitAtLeast(AtomicLong counter, long target) {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (counter.get() < target && System.nanoTime() < deadline) {
            LockSupport.parkNanos(2_000_000);
        }
    }

    private static void join(List<Future<?>> fs) throws Exception {
        for (Future<?> f : fs) {
            f.get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * 100,000 packets from 8 concurrent peer senders over 4 channels (client and server), completed by 4 completer
     * threads: each packet is delivered once, in ring order per sender and channel, nothing is lost, each is
     * completed exactly once, and every requested completion reaches its sender with its payload.
     */
    @Test
    void B58_fifoHoldsUnderConcurrentPeerSenders(TestChannels t) throws Exception {
        Peer peer = t.peer();
        final int channels = 4;
        final int sendersPerChannel = 2;
        final int perSender = 12_500;
        final int total = channels * sendersPerChannel * perSender;
        final int senders = channels * sendersPerChannel;

        AtomicLongArray nextSeq = new AtomicLongArray(senders);
        AtomicLong delivered = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong duplicatesRejected = new AtomicLong();
        AtomicInteger duplicateAttempts = new AtomicInteger();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<IncomingPacket> toComplete = new LinkedBlockingQueue<>();

        List<Channel> chs = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            final int channelIndex = c;
            PacketFlow.Side side = c % 2 == 0 ? PacketFlow.Side.CLIENT : PacketFlow.Side.SERVER;
            Channel ch = side.create(t, ChannelConfig.defaults());
            ch.onPacket(p -> {
                ByteBuffer b = p.payload();
                int sender = b.getInt(0);
                int seq = b.getInt(4);
                if (sender / sendersPerChannel != channelIndex) {
                    violations.add("sender " + sender + " packet on channel " + channelIndex);
                } else {
                    long expected = nextSeq.getAndIncrement(sender);
                    if (seq != expected) {
                        violations.add("sender " + sender + ": got seq " + seq + ", expected " + expected);
                    }
                }
                delivered.incrementAndGet();
                toComplete.add(p);
            });
            side.bringUp(t, ch);
            chs.add(ch);
        }

        try (Workers workers = new Workers(senders + 4)) {
            List<Future<?>> completers = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                completers.add(workers.start(() -> {
                    while (!workers.stopping() || !toComplete.isEmpty()) {
                        IncomingPacket p = toComplete.poll(20, TimeUnit.MILLISECONDS);
                        if (p == null) {
                            continue;
                        }
                        ByteBuffer b = p.payload();
                        p.complete(ByteBuffer.allocate(8).putInt(b.getInt(0)).putInt(b.getInt(4)).array());
                        completed.incrementAndGet();
                        if (b.getInt(4) % 997 == 0) {
                            duplicateAttempts.incrementAndGet();
                            try {
                                p.complete(new byte[]{1});
                            } catch (PacketRetiredException expected) {
                                duplicatesRejected.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            ConcurrentLinkedQueue<Requested> requested = new ConcurrentLinkedQueue<>();
            List<Future<?>> sends = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                final int sender = s;
                final Channel ch = chs.get(s / sendersPerChannel);
                sends.add(workers.start(() -> {
                    for (int i = 0; i < perSender; i++) {
                        boolean wantCompletion = i % 16 == 0;
                        long tx = peer.send(ch.id(), tagged(sender, i, 16 + (i % 5) * 8), wantCompletion, Optional.empty());
                        if (wantCompletion) {
                            requested.add(new Requested(ch, tx, ByteBuffer.allocate(8).putInt(sender).putInt(i).array()));
                        }
                    }
                    return null;
                }));
            }
            join(sends);
            awaitAtLeast(completed, total);
            workers.stop();
            join(completers);

            assertTrue(violations.isEmpty(), violations.size() + " ordering violations, first: "
                    + violations.subList(0, Math.min(5, violations.size())));
            assertEquals(total, delivered.get(), "deliveries");
            assertEquals(total, completed.get(), "completions");
            for (int s = 0; s < senders; s++) {
                assertEquals(perSender, nextSeq.get(s), "packets of sender " + s);
            }
            assertEquals(duplicateAttempts.get(), duplicatesRejected.get(), "every second completion rejected");
            for (Channel ch : chs) {
                ChannelStatistics st = ch.statistics();
                assertEquals(sendersPerChannel * perSender, st.packetsIn(), "packetsIn of channel " + ch.id());
                assertEquals(sendersPerChannel * perSender, st.completionsSent(), "completionsSent of channel " + ch.id());
                assertEquals(0, st.pendingIncoming(), "pending of channel " + ch.id());
                assertEquals(0, st.packetsFailed());
            }
            // every requested completion reached its sender with the right payload
            int checked = 0;
            for (Requested r : requested) {
                PeerOutcome o = peer.awaitOutcome(r.channel().id(), r.txId(), TestChannels.TIMEOUT);
                assertEquals(PeerOutcome.Kind.COMPLETED, o.kind(), "outcome of tx " + r.txId());
                assertArrayEquals(r.expected(), o.payload(), "completion payload of tx " + r.txId());
                checked++;
            }
            assertEquals(senders * ((perSender + 15) / 16), checked, "requested completions checked");
        }
    }

    /**
     * 20,000 sends with WAIT_FOR_COMPLETION from 4 application threads over 2 channels, completed by peer
     * threads: every send's future completes exactly once, with the payload the peer gave that very packet.
     */
    @Test
    void B110_outgoingCompletionsExactlyOnceUnderConcurrentSenders(TestChannels t) throws Exception {
        Peer peer = t.peer();
        final int perThread = 5_000;
        final int threadsPerChannel = 2;
        List<Channel> chs = List.of(t.openClient(ChannelConfig.defaults()), t.openServer(ChannelConfig.defaults()));
        final int total = perThread * threadsPerChannel * chs.size();
        AtomicLong peerCompleted = new AtomicLong();
        try (Workers workers = new Workers(chs.size() * (threadsPerChannel + 1))) {
            List<Future<?>> peers = new ArrayList<>();
            for (Channel ch : chs) {
                peers.add(workers.start(() -> {
                    while (!workers.stopping()) {
                        Optional<PeerPacket> p = peer.awaitReceived(ch.id(), Duration.ofMillis(20));
                        if (p.isPresent()) {
                            byte[] req = p.get().payload();
                            byte[] reply = new byte[8];
                            for (int i = 0; i < 8; i++) {
                                reply[i] = (byte) ~req[i];
                            }
                            peer.complete(ch.id(), p.get().txId(), reply);
                            peerCompleted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            List<CompletableFuture<Void>> checks = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger mismatches = new AtomicInteger();
            AtomicInteger completions = new AtomicInteger();
            List<Future<?>> senders = new ArrayList<>();
            for (int c = 0; c < chs.size(); c++) {
                Channel ch = chs.get(c);
                for (int k = 0; k < threadsPerChannel; k++) {
                    final int sender = c * threadsPerChannel + k;
                    senders.add(workers.start(() -> {
                        for (int i = 0; i < perThread; i++) {
                            byte[] req = tagged(sender, i, 8);
                            CompletableFuture<Completion> f = ch.send(req, EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
                            checks.add(f.thenAccept(done -> {
                                completions.incrementAndGet();
                                byte[] got = done.payloadBytes();
                                for (int j = 0; j < 8; j++) {
                                    if (got.length != 8 || got[j] != (byte) ~req[j]) {
                                        mismatches.incrementAndGet();
                                        return;
                                    }
                                }
                            }));
                        }
                        return null;
                    }));
                }
            }
            join(senders);
            CompletableFuture.allOf(checks.toArray(new CompletableFuture[0])).get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(total, checks.size());
            assertEquals(total, completions.get(), "futures completed");
            assertEquals(0, mismatches.get(), "completions delivered to the wrong send");
            // the peer thread counts after peer.complete() returns, which can be after our future completed
            awaitAtLeast(peerCompleted, total);
            assertEquals(total, peerCompleted.get(), "packets the peer received");
            for (Channel ch : chs) {
                ChannelStatistics st = PacketFlow.awaitStatistics(ch, s -> s.completionsReceived() >= perThread * threadsPerChannel,
                        "completions counted");
                assertEquals(perThread * threadsPerChannel, st.completionsReceived(), "one completion per send");
                assertEquals(perThread * threadsPerChannel, st.packetsOut());
                assertEquals(0, st.pendingOutgoing());
            }
        }
    }

    /**
     * 20,000 packets from 2 peer senders into a channel with transaction quota 8, completed by 3 racing completer
     * threads: outstanding deliveries never exceed the quota, and every packet is delivered and completed once.
     */
    @Test
    void B80_quotaHoldsUnderConcurrentCompleters(TestChannels t) throws Exception {
        Peer peer = t.peer();
        final int quota = 8;
        final int perSender = 10_000;
        final int total = 2 * perSender;
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger maxOutstanding = new AtomicInteger();
        AtomicLong completed = new AtomicLong();
        BlockingQueue<IncomingPacket> toComplete = new LinkedBlockingQueue<>();
        Channel ch = t.client(ChannelConfig.builder().transactionQuota(quota).build());
        ch.onPacket(p -> {
            int now = outstanding.incrementAndGet();
            maxOutstanding.accumulateAndGet(now, Math::max);
            toComplete.add(p);
        });
        PacketFlow.Side.CLIENT.bringUp(t, ch);
        try (Workers workers = new Workers(5)) {
            List<Future<?>> completers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                completers.add(workers.start(() -> {
                    while (!workers.stopping()) {
                        IncomingPacket p = toComplete.poll(20, TimeUnit.MILLISECONDS);
                        if (p != null) {
                            outstanding.decrementAndGet();
                            p.complete();
                            completed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> sends = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                final int sender = s;
                sends.add(workers.start(() -> {
                    for (int i = 0; i < perSender; i++) {
                        peer.send(ch.id(), tagged(sender, i, 16), false, Optional.empty());
                    }
                    return null;
                }));
            }
            join(sends);
            awaitAtLeast(completed, total);
            workers.stop();
            join(completers);
            assertEquals(total, completed.get(), "completions");
            assertTrue(maxOutstanding.get() <= quota, "outstanding deliveries peaked at " + maxOutstanding.get());
            ChannelStatistics st = ch.statistics();
            assertEquals(total, st.packetsIn());
            assertEquals(total, st.completionsSent());
            assertTrue(st.queueHighWater() <= quota, "high-water mark " + st.queueHighWater());
            assertEquals(0, st.pendingIncoming());
        }
    }
}
