package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Completion;
import dev.kmclbridge.ExternalData;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.PacketFlow.Side;
import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static dev.kmclbridge.conformance.PacketFlow.received;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catalog 5.6: sending packets (B102-B124, where the Java API can express them). */
@KmclTest
@Timeout(60)
public class OutgoingPacketContract extends EndsLeftoverPackets {
    private static final Set<SendFlag> WAIT = EnumSet.of(SendFlag.WAIT_FOR_COMPLETION);
    private static final ChannelConfig EXTERNAL = ChannelConfig.builder().maximumExternalData(256 * 1024, 64).build();

    private static Completion await(CompletableFuture<Completion> f) {
        try {
            return f.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("send did not complete within " + TestChannels.TIMEOUT, e);
        }
    }

    private static void assertNotDoneDuringQuiet(CompletableFuture<Completion> f, String why) {
        try {
            f.get(TestChannels.QUIET.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError(why + ": the send completed early");
        } catch (java.util.concurrent.TimeoutException expected) {
            // still open
        } catch (Exception e) {
            throw new AssertionError(why + ": the send ended with " + e, e);
        }
    }

    private static void assertPeerGetsNothing(Peer peer, Channel ch, String why) {
        Optional<PeerPacket> p = peer.awaitReceived(ch.id(), TestChannels.QUIET);
        assertTrue(p.isEmpty(), why + ": the peer received " + p);
    }

    /** When VmbPacketAllocate fails, the send fails with STATUS_INSUFFICIENT_RESOURCES and nothing is sent. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B102_allocationFailureRejectsSend(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        peer.inject(ch.id(), new Fault.AllocationFailure(1));
        KmclException e = assertThrows(KmclException.class, () -> ch.send(pattern(16, 1)));
        assertEquals(NtStatus.INSUFFICIENT_RESOURCES, e.status());
        assertPeerGetsNothing(peer, ch, "failed allocation");
        byte[] ok = pattern(16, 2);
        CompletableFuture<Completion> f = ch.send(ok);
        assertArrayEquals(ok, received(peer, ch).payload(), "the fault was armed for one allocation only");
        await(f);
    }

    /** Without WAIT_FOR_COMPLETION the send completes once the packet is in the ring, with no peer action. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B108_sendWithoutWaitCompletesOnceInRing(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        peer.setReading(ch.id(), false);
        byte[] payload = pattern(200, 1);
        Completion c = await(ch.send(payload));
        assertEquals(0, c.payload().remaining(), "no completion payload without WAIT_FOR_COMPLETION");
        assertTrue(peer.ringStatus(ch.id()).outgoingUsed() >= PacketFlow.onRingSize(200), "the packet sits in the ring");
        assertTrue(peer.received(ch.id()).isEmpty(), "the peer has not read it");
        peer.setReading(ch.id(), true);
        PeerPacket p = received(peer, ch);
        assertArrayEquals(payload, p.payload());
        assertFalse(p.completionRequested());
    }

    /** With WAIT_FOR_COMPLETION the send completes only after the peer completes it, carrying the peer's payload. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B109_waitForCompletionEndsWithPeersPayload(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.defaults());
        CompletableFuture<Completion> f = ch.send(pattern(32, 1), WAIT);
        PeerPacket p = received(peer, ch);
        assertTrue(p.completionRequested());
        assertNotDoneDuringQuiet(f, "the peer has not completed it");
        assertEquals(1, ch.statistics().pendingOutgoing());
        byte[] reply = pattern(24, 99);
        peer.complete(ch.id(), p.txId(), reply);
        assertArrayEquals(reply, await(f).payloadBytes());
        PacketFlow.awaitStatistics(ch, s -> s.pendingOutgoing() == 0, "no pending transaction");
    }

    /** Each send's transaction ends exactly once, and each completion goes to its own send. */
    @Tag("inferred")
    @Test
    void B110_everySendCompletesExactlyOnce(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        int n = 60;
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(ch.send(PacketFlow.seq(i), i % 2 == 0 ? WAIT : EnumSet.noneOf(SendFlag.class)));
        }
        for (int i = 0; i < n; i++) {
            PeerPacket p = received(peer, ch);
            long s = ByteBuffer.wrap(p.payload()).getLong();
            assertEquals(i, s, "ring order");
            if (p.completionRequested()) {
                peer.complete(ch.id(), p.txId(), PacketFlow.seq(1000 + s));
            }
        }
        for (int i = 0; i < n; i++) {
            Completion c = await(fs.get(i));
            if (i % 2 == 0) {
                assertEquals(1000 + i, c.payload().getLong(0), "completion of send " + i);
            }
        }
        PacketFlow.awaitStatistics(ch, s -> s.completionsReceived() >= n, "all completions counted");
        try {
            Thread.sleep(TestChannels.QUIET.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertEquals(n, ch.statistics().completionsReceived(), "one completion per send");
        assertEquals(0, ch.statistics().pendingOutgoing());
        assertEquals(n, ch.statistics().packetsOut());
    }

    /** The peer receives the inline bytes unchanged, as an in-band packet. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B111_peerReceivesBytesUnchanged(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.builder().maximumPacketSize(8192).build());
        int[] sizes = {1, 7, 8, 9, 100, 1023, 4096, 8192};
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = pattern(sizes[i], i);
            CompletableFuture<Completion> f = ch.send(b);
            PeerPacket p = received(peer, ch);
            assertArrayEquals(b, p.payload(), sizes[i] + " bytes");
            assertEquals(6, p.ringType(), "in-band data packet");
            assertEquals(0, p.external().length);
            await(f);
        }
    }

    /** The caller may overwrite a PAGED_BUFFER payload as soon as send returns; the peer gets the original bytes. */
    @Tag("inferred")
    @Test
    void B114_pagedBufferReusableAfterSendReturns(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        peer.setReading(ch.id(), false);
        byte[] heap = pattern(300, 1);
        byte[] heapCopy = heap.clone();
        CompletableFuture<Completion> f1 = ch.send(ByteBuffer.wrap(heap), EnumSet.of(SendFlag.PAGED_BUFFER), Optional.empty());
        java.util.Arrays.fill(heap, (byte) 0x5A);
        ByteBuffer direct = ByteBuffer.allocateDirect(300);
        direct.put(pattern(300, 2)).flip();
        CompletableFuture<Completion> f2 = ch.send(direct, EnumSet.of(SendFlag.PAGED_BUFFER, SendFlag.WAIT_FOR_COMPLETION),
                Optional.empty());
        direct.clear();
        while (direct.hasRemaining()) {
            direct.put((byte) 0x33);
        }
        peer.setReading(ch.id(), true);
        assertArrayEquals(heapCopy, received(peer, ch).payload(), "heap buffer reused after send");
        PeerPacket p2 = received(peer, ch);
        assertArrayEquals(pattern(300, 2), p2.payload(), "direct buffer reused after send");
        peer.complete(ch.id(), p2.txId(), new byte[0]);
        await(f1);
        await(f2);
    }

    /** Sends with external data (MDL or PFN form) require WAIT_FOR_COMPLETION; without it they are rejected. */
    @Tag("inferred")
    @ParameterizedTest
    @EnumSource(ExternalData.Form.class)
    void B115_externalDataRequiresWaitForCompletion(ExternalData.Form form, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(EXTERNAL);
        ExternalData ext = new ExternalData(ByteBuffer.wrap(pattern(5000, 1)), form);
        assertThrows(KmclException.class,
                () -> ch.send(ByteBuffer.wrap(pattern(16, 1)), EnumSet.noneOf(SendFlag.class), Optional.of(ext)));
        assertPeerGetsNothing(peer, ch, "rejected external-data send");
        CompletableFuture<Completion> f = ch.send(ByteBuffer.wrap(pattern(16, 2)), WAIT, Optional.of(ext));
        PeerPacket p = received(peer, ch);
        peer.complete(ch.id(), p.txId(), new byte[]{1});
        assertArrayEquals(new byte[]{1}, await(f).payloadBytes());
    }

    /** A PFN-described external buffer reaches the peer exactly: every page, no more, no less. */
    @Test
    void B118_pfnExternalDataArrivesExactly(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(EXTERNAL);
        byte[] ext = pattern(3 * 4096 + 123, 4);
        CompletableFuture<Completion> f = ch.send(ByteBuffer.wrap(pattern(8, 1)), WAIT, Optional.of(ExternalData.pfns(ext)));
        PeerPacket p = received(peer, ch);
        assertEquals(ext.length, p.external().length);
        assertArrayEquals(ext, p.external());
        peer.complete(ch.id(), p.txId(), new byte[0]);
        await(f);
    }

    /** A packet sent with external data reaches the peer as a GPA-direct packet with the same external bytes. */
    @ParameterizedTest
    @EnumSource(ExternalData.Form.class)
    void B119_peerSeesExternalDataOfSend(ExternalData.Form form, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(EXTERNAL);
        byte[] inline = pattern(40, 7);
        byte[] ext = pattern(10_000, 8);
        CompletableFuture<Completion> f = ch.send(ByteBuffer.wrap(inline), WAIT,
                Optional.of(new ExternalData(ByteBuffer.wrap(ext), form)));
        PeerPacket p = received(peer, ch);
        assertArrayEquals(inline, p.payload(), "inline part");
        assertArrayEquals(ext, p.external(), "external part");
        assertEquals(9, p.ringType(), "external data travels as a GPA-direct packet");
        assertTrue(p.completionRequested());
        peer.complete(ch.id(), p.txId(), new byte[]{2});
        assertArrayEquals(new byte[]{2}, await(f).payloadBytes());
        assertEquals(inline.length + ext.length, ch.statistics().bytesOut());
    }

    /** Our external data reaches a server-side peer the same way. */
    @Test
    void B119_serverSendsExternalData(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openServer(EXTERNAL);
        byte[] ext = pattern(6000, 9);
        CompletableFuture<Completion> f = ch.send(ByteBuffer.wrap(pattern(8, 2)), WAIT, Optional.of(ExternalData.mdl(ext)));
        PeerPacket p = received(peer, ch);
        assertArrayEquals(ext, p.external());
        peer.complete(ch.id(), p.txId(), new byte[0]);
        await(f);
    }

    /** A send larger than the configured maximum packet size is rejected; one of exactly that size is accepted. */
    @ParameterizedTest
    @EnumSource(Side.class)
    void B120_oversizeSendRejected(Side side, TestChannels t) {
        Peer peer = t.peer();
        Channel ch = side.open(t, ChannelConfig.builder().maximumPacketSize(512).build());
        assertThrows(KmclException.class, () -> ch.send(pattern(513, 1)));
        assertPeerGetsNothing(peer, ch, "oversize send");
        byte[] ok = pattern(512, 2);
        CompletableFuture<Completion> f = ch.send(ok);
        assertArrayEquals(ok, received(peer, ch).payload());
        await(f);
        assertEquals(1, ch.statistics().packetsOut(), "the rejected send is not counted");
    }

    /** VmbChannelSizeofPacket is positive and the same for channels of the same configuration, at any time. */
    @Tag("inferred")
    @Test
    void B124_sizeofPacketStablePerConfiguration(TestChannels t) {
        ChannelConfig cfg = ChannelConfig.builder().maximumPacketSize(4096).clientContextSize(64).build();
        Channel a = t.client(cfg);
        Channel b = t.client(cfg);
        long sa = a.status().sizeofPacket();
        assertTrue(sa > 0, "sizeofPacket " + sa);
        assertEquals(sa, b.status().sizeofPacket(), "same configuration, same size");
        a.enable();
        assertTrue(a.awaitStateEvent(dev.kmclbridge.StateEvent.POST_STARTED, TestChannels.TIMEOUT));
        assertEquals(sa, a.status().sizeofPacket(), "unchanged by enable");
        Channel s1 = t.server(cfg);
        Channel s2 = t.server(cfg);
        assertEquals(s1.status().sizeofPacket(), s2.status().sizeofPacket());
    }
}
