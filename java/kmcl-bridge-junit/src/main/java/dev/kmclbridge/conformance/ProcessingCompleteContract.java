package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.kmclbridge.conformance.PacketFlow.Recorder;
import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Catalog 5.4: end-of-batch notifications, EvtVmbChannelProcessingComplete (B67-B69). */
@KmclTest
@Timeout(60)
public class ProcessingCompleteContract extends EndsLeftoverPackets {
    /** One event as the channel's callbacks saw it: a packet (count 0) or a batch end (count = PacketsProcessed). */
    private record Ev(boolean batchEnd, int count) {
    }

    /** Records packets and batch ends in callback order. */
    private static final class Journal {
        final List<Ev> events = Collections.synchronizedList(new ArrayList<>());
        final BlockingQueue<Integer> batchEnds = new LinkedBlockingQueue<>();

        void attach(Channel ch) {
            ch.onPacket(p -> {
                events.add(new Ev(false, 0));
                p.complete();
            });
            ch.onProcessingComplete(n -> {
                events.add(new Ev(true, n));
                batchEnds.add(n);
            });
        }

        Integer nextBatch() throws InterruptedException {
            return batchEnds.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        }

        List<Ev> snapshot() {
            synchronized (events) {
                return new ArrayList<>(events);
            }
        }
    }

    /**
     * Each batch end carries PacketsProcessed = the number of packet callbacks since the previous batch end, is
     * never 0, and follows the batch's last packet callback.
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B67_batchCountMatchesPacketsDelivered(Side side, TestChannels t) throws Exception {
        Peer peer = t.peer();
        Journal j = new Journal();
        Channel ch = side.create(t, ChannelConfig.defaults());
        j.attach(ch);
        side.bringUp(t, ch);
        int n = 300;
        for (int i = 0; i < n; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        int total = 0;
        while (total < n) {
            Integer c = j.nextBatch();
            assertNotNull(c, "batch ends covered only " + total + " of " + n + " packets");
            total += c;
        }
        assertEquals(n, total, "sum of PacketsProcessed");
        assertNull(j.batchEnds.poll(TestChannels.QUIET.toNanos(), TimeUnit.NANOSECONDS), "extra batch end");
        List<Ev> evs = j.snapshot();
        int since = 0;
        for (Ev e : evs) {
            if (e.batchEnd()) {
                assertTrue(e.count() > 0, "a batch end with PacketsProcessed = 0");
                assertEquals(since, e.count(), "PacketsProcessed vs packet callbacks in the batch; events " + evs);
                since = 0;
            } else {
                since++;
            }
        }
        assertEquals(0, since, "the last packet callbacks were not followed by a batch end");
        assertEquals(ch.statistics().batches(), evs.stream().filter(Ev::batchEnd).count(), "batches counter");
    }

    /** Packets that piled up in the ring while the channel was paused are drained as one batch with their count. */
    @Test
    void B67_ringDrainedAfterStartIsOneBatch(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Journal j = new Journal();
        Channel ch = t.client(ChannelConfig.defaults());
        j.attach(ch);
        Side.CLIENT.bringUp(t, ch);
        ch.pause();
        for (int i = 0; i < 5; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        assertTrue(peer.ringStatus(ch.id()).incomingUsed() > 0, "packets wait in the ring while paused");
        assertTrue(j.snapshot().isEmpty(), "nothing delivered while paused");
        ch.start();
        assertEquals(5, j.nextBatch(), "the ring went from 5 packets to empty in one batch");
        assertNull(j.batchEnds.poll(TestChannels.QUIET.toNanos(), TimeUnit.NANOSECONDS), "extra batch end");
    }

    /** The batch end is never delivered while a packet callback of the batch is still running. */
    @Test
    void B68_batchEndNeverOverlapsPacketCallbacks(TestChannels t) throws Exception {
        Peer peer = t.peer();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger handled = new AtomicInteger();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<Integer> ends = new LinkedBlockingQueue<>();
        Channel ch = t.client(ChannelConfig.builder().deliveryThreads(4).build());
        ch.onPacket(p -> {
            running.incrementAndGet();
            try {
                // a little work so callbacks of one batch overlap on the delivery threads
                long x = 0;
                for (int i = 0; i < 20_000; i++) {
                    x += i * seqOfSafe(p);
                }
                if (x == 42) {
                    violations.add("unreachable");
                }
            } finally {
                handled.incrementAndGet();
                running.decrementAndGet();
                p.complete();
            }
        });
        ch.onProcessingComplete(n -> {
            int r = running.get();
            if (r != 0) {
                violations.add("batch end of " + n + " while " + r + " packet callbacks ran");
            }
            ends.add(n);
        });
        Side.CLIENT.bringUp(t, ch);
        int n = 400;
        for (int i = 0; i < n; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        int total = 0;
        while (total < n) {
            Integer c = ends.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            assertNotNull(c, "batch ends covered " + total + " of " + n);
            total += c;
        }
        assertEquals(n, total);
        assertEquals(n, handled.get());
        assertTrue(violations.isEmpty(), violations.toString());
    }

    private static long seqOfSafe(IncomingPacket p) {
        return p.payload().remaining() >= 8 ? p.payload().getLong(0) : 0;
    }

    /** A batch may end before the ring is empty, e.g. when the transaction quota is reached. */
    @Tag("inferred")
    @Test
    void B69_batchEndsWhenQuotaIsReached(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Recorder rec = Recorder.holding();
        BlockingQueue<Integer> ends = new LinkedBlockingQueue<>();
        Channel ch = t.client(ChannelConfig.builder().transactionQuota(2).build());
        ch.onPacket(rec);
        ch.onProcessingComplete(ends::add);
        Side.CLIENT.bringUp(t, ch);
        ch.pause();
        for (int i = 0; i < 5; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        ch.start();
        List<IncomingPacket> first = rec.next(2);
        Integer c = ends.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        assertNotNull(c, "no batch end although delivery stopped at the quota");
        assertEquals(2, c, "the batch ended at the quota with 3 packets left in the ring");
        assertTrue(peer.ringStatus(ch.id()).incomingUsed() > 0, "packets still in the ring when the batch ended");
        rec.assertNone(TestChannels.QUIET, "quota reached");
        first.forEach(IncomingPacket::complete);
        List<IncomingPacket> rest = rec.next(2);
        rest.forEach(IncomingPacket::complete);
        rec.next().complete();
        int total = 2;
        while (total < 5) {
            Integer more = ends.poll(TestChannels.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            if (more == null) {
                fail("batch ends covered " + total + " of 5");
            }
            total += more;
        }
        assertEquals(5, total);
        assertFalse(ch.status().queueStopped());
    }
}
