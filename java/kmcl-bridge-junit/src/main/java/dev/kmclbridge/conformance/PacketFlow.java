package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelStatistics;
import dev.kmclbridge.Completion;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared helpers of the packet-path contracts (sections 5.4 to 5.8 of the behavior catalog): which endpoint
 * a test runs on, deterministic payloads, waits with {@link TestChannels#TIMEOUT}, and a recording packet
 * handler whose observations are checked on the test thread (handler exceptions never reach the test).
 */
final class PacketFlow {
    private PacketFlow() {
    }

    /** Packets handed to a test through these helpers; see {@link #completeLeftovers()}. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<IncomingPacket> HANDED_OUT =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Copies of the payloads of packets handed to a test, taken when they were handed out: a packet's own payload
     * view ends when its handler call returns (IncomingPacket#payload), and tests look at packets later.
     */
    private static final java.util.Map<IncomingPacket, byte[][]> PAYLOADS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * Remembers a delivered packet so that {@link #completeLeftovers()} can end it if the test does not, and keeps a
     * copy of its payload for {@link #payloadOf}. Call it in the handler (or on a packet from the default queue).
     */
    static IncomingPacket track(IncomingPacket p) {
        HANDED_OUT.add(p);
        PAYLOADS.put(p, new byte[][]{p.payloadBytes(), p.externalDataBytes()});
        return p;
    }

    /** The payload of a packet handed out through {@link #track} (copied then), or a copy of it now. */
    static byte[] payloadOf(IncomingPacket p) {
        byte[][] kept = PAYLOADS.get(p);
        return kept != null ? kept[0].clone() : p.payloadBytes();
    }

    /** The external data of a packet handed out through {@link #track} (copied then), or a copy of it now. */
    static byte[] externalOf(IncomingPacket p) {
        byte[][] kept = PAYLOADS.get(p);
        return kept != null ? kept[1].clone() : p.externalDataBytes();
    }

    /**
     * Completes every packet the test left open (for instance because an assertion failed first): those handed out
     * by these helpers and those still waiting in a channel's default queue. The fixture's disable waits for all
     * delivered packets, as KMCL does, so without this a failed test would block the suite. Contract classes call
     * it from {@code @AfterEach}; tests run one at a time.
     */
    static void completeLeftovers(TestChannels t) {
        long deadline = System.nanoTime() + TestChannels.TIMEOUT.toNanos();
        while (true) {
            IncomingPacket p;
            while ((p = HANDED_OUT.poll()) != null) {
                completeQuietly(p);
            }
            boolean settled = true;
            for (Channel ch : t.kmcl().channels()) {
                try {
                    Optional<IncomingPacket> q;
                    while ((q = ch.nextPacket(Duration.ZERO)).isPresent()) {
                        completeQuietly(q.get());
                    }
                } catch (IllegalStateException handlerMode) {
                    // packets of handler-mode channels are tracked above
                }
                try {
                    ChannelStatistics s = ch.statistics();
                    dev.kmclbridge.ChannelStatus st = ch.status();
                    if (s.pendingIncoming() > 0 || (s.incomingRingUsed() > 0 && !st.queueStopped() && !st.paused()
                            && st.state() == dev.kmclbridge.ChannelState.ACTIVE)) {
                        settled = false;
                    }
                } catch (RuntimeException closed) {
                    // channel already closed
                }
            }
            if (settled || System.nanoTime() > deadline) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    private static void completeQuietly(IncomingPacket p) {
        if (!p.isRetired()) {
            try {
                p.complete();
            } catch (RuntimeException ignored) {
                // retired concurrently or channel gone: nothing left to do
            }
        }
    }

    /** The local endpoint type a test runs on; the peer plays the opposite side. */
    enum Side {
        CLIENT, SERVER;

        /** A channel of this side with {@code config}, enabled (and started) until POST_STARTED was delivered. */
        Channel open(TestChannels t, ChannelConfig config) {
            return this == CLIENT ? t.openClient(config) : t.openServer(config);
        }

        /** A channel of this side with {@code config} and {@code handler} (installed before enable), brought up. */
        Channel open(TestChannels t, ChannelConfig config, PacketHandler handler) {
            Channel ch = create(t, config);
            ch.onPacket(handler);
            bringUp(t, ch);
            return ch;
        }

        /** A disabled channel of this side, so listeners and handlers can be set before enable. */
        Channel create(TestChannels t, ChannelConfig config) {
            return this == CLIENT ? t.client(config) : t.server(config);
        }

        /** Enables (and for servers starts and lets the guest peer open) a channel made by {@link #create}. */
        void bringUp(TestChannels t, Channel ch) {
            ch.enable();
            if (this == SERVER) {
                ch.start();
                t.peer().open(ch.id());
            }
            assertTrue(ch.awaitStateEvent(dev.kmclbridge.StateEvent.POST_STARTED, TestChannels.TIMEOUT),
                    "no POST_STARTED; history " + ch.stateHistory());
        }
    }

    /** {@code length} bytes that differ for each {@code seed} and position. */
    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 8));
        }
        return b;
    }

    /** An 8-byte payload carrying {@code seq} (big endian). */
    static byte[] seq(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    /**
     * The peer sends packets carrying sequence numbers 1 to {@code n} to {@code ch}, each waiting for a completion
     * (WAIT_FOR_COMPLETION); returns their transaction ids in order.
     */
    static long[] sendNumbered(Peer peer, Channel ch, int n) {
        long[] tx = new long[n];
        for (int i = 0; i < n; i++) {
            tx[i] = peer.send(ch.id(), seq(i + 1), true, Optional.empty());
        }
        return tx;
    }

    /** Decodes {@link #seq}. */
    static long seqOf(IncomingPacket p) {
        return ByteBuffer.wrap(payloadOf(p)).getLong(0);
    }

    /** Bytes an in-band packet with {@code payload} bytes takes in a ring: descriptor + padded payload + trailer. */
    static int onRingSize(int payload) {
        return 16 + ((payload + 7) & ~7) + 8;
    }

    /** The next packet from the default queue, failing the test if none arrives within TIMEOUT. */
    static IncomingPacket next(Channel ch) {
        return ch.nextPacket(TestChannels.TIMEOUT).map(PacketFlow::track)
                .orElseThrow(() -> new AssertionError("no packet delivered on channel " + ch.id() + " within "
                        + TestChannels.TIMEOUT + "; statistics " + ch.statistics()));
    }

    /** Asserts the default queue stays empty for QUIET. */
    static void assertNothingDelivered(Channel ch, String why) {
        Optional<IncomingPacket> p = ch.nextPacket(TestChannels.QUIET).map(PacketFlow::track);
        p.ifPresent(x -> fail(why + ": unexpected delivery " + x));
    }

    /** Waits for the peer's outcome of {@code txId} and asserts it is not PENDING. */
    static PeerOutcome outcome(Peer peer, Channel ch, long txId) {
        PeerOutcome o = peer.awaitOutcome(ch.id(), txId, TestChannels.TIMEOUT);
        assertNotEquals(PeerOutcome.Kind.PENDING, o.kind(), "peer packet " + txId + " was not ended within " + TestChannels.TIMEOUT);
        return o;
    }

    /** Asserts the peer's packet {@code txId} is still not ended after QUIET. */
    static void assertPending(Peer peer, Channel ch, long txId) {
        PeerOutcome o = peer.awaitOutcome(ch.id(), txId, TestChannels.QUIET);
        assertEquals(PeerOutcome.Kind.PENDING, o.kind(), "peer packet " + txId + " ended unexpectedly");
    }

    /** The next packet of ours the peer read from the ring, failing the test if none within TIMEOUT. */
    static PeerPacket received(Peer peer, Channel ch) {
        return peer.awaitReceived(ch.id(), TestChannels.TIMEOUT)
                .orElseThrow(() -> new AssertionError("the peer received nothing from channel " + ch.id()
                        + " within " + TestChannels.TIMEOUT));
    }

    /**
     * Stops the peer reading our outgoing ring and sends {@code payloadSize}-byte packets (without
     * WAIT_FOR_COMPLETION) until one of them has to wait for ring space. The payloads go to {@code sent}.
     */
    static List<CompletableFuture<Completion>> fillOutgoingRing(Peer peer, Channel ch, int payloadSize, List<byte[]> sent) {
        peer.setReading(ch.id(), false);
        List<CompletableFuture<Completion>> futures = new ArrayList<>();
        for (int i = 0; i < 20_000 && ch.statistics().queuedOutgoing() == 0; i++) {
            byte[] b = pattern(payloadSize, i);
            sent.add(b);
            futures.add(ch.send(b));
        }
        assertTrue(ch.statistics().queuedOutgoing() > 0, "the outgoing ring never filled; statistics " + ch.statistics());
        return futures;
    }

    /** Lets the peer read our outgoing ring again and asserts that it receives exactly {@code sent}, in send order. */
    static void resumeReadingAndExpect(Peer peer, Channel ch, List<byte[]> sent) {
        peer.setReading(ch.id(), true);
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), received(peer, ch).payload(), "packet " + i + " of " + sent.size() + " in send order");
        }
    }

    /** Polls {@code probe} on the channel's statistics until it holds or TIMEOUT passes. */
    static ChannelStatistics awaitStatistics(Channel ch, Predicate<ChannelStatistics> probe, String what) {
        long deadline = System.nanoTime() + TestChannels.TIMEOUT.toNanos();
        ChannelStatistics s = ch.statistics();
        while (!probe.test(s)) {
            if (System.nanoTime() > deadline) {
                fail(what + " not reached within " + TestChannels.TIMEOUT + "; statistics " + s);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            s = ch.statistics();
        }
        return s;
    }

    /**
     * A packet handler that records every delivery (and the handler's own failures) and then runs an action, so
     * that tests can make assertions on the test thread.
     */
    static final class Recorder implements PacketHandler {
        private final BlockingQueue<IncomingPacket> deliveries = new LinkedBlockingQueue<>();
        private final List<IncomingPacket> all = java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Consumer<IncomingPacket> action;

        Recorder(Consumer<IncomingPacket> action) {
            this.action = action;
        }

        /** Records and completes inline with {@code completion}. */
        static Recorder completing(byte[] completion) {
            return new Recorder(p -> p.complete(completion));
        }

        /** Records and leaves the packet open. */
        static Recorder holding() {
            return new Recorder(p -> {
            });
        }

        @Override
        public void onPacket(IncomingPacket packet) {
            track(packet);
            all.add(packet);
            try {
                action.accept(packet);
            } catch (Throwable e) {
                errors.add(e);
            } finally {
                deliveries.add(packet);
            }
        }

        /** The next delivery, or a test failure after TIMEOUT. */
        IncomingPacket next() {
            try {
                IncomingPacket p = deliveries.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
                if (p == null) {
                    fail("no packet delivered within " + TestChannels.TIMEOUT + "; handler errors " + errors);
                }
                return p;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** The next {@code n} deliveries. */
        List<IncomingPacket> next(int n) {
            List<IncomingPacket> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(next());
            }
            return out;
        }

        /** Asserts no further delivery within {@code wait}. */
        void assertNone(Duration wait, String why) {
            try {
                IncomingPacket p = deliveries.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
                if (p != null) {
                    fail(why + ": unexpected delivery " + p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** Every delivery so far, in delivery order. */
        List<IncomingPacket> all() {
            synchronized (all) {
                return new ArrayList<>(all);
            }
        }

        /** Fails the test if the handler's action threw. */
        void assertNoErrors() {
            synchronized (errors) {
                if (!errors.isEmpty()) {
                    AssertionError e = new AssertionError("packet handler failed: " + errors.get(0), errors.get(0));
                    errors.stream().skip(1).forEach(e::addSuppressed);
                    throw e;
                }
            }
        }
    }
}
