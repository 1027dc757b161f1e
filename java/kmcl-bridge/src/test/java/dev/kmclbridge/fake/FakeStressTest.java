package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Several peer sender threads, one receiver per channel and several completer threads move 1,000,000 packets
 * over 4 channels while a peer thread reads the outcomes. Asserts no loss, per-channel FIFO per sender, exactly-once
 * completion (on our side and as seen by the peer), and final counters.
 */
class FakeStressTest {
    private static final int CHANNELS = 4;
    private static final int SENDERS = 4;
    private static final int COMPLETERS = 3;
    private static final int TOTAL = 1_000_000;
    private static final int PER_SENDER = TOTAL / SENDERS;

    private record Work(long id, byte[] payload) {
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void millionPacketsAreDeliveredInOrderAndCompletedExactlyOnce() throws Exception {
        try (Harness h = new Harness(2024)) {
            long[] ch = new long[CHANNELS];
            for (int c = 0; c < CHANNELS; c++) {
                ch[c] = h.openClient(ChannelConfig.builder().ringBufferPages(32, 32).transactionQuota(4096)
                        .incomingProcessingAtPassive(true).build());
                h.drain(ch[c], 1000);
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ConcurrentLinkedQueue<Work> work = new ConcurrentLinkedQueue<>();
            AtomicLong received = new AtomicLong();
            AtomicLong completed = new AtomicLong();
            AtomicLongArray completedBits = new AtomicLongArray(TOTAL / 64 + 64);
            long[] sentPerChannel = new long[CHANNELS];
            for (int s = 0; s < SENDERS; s++) {
                for (int seq = 0; seq < PER_SENDER; seq++) {
                    sentPerChannel[seq % CHANNELS]++;
                }
            }
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                threads.add(new Thread(() -> guard(failure, () -> {
                    for (int seq = 0; seq < PER_SENDER && failure.get() == null; seq++) {
                        long c = ch[seq % CHANNELS];
                        while ((h.peer.ringStatus(c).peerQueued() > 512 || unreadOutcomes(h, c) > UNREAD_OUTCOMES_HIGH)
                                && failure.get() == null) {
                            Thread.onSpinWait(); // a real sender waits for room, and for its outcome reader
                        }
                        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(sender).putInt(seq).array();
                        h.peer.send(c, p, true, Optional.empty());
                    }
                }), "sender-" + s));
            }
            for (int c = 0; c < CHANNELS; c++) {
                long channel = ch[c];
                threads.add(new Thread(() -> guard(failure, () -> {
                    EventBatch batch = new EventBatch(128 * 1024);
                    int[] needed = new int[1];
                    int[] last = new int[SENDERS];
                    java.util.Arrays.fill(last, -1);
                    while (received.get() < TOTAL && failure.get() == null) {
                        batch.clear();
                        int st = h.backend.receive(channel, batch, 50, needed);
                        if (st == NtStatus.TIMEOUT.value()) {
                            continue;
                        }
                        Harness.ok(st);
                        EventBatch.Reader r = batch.reader();
                        while (r.next()) {
                            if (r.kind() != WireFormat.Event.KIND_PACKET) {
                                continue;
                            }
                            byte[] p = r.payload();
                            ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
                            int sender = b.getInt();
                            int seq = b.getInt();
                            if (seq <= last[sender]) {
                                throw new AssertionError("FIFO broken on channel " + channel + ": sender " + sender
                                        + " seq " + seq + " after " + last[sender]);
                            }
                            if (seq % CHANNELS != channelIndex(ch, channel)) {
                                throw new AssertionError("packet for another channel");
                            }
                            last[sender] = seq;
                            work.add(new Work(r.id(), p));
                            received.incrementAndGet();
                        }
                    }
                }), "receiver-" + c));
            }
            for (int k = 0; k < COMPLETERS; k++) {
                threads.add(new Thread(() -> guard(failure, () -> {
                    int max = 64;
                    long[] ids = new long[max];
                    int[] offsets = new int[max];
                    int[] lengths = new int[max];
                    int[] statuses = new int[max];
                    ByteBuffer payloads = ByteBuffer.allocate(8 * max);
                    while (completed.get() < TOTAL && failure.get() == null) {
                        int n = 0;
                        Work w;
                        while (n < max && (w = work.poll()) != null) {
                            ids[n] = w.id();
                            offsets[n] = 8 * n;
                            lengths[n] = 8;
                            payloads.put(8 * n, w.payload());
                            n++;
                        }
                        if (n == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        Harness.ok(h.backend.completeBatch(ids, n, payloads, offsets, lengths, statuses));
                        for (int i = 0; i < n; i++) {
                            long id = ids[i];
                            long bit = 1L << (id & 63);
                            long prev = completedBits.getAndAccumulate((int) (id >>> 6), bit, (a, b) -> a | b);
                            if ((prev & bit) != 0) {
                                throw new AssertionError("packet " + id + " completed twice");
                            }
                        }
                        completed.addAndGet(n);
                    }
                }), "completer-" + k));
            }
            BitSet[] outcomeSeen = new BitSet[SENDERS];
            for (int s = 0; s < SENDERS; s++) {
                outcomeSeen[s] = new BitSet(PER_SENDER);
            }
            AtomicLong outcomes = new AtomicLong();
            threads.add(new Thread(() -> guard(failure, () -> {
                while (outcomes.get() < TOTAL && failure.get() == null) {
                    long before = outcomes.get();
                    for (int c = 0; c < CHANNELS; c++) {
                        outcomes.addAndGet(readOutcomes(h, ch, c, outcomeSeen));
                    }
                    if (outcomes.get() == before) {
                        Thread.onSpinWait();
                    }
                }
            }), "outcome-reader"));
            long t0 = System.nanoTime();
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(110));
            }
            assertNull(failure.get(), () -> "worker failed: " + failure.get());
            assertEquals(TOTAL, received.get());
            assertEquals(TOTAL, completed.get());

            for (int c = 0; c < CHANNELS; c++) {
                long[] q = h.query(ch[c]);
                assertEquals(sentPerChannel[c], q[Query.PACKETS_IN], "channel " + c);
                assertEquals(sentPerChannel[c], q[Query.COMPLETIONS_SENT], "channel " + c);
                assertEquals(8 * sentPerChannel[c], q[Query.BYTES_IN]);
                assertEquals(0, q[Query.PENDING_INCOMING]);
                assertEquals(0, q[Query.INCOMING_RING_USED]);
                assertEquals(0, q[Query.PACKETS_FAILED]);
                assertEquals(0, h.peer.ringStatus(ch[c]).peerQueued());
                outcomes.addAndGet(readOutcomes(h, ch, c, outcomeSeen));
            }
            assertEquals(TOTAL, outcomes.get());
            for (int s = 0; s < SENDERS; s++) {
                assertEquals(PER_SENDER, outcomeSeen[s].cardinality(), "no loss for sender " + s);
            }
            System.out.printf("FakeStressTest: %d packets in %d ms%n", TOTAL,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    /** Outcomes the peer holds unread on {@code channel}; senders wait above this, far below the fake's cap. */
    private static final int UNREAD_OUTCOMES_HIGH = PeerEndpoint.MAXIMUM_KEPT_OUTCOMES / 2;

    private static int unreadOutcomes(Harness h, long channel) {
        return h.backend.channel(channel).retainedOutcomes();
    }

    /** Reads the outcomes waiting on channel {@code c}, checking each is a completion seen once; returns how many. */
    private static int readOutcomes(Harness h, long[] ch, int c, BitSet[] outcomeSeen) {
        int n = 0;
        for (PeerOutcome o : h.peer.drainOutcomes(ch[c])) {
            assertEquals(PeerOutcome.Kind.COMPLETED, o.kind());
            ByteBuffer b = ByteBuffer.wrap(o.payload()).order(ByteOrder.LITTLE_ENDIAN);
            int sender = b.getInt();
            int seq = b.getInt();
            assertEquals(c, seq % CHANNELS, "completion payload went back on the right channel");
            if (outcomeSeen[sender].get(seq)) {
                throw new AssertionError("peer saw two outcomes for sender " + sender + " seq " + seq);
            }
            outcomeSeen[sender].set(seq);
            n++;
        }
        return n;
    }

    private static int channelIndex(long[] ch, long channel) {
        for (int i = 0; i < ch.length; i++) {
            if (ch[i] == channel) {
                return i;
            }
        }
        return -1;
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void guard(AtomicReference<Throwable> failure, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
