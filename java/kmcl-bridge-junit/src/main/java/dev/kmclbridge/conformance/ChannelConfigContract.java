package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.LifecycleRecorder.bytes;
import static dev.kmclbridge.junit.TestChannels.QUIET;
import static dev.kmclbridge.junit.TestChannels.TEST_TYPE;
import static dev.kmclbridge.junit.TestChannels.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.2: the Init* setters (through {@link ChannelConfig} and {@code Channel.configure}), the
 * statuses KMCL documents for them, and how the target settings choose what a channel binds to.
 */
@KmclTest
public class ChannelConfigContract {

    private static KmclException expectStatus(NtStatus status, KmclFunction function, Executable call) {
        KmclException e = assertThrows(KmclException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        if (function != null) {
            assertEquals(function, e.function(), e.getMessage());
        }
        return e;
    }

    /** B13: every client Init* setter accepts valid values on a freshly allocated channel, which then comes up. */
    @Test
    @Tag("inferred")
    void B13_initSettersSucceedOnFreshClientChannel(TestChannels t) {
        PeerOffer offer = t.offer();
        ClientChannel ch = t.client(offer, ChannelConfig.defaults());
        ChannelConfig all = ChannelConfig.builder()
                .friendlyName("conformance B13")
                .maximumPacketSize(4096)
                .maximumExternalData(64 * 1024, 4)
                .clientContextSize(32)
                .pipeMode(false)
                .stateCallbacksHeader(1, 48)
                .processingCompleteCallback(true)
                .ringBufferPages(4, 4)
                .targetPnp(offer.interfaceType(), offer.interfaceInstance())
                .build();
        assertDoesNotThrow(() -> ch.configure(all));
        assertEquals(all, ch.config());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
    }

    /** B13: every server Init* setter accepts valid values on a freshly allocated channel, which then comes up. */
    @Test
    @Tag("inferred")
    void B13_initSettersSucceedOnFreshServerChannel(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ChannelConfig all = ChannelConfig.builder()
                .friendlyName("conformance B13 server")
                .maximumPacketSize(4096)
                .maximumExternalData(64 * 1024, 4)
                .clientContextSize(16)
                .pipeMode(false)
                .stateCallbacksHeader(1, 48)
                .targetInterface(TEST_TYPE, UUID.randomUUID())
                .targetVtl(0)
                .mmioMegabytes(1, 0)
                .serverFlags(0)
                .build();
        assertDoesNotThrow(() -> ch.configure(all));
        assertEquals(all, ch.config());
        ch.enable();
        ch.start();
        t.peer().open(ch.id());
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
    }

    /** B14: an Init* setter called with the id of a channel that was cleaned up returns STATUS_INVALID_PARAMETER_1. */
    @Test
    void B14_initSetterOnStaleChannelIdReturnsInvalidParameter1(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        long stale = ch.id();
        ch.close();
        int[] failed = new int[1];
        int st = t.kmcl().backend().configure(stale,
                ChannelConfig.builder().maximumPacketSize(4096).build().toSettings(), failed);
        assertEquals(NtStatus.INVALID_PARAMETER_1, NtStatus.of(st), NtStatus.describe(st));
    }

    /** B14: an Init* setter called with channel ids that were never allocated returns STATUS_INVALID_PARAMETER_1. */
    @Test
    void B14_initSetterOnForgedChannelIdReturnsInvalidParameter1(TestChannels t) {
        ClientChannel live = t.client(ChannelConfig.defaults());
        for (long forged : new long[] {0L, -1L, Long.MAX_VALUE, live.id() ^ 0x7FFF_0000_0000_0000L}) {
            int[] failed = new int[1];
            int st = t.kmcl().backend().configure(forged,
                    ChannelConfig.builder().friendlyName("forged").build().toSettings(), failed);
            assertEquals(NtStatus.INVALID_PARAMETER_1, NtStatus.of(st),
                    "forged id " + Long.toHexString(forged) + ": " + NtStatus.describe(st));
        }
        // the live channel is unaffected
        assertDoesNotThrow(() -> live.configure(ChannelConfig.builder().friendlyName("still configurable").build()));
    }

    /** B15: after Enable, every client Init* setter fails with STATUS_INVALID_PARAMETER_1 and changes nothing. */
    @Test
    @Tag("inferred")
    void B15_clientInitSettersAfterEnableReturnInvalidParameter1(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ChannelConfig before = ch.config();
        Map<String, ChannelConfig> settings = new LinkedHashMap<>();
        settings.put("friendly name", ChannelConfig.builder().friendlyName("late").build());
        settings.put("maximum packet size", ChannelConfig.builder().maximumPacketSize(4096).build());
        settings.put("maximum external data", ChannelConfig.builder().maximumExternalData(4096, 1).build());
        settings.put("client context size", ChannelConfig.builder().clientContextSize(16).build());
        settings.put("flags", ChannelConfig.builder().channelFlags(0).build());
        settings.put("state callbacks", ChannelConfig.builder().stateCallbacksHeader(1, 48).build());
        settings.put("ring buffer pages", ChannelConfig.builder().ringBufferPages(4, 4).build());
        settings.put("target PnP", ChannelConfig.builder().targetPnp(TEST_TYPE).build());
        for (Map.Entry<String, ChannelConfig> s : settings.entrySet()) {
            KmclException e = assertThrows(KmclException.class, () -> ch.configure(s.getValue()), s.getKey());
            assertEquals(NtStatus.INVALID_PARAMETER_1, e.status(), s.getKey() + ": " + e.getMessage());
            assertTrue(e.function().memberName().contains("InitSet"), s.getKey() + ": " + e.function());
        }
        assertEquals(before, ch.config());
        assertEquals(dev.kmclbridge.ChannelState.ACTIVE, ch.state());
    }

    /** B15: after Enable, every server-only Init* setter fails with STATUS_INVALID_PARAMETER_1. */
    @Test
    @Tag("inferred")
    void B15_serverInitSettersAfterEnableReturnInvalidParameter1(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        ch.enable();
        Map<String, ChannelConfig> settings = new LinkedHashMap<>();
        settings.put("server flags", ChannelConfig.builder().serverFlags(0).build());
        settings.put("MMIO", ChannelConfig.builder().mmioMegabytes(1, 0).build());
        settings.put("target VTL", ChannelConfig.builder().targetVtl(0).build());
        settings.put("target interface", ChannelConfig.builder().targetInterface(TEST_TYPE, UUID.randomUUID()).build());
        settings.put("maximum packet size", ChannelConfig.builder().maximumPacketSize(4096).build());
        for (Map.Entry<String, ChannelConfig> s : settings.entrySet()) {
            KmclException e = assertThrows(KmclException.class, () -> ch.configure(s.getValue()), s.getKey());
            assertEquals(NtStatus.INVALID_PARAMETER_1, e.status(), s.getKey() + ": " + e.getMessage());
            assertTrue(e.function().memberName().contains("InitSet"), s.getKey() + ": " + e.function());
        }
    }

    /** B15: a channel that was enabled once stays unconfigurable after it is disabled again (section 6 Q1 choice). */
    @Test
    @Tag("inferred")
    void B15_initSettersAfterDisableStillReturnInvalidParameter1(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        ch.disable();
        assertTrue(ch.status().everEnabled());
        expectStatus(NtStatus.INVALID_PARAMETER_1, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                () -> ch.configure(ChannelConfig.builder().maximumPacketSize(4096).build()));
    }

    /** B16: a maximum packet size of 0 is rejected with STATUS_INVALID_PARAMETER_2 (client and server). */
    @Test
    void B16_maximumPacketSizeZeroReturnsInvalidParameter2(TestChannels t) {
        ChannelConfig zero = ChannelConfig.builder().maximumPacketSize(0).build();
        ClientChannel client = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                () -> client.configure(zero));
        ServerChannel server = t.server(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                () -> server.configure(zero));
    }

    /** B16: creating a channel whose config has a maximum packet size of 0 fails and leaves no channel behind. */
    @Test
    void B16_creationWithMaximumPacketSizeZeroFails(TestChannels t) {
        PeerOffer offer = t.offer(); // outside the expected failure: without a peer the test is aborted here
        int before = t.kmcl().channels().size();
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                () -> t.client(offer, ChannelConfig.builder().maximumPacketSize(0).build()));
        assertEquals(before, t.kmcl().channels().size());
    }

    /** B17: the maximum packet size is accepted before Enable and refused (STATUS_INVALID_PARAMETER_1) after it. */
    @Test
    @Tag("inferred")
    void B17_maximumPacketSizeOnlyBeforeEnable(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        ChannelConfig size = ChannelConfig.builder().maximumPacketSize(2048).build();
        assertDoesNotThrow(() -> ch.configure(size));
        ch.enable();
        expectStatus(NtStatus.INVALID_PARAMETER_1, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                () -> ch.configure(ChannelConfig.builder().maximumPacketSize(4096).build()));
    }

    /** B18: maximum external data with DataSize 0 returns STATUS_INVALID_PARAMETER_2. */
    @Test
    void B18_maximumExternalDataSizeZeroReturnsInvalidParameter2(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA,
                () -> ch.configure(ChannelConfig.builder().maximumExternalData(0, 4).build()));
    }

    /** B19: maximum external data with ChainLength 0 (DataSize > 0) returns STATUS_INVALID_PARAMETER_3. */
    @Test
    void B19_maximumExternalDataChainZeroReturnsInvalidParameter3(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_3, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA,
                () -> ch.configure(ChannelConfig.builder().maximumExternalData(4096, 0).build()));
    }

    /** B20: with both DataSize and ChainLength 0 the first bad parameter wins: STATUS_INVALID_PARAMETER_2. */
    @Test
    @Tag("inferred")
    void B20_maximumExternalDataBothZeroReturnsInvalidParameter2(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA,
                () -> ch.configure(ChannelConfig.builder().maximumExternalData(0, 0).build()));
    }

    /** B21: valid maximum external data and maximum packet size are accepted on client and server channels. */
    @Test
    void B21_validSizeLimitsSucceed(TestChannels t) {
        ChannelConfig limits = ChannelConfig.builder().maximumPacketSize(8192).maximumExternalData(1 << 20, 8).build();
        ClientChannel client = t.client(ChannelConfig.defaults());
        assertDoesNotThrow(() -> client.configure(limits));
        assertEquals(limits.maximumPacketSize(), client.config().maximumPacketSize());
        assertEquals(limits.maximumExternalData(), client.config().maximumExternalData());
        ServerChannel server = t.server(ChannelConfig.defaults());
        assertDoesNotThrow(() -> server.configure(limits));
        assertEquals(limits.maximumPacketSize(), server.config().maximumPacketSize());
        assertEquals(limits.maximumExternalData(), server.config().maximumExternalData());
    }

    /** B22: a state-callback struct with a wrong Version is rejected with STATUS_INVALID_PARAMETER_2. */
    @Test
    void B22_stateCallbacksWrongVersionReturnsInvalidParameter2(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS,
                () -> ch.configure(ChannelConfig.builder().stateCallbacksHeader(2, 48).build()));
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS,
                () -> ch.configure(ChannelConfig.builder().stateCallbacksHeader(0, 48).build()));
    }

    /** B22: a state-callback struct with a wrong Size is rejected with STATUS_INVALID_PARAMETER_2. */
    @Test
    void B22_stateCallbacksWrongSizeReturnsInvalidParameter2(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS,
                () -> ch.configure(ChannelConfig.builder().stateCallbacksHeader(1, 40).build()));
        expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS,
                () -> ch.configure(ChannelConfig.builder().stateCallbacksHeader(1, 56).build()));
    }

    /** B23: the INIT-prepared header (Version 1, Size 48) is accepted and the registered callbacks are then delivered. */
    @Test
    void B23_initPreparedStateCallbacksAreAccepted(TestChannels t) {
        assertEquals(1, ChannelConfig.StateCallbacksHeader.V1.version());
        assertEquals(48, ChannelConfig.StateCallbacksHeader.V1.size());
        ClientChannel ch = t.client(ChannelConfig.builder().stateCallbacksHeader(1, 48).build());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(List.of(StateEvent.OPENED, StateEvent.STARTED, StateEvent.POST_STARTED),
                LifecycleRecorder.events(ch));
    }

    /** B25: channel flags with a bit outside VMBUS_CHANNEL_INIT_FLAGS (0x1) return STATUS_INVALID_PARAMETER_2. */
    @Test
    void B25_channelFlagsOutsideMaskReturnInvalidParameter2(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        for (int bad : new int[] {0x2, 0x3, 0x100, 0x8000_0000}) {
            expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_CHANNEL_INIT_SET_FLAGS,
                    () -> ch.configure(ChannelConfig.builder().channelFlags(bad).build()));
        }
    }

    /** B25: the flag values inside the mask (0 and IS_PIPE) are accepted. */
    @Test
    void B25_channelFlagsInsideMaskSucceed(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().channelFlags(0).build()));
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().pipeMode(true).build()));
    }

    /** B26: server flags with a bit outside VMBUS_SERVER_CHANNEL_INIT_FLAGS (0x1F) return STATUS_INVALID_PARAMETER_2. */
    @Test
    void B26_serverFlagsOutsideMaskReturnInvalidParameter2(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        for (int bad : new int[] {0x20, 0x3F, 0x100, 0x8000_0000}) {
            expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_FLAGS,
                    () -> ch.configure(ChannelConfig.builder().serverFlags(bad).build()));
        }
    }

    /** B26: every server flag inside the mask is accepted, alone and all together. */
    @Test
    void B26_serverFlagsInsideMaskSucceed(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        for (int ok : new int[] {0, ChannelConfig.SERVER_FLAG_LOOPBACK_OFFER,
                ChannelConfig.SERVER_FLAG_ENUMERATE_DEVICE_INTERFACE, ChannelConfig.SERVER_FLAG_OFFER_AS_PIPE,
                ChannelConfig.SERVER_FLAG_FORCE_NEW_CHANNEL, ChannelConfig.SERVER_FLAG_TLNPI_PROVIDER_OFFER, 0x1F}) {
            assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().serverFlags(ok).build()),
                    "server flags 0x" + Integer.toHexString(ok));
        }
    }

    /** B27: without a processing-complete callback, packets are delivered but no end-of-batch notification is. */
    @Test
    void B27_noProcessingCompleteCallbackMeansNoBatchEnds(TestChannels t) throws InterruptedException {
        ClientChannel ch = t.openClient(ChannelConfig.builder().processingCompleteCallback(false).build());
        List<Integer> batches = new CopyOnWriteArrayList<>();
        ch.onProcessingComplete(batches::add);
        Peer peer = t.peer();
        long tx = peer.send(ch.id(), bytes("no batch end"), true, Optional.empty());
        IncomingPacket p = ch.nextPacket(TIMEOUT).orElseThrow(() -> new AssertionError("packet not delivered"));
        assertEquals("no batch end", LifecycleRecorder.text(p.payloadBytes()));
        p.complete();
        assertEquals(dev.kmclbridge.peer.PeerOutcome.Kind.COMPLETED, peer.awaitOutcome(ch.id(), tx, TIMEOUT).kind());
        Thread.sleep(QUIET.toMillis());
        assertEquals(List.of(), batches);
    }

    /** B28: the process-packet callbacks registered at configuration deliver packets and end-of-batch counts. */
    @Test
    void B28_processPacketCallbacksRegisteredOnConfigurableChannel(TestChannels t) throws InterruptedException {
        ClientChannel ch = t.client(ChannelConfig.builder().processingCompleteCallback(true).build());
        LifecycleRecorder rec = new LifecycleRecorder();
        CountDownLatch batchEnd = new CountDownLatch(1);
        ch.onPacket(rec.completingHandler());
        ch.onProcessingComplete(n -> batchEnd.countDown());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        t.peer().send(ch.id(), bytes("one"), false, Optional.empty());
        rec.expect("PACKET:one", 1);
        assertTrue(batchEnd.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "no processing-complete after a packet");
    }

    /** B29: the ring buffer page count is a client-only setting: a server endpoint refuses it. */
    @Test
    void B29_ringBufferPageCountFailsOnServer(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        KmclException e = assertThrows(KmclException.class,
                () -> ch.configure(ChannelConfig.builder().ringBufferPages(4, 4).build()));
        assertEquals(KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT, e.function(), e.getMessage());
        assertFalse(e.status().isSuccess());
    }

    /** B29: the same ring buffer page count is accepted on a client endpoint. */
    @Test
    void B29_ringBufferPageCountSucceedsOnClient(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().ringBufferPages(4, 4).build()));
        ch.enable();
        awaitEvent(ch, StateEvent.OPENED, 1);
    }

    /** B30: a target PnP without an instance binds to an offer of that type whatever its instance. */
    @Test
    void B30_targetPnpWithoutInstanceMatchesAnyInstance(TestChannels t) {
        UUID type = UUID.randomUUID();
        PeerOffer offer = t.peer().offer(type, UUID.randomUUID(), OfferOptions.defaults());
        ClientChannel ch = t.client(offer, ChannelConfig.builder().targetPnp(type).build());
        ch.enable();
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertTrue(t.peer().isOpen(ch.id()));
    }

    /** B31: with an instance set, the client waits for the offer with that instance and ignores others of the type. */
    @Test
    @Tag("inferred")
    void B31_targetPnpWithInstanceIgnoresOtherInstances(TestChannels t) throws InterruptedException {
        UUID type = UUID.randomUUID();
        UUID wanted = UUID.randomUUID();
        PeerOffer other = t.peer().offer(type, UUID.randomUUID(), OfferOptions.defaults());
        ClientChannel ch = t.client(other, ChannelConfig.builder().targetPnp(type, wanted).build());
        ch.enable();
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET), "bound to an offer with another instance");
        assertFalse(t.peer().isOpen(ch.id()));
        t.peer().offer(type, wanted, OfferOptions.defaults());
        awaitEvent(ch, StateEvent.OPENED, 1);
        assertTrue(t.peer().isOpen(ch.id()));
    }

    /** B31: a client bound by type and instance is bound to that offer: rescinding another offer of the type does not close it. */
    @Test
    @Tag("inferred")
    void B31_targetPnpWithInstanceBindsToThatOffer(TestChannels t) {
        Peer peer = t.peer();
        UUID type = UUID.randomUUID();
        PeerOffer parent = peer.offer(UUID.randomUUID(), UUID.randomUUID(), OfferOptions.defaults());
        PeerOffer a = peer.offer(type, UUID.randomUUID(), OfferOptions.defaults());
        PeerOffer b = peer.offer(type, UUID.randomUUID(), OfferOptions.defaults());
        ClientChannel ch = t.client(parent, ChannelConfig.builder().targetPnp(type, b.interfaceInstance()).build());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        peer.rescind(a);
        assertFalse(ch.awaitStateEvent(StateEvent.CLOSED, QUIET), "rescinding another instance closed the channel");
        peer.rescind(b);
        awaitEvent(ch, StateEvent.CLOSED, 1);
    }

    /** B32: MMIO megabytes (0, 0) return STATUS_INVALID_PARAMETER; a non-zero request is accepted. */
    @Test
    void B32_mmioZeroZeroReturnsInvalidParameter(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES,
                () -> ch.configure(ChannelConfig.builder().mmioMegabytes(0, 0).build()));
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().mmioMegabytes(4, 0).build()));
    }

    /** B33: a target VTL that is not a valid VTL (above 15) returns STATUS_INVALID_PARAMETER_2; VTL 0 is accepted. */
    @Test
    void B33_invalidTargetVtlReturnsInvalidParameter2(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        for (int bad : new int[] {16, 0xFF}) {
            expectStatus(NtStatus.INVALID_PARAMETER_2, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL,
                    () -> ch.configure(ChannelConfig.builder().targetVtl(bad).build()));
        }
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().targetVtl(0).build()));
    }

    /** B33: our server offer restricted to VTL 1 cannot be opened by the (VTL 0) guest; a VTL 0 offer can. */
    @Test
    void B33_serverOfferForVtl1NotOpenableByVtl0Guest(TestChannels t) {
        Peer guest = t.peer(); // outside the expected failure: without a peer the test is aborted here
        ServerChannel vtl1 = t.server(ChannelConfig.builder().targetVtl(1).build());
        vtl1.enable();
        vtl1.start();
        assertThrows(IllegalStateException.class, () -> guest.open(vtl1.id()));
        assertFalse(vtl1.awaitStateEvent(StateEvent.OPENED, QUIET));
        ServerChannel vtl0 = t.server(ChannelConfig.builder().targetVtl(0).build());
        vtl0.enable();
        vtl0.start();
        guest.open(vtl0.id());
        awaitEvent(vtl0, StateEvent.OPENED, 1);
    }

    /** B33: an offer restricted to VTL 1 is not visible to our VTL 0 client; a VTL 0 offer of the same type is. */
    @Test
    void B33_offerForAnotherVtlIsNotVisible(TestChannels t) {
        Peer peer = t.peer();
        UUID type = UUID.randomUUID();
        UUID instance = UUID.randomUUID();
        PeerOffer parent = t.offer();
        peer.offer(type, instance, new OfferOptions(0, 1, "vtl1 device"));
        ClientChannel ch = t.client(parent, ChannelConfig.builder().targetPnp(type, instance).build());
        ch.enable();
        assertFalse(ch.awaitStateEvent(StateEvent.OPENED, QUIET), "a VTL 0 client opened a VTL 1 offer");
        assertFalse(peer.isOpen(ch.id()));
        UUID visible = UUID.randomUUID();
        peer.offer(type, visible, new OfferOptions(0, 0, "vtl0 device"));
        ClientChannel other = t.client(parent, ChannelConfig.builder().targetPnp(type, visible).build());
        other.enable();
        awaitEvent(other, StateEvent.OPENED, 1);
        assertTrue(peer.isOpen(other.id()));
    }
}
