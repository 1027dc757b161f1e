package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Completion;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.SyncRequest;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.fillOutgoingRing;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.received;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.7: VmbChannelSendSynchronousRequest (B125-B134), and where it may be called from (B48, B50). */
@KmclTest
@Timeout(60)
public class SynchronousRequestContract extends EndsLeftoverPackets {
    /** Runs the blocking request on another thread. */
    private static CompletableFuture<Completion> async(Channel ch, SyncRequest r) {
        return CompletableFuture.supplyAsync(() -> ch.sendSynchronous(r));
    }

    private static Completion await(CompletableFuture<Completion> f) {
        try {
            return f.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("synchronous request failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("synchronous request did not return within " + TestChannels.TIMEOUT, e);
        }
    }

    private static KmclException awaitFailure(CompletableFuture<Completion> f) {
        try {
            Completion c = f.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("synchronous request succeeded with " + c);
        } catch (ExecutionException e) {
            return assertInstanceOf(KmclException.class, e.getCause());
        } catch (Exception e) {
            throw new AssertionError("synchronous request did not return within " + TestChannels.TIMEOUT, e);
        }
    }

    /** A peer thread that completes every packet of ours that asks for a completion, echoing "ack" + payload. */
    private static final class Responder implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Responder(Peer peer, Channel ch) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        Optional<PeerPacket> p = peer.awaitReceived(ch.id(), Duration.ofMillis(50));
                        if (p.isPresent() && p.get().completionRequested()) {
                            peer.complete(ch.id(), p.get().txId(), reply(p.get().payload()));
                        }
                    } catch (RuntimeException e) {
                        // the channel may not be open yet; try again shortly
                        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                    }
                }
            }, "sync-responder");
            thread.setDaemon(true);
            thread.start();
        }

        static byte[] reply(byte[] request) {
            byte[] r = new byte[request.length + 3];
            r[0] = 'a';
            r[1] = 'c';
            r[2] = 'k';
            System.arraycopy(request, 0, r, 3, request.length);
            return r;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(TestChannels.TIMEOUT.toMillis());
        }
    }

    /** A completion capacity that is not a multiple of 8 makes the request fail, and nothing is sent. */
    @Test
    void B125_capacityNotMultipleOf8Fails(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        for (int cap : new int[]{1, 12, 63}) {
            SyncRequest r = SyncRequest.builder(pattern(16, cap)).waitForCompletion().completionCapacity(cap)
                    .timeout(TestChannels.TIMEOUT).build();
            KmclException e = assertThrows(KmclException.class, () -> ch.sendSynchronous(r), "capacity " + cap);
            assertTrue(e.rawStatus() < 0, "NT_SUCCESS must be false: " + e.status());
        }
        assertTrue(peer.awaitReceived(ch.id(), TestChannels.QUIET).isEmpty(), "a rejected request is not sent");
    }

    /** On success the completion size reports exactly the bytes the peer completed with. */
    @Test
    void B126_completionSizeIsBytesWritten(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        for (int size : new int[]{0, 5, 24, 64}) {
            CompletableFuture<Completion> f = async(ch, SyncRequest.builder(pattern(8, size)).waitForCompletion()
                    .completionCapacity(64).build());
            PeerPacket p = received(peer, ch);
            peer.complete(ch.id(), p.txId(), pattern(size, 3));
            Completion c = await(f);
            assertEquals(size, c.payload().remaining(), "completion of " + size + " bytes into capacity 64");
            assertArrayEquals(pattern(size, 3), c.payloadBytes());
        }
    }

    /** The request waits for the peer's completion and returns the peer's completion payload. */
    @Test
    void B127_returnsPeersCompletionPayload(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        byte[] request = pattern(100, 1);
        CompletableFuture<Completion> f = async(ch, SyncRequest.builder(request).waitForCompletion()
                .completionCapacity(256).timeout(TestChannels.TIMEOUT).build());
        PeerPacket p = received(peer, ch);
        assertArrayEquals(request, p.payload(), "the peer receives the request bytes");
        assertTrue(p.completionRequested());
        assertFalse(f.isDone(), "returned before the peer completed");
        byte[] reply = pattern(200, 2);
        peer.complete(ch.id(), p.txId(), reply);
        assertArrayEquals(reply, await(f).payloadBytes());
    }

    /**
     * A client request without WAIT_FOR_COMPLETION (and not the zero-timeout form) still asks the peer for a
     * completion and returns the peer's reply (docs/fake-choices.md, "Synchronous requests").
     */
    @Tag("inferred")
    @Test
    void B127_requestWithoutWaitFlagStillReturnsThePeersReply(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        List<SyncRequest> forms = List.of(
                SyncRequest.builder(pattern(24, 1)).completionCapacity(64).build(),
                SyncRequest.builder(pattern(24, 2)).completionCapacity(64).timeout(TestChannels.TIMEOUT).build());
        for (SyncRequest r : forms) {
            CompletableFuture<Completion> f = async(ch, r);
            PeerPacket p = received(peer, ch);
            assertTrue(p.completionRequested(), "the peer is asked for a completion: " + r);
            byte[] reply = pattern(16, 7);
            peer.complete(ch.id(), p.txId(), reply);
            assertArrayEquals(reply, await(f).payloadBytes(), "the peer's reply: " + r);
        }
    }

    /** If the timeout passes before the peer completes, the request is cancelled: STATUS_CANCELLED. */
    @Test
    void B128_timeoutCancelsWithStatusCancelled(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        SyncRequest r = SyncRequest.builder(pattern(16, 1)).waitForCompletion().timeout(Duration.ofMillis(150)).build();
        long start = System.nanoTime();
        KmclException e = assertThrows(KmclException.class, () -> ch.sendSynchronous(r));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(NtStatus.CANCELLED, e.status());
        assertTrue(tookMs >= 140, "returned after " + tookMs + " ms, before the 150 ms timeout");
        assertNotNull(received(peer, ch), "the request was sent before it timed out");
    }

    /**
     * A timeout below 100 ns is still a timeout (one 100 ns unit), never the zero timeout that means "do not
     * queue": with the outgoing ring full the request is queued and then cancelled, not refused with BUFFER_OVERFLOW.
     */
    @Test
    void B134_subHundredNanosecondTimeoutIsNotZero(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        List<byte[]> sent = new ArrayList<>();
        fillOutgoingRing(peer, ch, 2000, sent);
        SyncRequest r = SyncRequest.builder(PacketFlow.seq(-1)).timeout(Duration.ofNanos(50)).build();
        KmclException e = assertThrows(KmclException.class, () -> ch.sendSynchronous(r));
        assertEquals(NtStatus.CANCELLED, e.status(), "a 50 ns timeout acted as the zero timeout: " + e.getMessage());
        PacketFlow.resumeReadingAndExpect(peer, ch, sent);
        assertTrue(peer.awaitReceived(ch.id(), TestChannels.QUIET).isEmpty(), "the cancelled request never went out");
    }

    /** With a zero timeout, a request that does not fit in the full outgoing ring is not queued: BUFFER_OVERFLOW. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B129_zeroTimeoutWithFullRingIsBufferOverflow(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        List<byte[]> sent = new ArrayList<>();
        fillOutgoingRing(peer, ch, 2000, sent);
        long queued = ch.statistics().queuedOutgoing();
        SyncRequest r = SyncRequest.builder(PacketFlow.seq(-1)).timeout(Duration.ZERO).build();
        KmclException e = assertThrows(KmclException.class, () -> ch.sendSynchronous(r));
        assertEquals(NtStatus.BUFFER_OVERFLOW, e.status());
        assertEquals(queued, ch.statistics().queuedOutgoing(), "the request was not queued");
        PacketFlow.resumeReadingAndExpect(peer, ch, sent);
        assertTrue(peer.awaitReceived(ch.id(), TestChannels.QUIET).isEmpty(), "the overflowing request never went out");
    }

    /** Once the channel has been closed by the peer, a synchronous request returns STATUS_DEVICE_REMOVED. */
    @Tag("inferred")
    @ParameterizedTest
    @EnumSource(Side.class)
    void B130_requestOnClosedChannelIsDeviceRemoved(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        peer.close(ch.id());
        assertTrue(ch.awaitStateEvent(StateEvent.CLOSED, TestChannels.TIMEOUT), "history " + ch.stateHistory());
        SyncRequest r = SyncRequest.builder(pattern(8, 1)).timeout(Duration.ZERO).build();
        KmclException e = assertThrows(KmclException.class, () -> ch.sendSynchronous(r));
        assertEquals(NtStatus.DEVICE_REMOVED, e.status());
    }

    /** On a server endpoint only a zero timeout without WAIT_FOR_COMPLETION is allowed; that one is sent. */
    @Tag("inferred")
    @Test
    void B131_serverAllowsOnlyZeroTimeoutWithoutWait(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openServer(ChannelConfig.defaults());
        List<SyncRequest> forbidden = List.of(
                SyncRequest.builder(pattern(8, 1)).build(),
                SyncRequest.builder(pattern(8, 2)).waitForCompletion().build(),
                SyncRequest.builder(pattern(8, 3)).waitForCompletion().timeout(Duration.ZERO).build(),
                SyncRequest.builder(pattern(8, 4)).timeout(Duration.ofMillis(100)).build());
        for (SyncRequest r : forbidden) {
            CompletableFuture<Completion> f = async(ch, r);
            KmclException e = awaitFailure(f);
            assertNotEquals(NtStatus.CANCELLED, e.status(), "rejected, not sent and timed out: " + r);
        }
        assertTrue(peer.awaitReceived(ch.id(), TestChannels.QUIET).isEmpty(), "no forbidden request was sent");
        byte[] ok = pattern(8, 5);
        ch.sendSynchronous(SyncRequest.builder(ok).timeout(Duration.ZERO).build());
        assertArrayEquals(ok, received(peer, ch).payload());
    }

    /** On a client endpoint every combination of timeout and WAIT_FOR_COMPLETION is accepted. */
    @Test
    void B132_clientAcceptsAnyCombination(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        List<SyncRequest> all = List.of(
                SyncRequest.builder(pattern(8, 1)).waitForCompletion().build(),
                SyncRequest.builder(pattern(8, 2)).waitForCompletion().timeout(TestChannels.TIMEOUT).build(),
                SyncRequest.builder(pattern(8, 3)).timeout(Duration.ZERO).build(),
                SyncRequest.builder(pattern(8, 4)).timeout(TestChannels.TIMEOUT).build(),
                SyncRequest.builder(pattern(8, 5)).build());
        try (Responder ignored = new Responder(peer, ch)) {
            for (SyncRequest r : all) {
                CompletableFuture<Completion> f = async(ch, r);
                try {
                    f.get(TestChannels.TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw new AssertionError("client request " + r + " failed", e.getCause());
                } catch (TimeoutException e) {
                    throw new AssertionError("client request " + r + " never returned", e);
                }
            }
        }
    }

    /** Without a timeout the request waits as long as it takes for the peer's completion. */
    @Tag("inferred")
    @Test
    void B134_noTimeoutWaitsIndefinitely(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        CompletableFuture<Completion> f = async(ch, SyncRequest.builder(pattern(8, 1)).waitForCompletion().build());
        PeerPacket p = received(peer, ch);
        try {
            f.get(TestChannels.QUIET.toMillis() * 2, TimeUnit.MILLISECONDS);
            throw new AssertionError("returned without a completion");
        } catch (TimeoutException expected) {
            // still waiting
        }
        peer.complete(ch.id(), p.txId(), new byte[]{1, 2, 3});
        assertArrayEquals(new byte[]{1, 2, 3}, await(f).payloadBytes());
    }

    /** A synchronous request from the Started callback is refused instead of hanging forever. */
    @Test
    void B48_requestFromStartedCallbackIsRefused(TestChannels t) {
        Peer peer = t.peer();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean returned = new AtomicBoolean();
        Channel ch = t.client(ChannelConfig.defaults());
        ch.onStateChange(c -> {
            if (c.event() == StateEvent.STARTED) {
                try {
                    ch.sendSynchronous(SyncRequest.builder(pattern(8, 1)).waitForCompletion()
                            .timeout(TestChannels.TIMEOUT).build());
                    returned.set(true);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }
        });
        ch.enable();
        assertTrue(ch.awaitStateEvent(StateEvent.POST_STARTED, TestChannels.TIMEOUT), "history " + ch.stateHistory());
        assertFalse(returned.get(), "a request from Started cannot complete");
        assertInstanceOf(IllegalStateException.class, thrown.get());
        assertTrue(peer.awaitReceived(ch.id(), TestChannels.QUIET).isEmpty(), "nothing was sent");
    }

    /** A synchronous request from the PostStarted callback completes with the peer's reply. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B50_requestFromPostStartedCallbackCompletes(Side side, TestChannels t) throws Exception {
        Peer peer = t.peer();
        AtomicReference<Object> result = new AtomicReference<>();
        Channel ch = side.create(t, ChannelConfig.defaults());
        SyncRequest r = side == Side.CLIENT
                ? SyncRequest.builder(pattern(8, 1)).waitForCompletion().timeout(TestChannels.TIMEOUT).build()
                : SyncRequest.builder(pattern(8, 1)).timeout(Duration.ZERO).build();
        ch.onStateChange(c -> {
            if (c.event() == StateEvent.POST_STARTED) {
                try {
                    result.set(ch.sendSynchronous(r));
                } catch (Throwable e) {
                    result.set(e);
                }
            }
        });
        try (Responder ignored = new Responder(peer, ch)) {
            side.bringUp(t, ch);
        }
        Object o = result.get();
        assertNotNull(o, "PostStarted listener did not finish");
        if (o instanceof Throwable e) {
            throw new AssertionError("request from PostStarted failed", e);
        }
        if (side == Side.CLIENT) {
            assertArrayEquals(Responder.reply(pattern(8, 1)), ((Completion) o).payloadBytes());
        }
    }
}
