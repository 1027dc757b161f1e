package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.ExternalData;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.MmioSpace;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static dev.kmclbridge.conformance.PacketFlow.assertNothingDelivered;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static dev.kmclbridge.conformance.PacketFlow.seqOf;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 6, Q13 and Q17: the defaults, limits and undocumented failure codes, which every backend applies
 * alike. Some come from the driver core (its cap on pending packets), the others are the choices both fakes share
 * (driver/fakekmcl/fake_defaults.h, explained in docs/fake-choices.md); tests of such a choice are tagged inferred.
 */
@KmclTest
@Timeout(120)
public class DefaultsAndLimitsContract {
    /** KMCLB_MAX_PENDING_PACKETS: the quota the driver core sets on every channel, and the most it passes to KMCL. */
    private static final int DRIVER_PENDING_PACKET_CAP = 4096;
    private static final int MEBIBYTE = 1024 * 1024;

    @AfterEach
    void endLeftoverPackets(TestChannels t) {
        PacketFlow.completeLeftovers(t);
    }

    private static KmclException expectStatus(NtStatus status, KmclFunction function, Executable call) {
        KmclException e = assertThrows(KmclException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(function, e.function(), e.getMessage());
        return e;
    }

    /** Sends {@code count} numbered packets and takes delivered ones until nothing more comes. */
    private static List<IncomingPacket> sendAndTakeAll(Peer peer, Channel ch, int count) {
        for (int i = 0; i < count; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        List<IncomingPacket> held = new ArrayList<>();
        Optional<IncomingPacket> p;
        while ((p = ch.nextPacket(TestChannels.QUIET).map(PacketFlow::track)).isPresent()) {
            held.add(p.get());
        }
        return held;
    }

    private static MmioSpace mmio(Channel ch) {
        return ch.status().mmio().orElseThrow(() -> new AssertionError("no MMIO space on open channel " + ch.id()));
    }

    /**
     * Without VmbChannelSetTransactionQuota a channel holds exactly the driver core's cap of delivered, uncompleted
     * packets: with more packets sent, the rest wait until one is completed.
     */
    @Test
    void B80_defaultQuotaHoldsExactlyTheDriversPendingCap(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.defaults());
        List<IncomingPacket> held = sendAndTakeAll(t.peer(), ch, DRIVER_PENDING_PACKET_CAP + 100);
        assertEquals(DRIVER_PENDING_PACKET_CAP, held.size(), "packets held with the default quota");
        assertEquals(DRIVER_PENDING_PACKET_CAP, ch.statistics().pendingIncoming());
        held.get(0).complete();
        assertEquals(DRIVER_PENDING_PACKET_CAP, seqOf(next(ch)), "one completion lets the next packet in");
        assertNothingDelivered(ch, "at the cap again");
    }

    /** A quota above the driver core's cap is capped there: the channel never holds more than the cap. */
    @Test
    void B80_quotaAboveTheDriversCapHoldsTheCap(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.builder().transactionQuota(DRIVER_PENDING_PACKET_CAP + 1000).build());
        List<IncomingPacket> held = sendAndTakeAll(t.peer(), ch, DRIVER_PENDING_PACKET_CAP + 100);
        assertEquals(DRIVER_PENDING_PACKET_CAP, held.size(), "packets held with a quota above the cap");
    }

    /** B122: the packet object size a channel reports is above its maximum packet size plus a pointer. */
    @Test
    void B122_sizeofPacketExceedsMaximumPacketSizePlusPointer(TestChannels t) {
        ClientChannel byDefault = t.client(ChannelConfig.defaults());
        long defaultMaximum = 16 * 1024;
        assertTrue(byDefault.status().sizeofPacket() > defaultMaximum + 8, "sizeofPacket " + byDefault.status().sizeofPacket());
        ClientChannel small = t.client(ChannelConfig.builder().maximumPacketSize(4096).build());
        long sizeof = small.status().sizeofPacket();
        assertTrue(sizeof > 4096 + 8, "sizeofPacket " + sizeof + " with maximum packet size 4096");
        assertTrue(byDefault.status().sizeofPacket() > sizeof, "a larger maximum packet size needs a larger object");
    }

    /** B52: a server channel's MMIO space is the megabytes it asked for plus the optional megabytes. */
    @Test
    @Tag("inferred")
    void B52_serverMmioSizeIsRequestedPlusOptionalMegabytes(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.builder().mmioMegabytes(2, 1).build());
        assertEquals(3L * MEBIBYTE, mmio(ch).size());
    }

    /** B53/B54: before the first VmbChannelSetInterruptLatency the status reads 0, and that call returns 0. */
    @Test
    @Tag("inferred")
    void B53_interruptLatencyIsZeroUntilTheFirstSet(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.defaults());
        assertEquals(0, ch.status().interruptLatency());
        assertEquals(0, ch.setInterruptLatency(100));
        assertEquals(100, ch.status().interruptLatency());
    }

    /** B120 (as for the packet size): external data above the configured maximum fails the send, in both forms. */
    @Test
    @Tag("inferred")
    void B120_externalDataAboveConfiguredMaximumFailsTheSend(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.builder().maximumExternalData(4096, 4).build());
        Set<SendFlag> wait = Set.of(SendFlag.WAIT_FOR_COMPLETION);
        ByteBuffer payload = ByteBuffer.wrap(new byte[8]);
        expectStatus(NtStatus.INVALID_PARAMETER, KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_MDL,
                () -> ch.send(payload.duplicate(), wait, Optional.of(ExternalData.mdl(new byte[4097]))));
        expectStatus(NtStatus.INVALID_PARAMETER, KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_PFNS,
                () -> ch.send(payload.duplicate(), wait, Optional.of(ExternalData.pfns(new byte[4097]))));
        assertDoesNotThrow(() -> ch.send(payload.duplicate(), wait, Optional.of(ExternalData.pfns(new byte[4096]))));
        PeerPacket atLimit = t.peer().awaitReceived(ch.id(), TestChannels.TIMEOUT)
                .orElseThrow(() -> new AssertionError("the send at the limit did not reach the peer"));
        assertEquals(4096, atLimit.external().length);
        t.peer().complete(ch.id(), atLimit.txId(), new byte[0]);
    }

    /** B120: without VmbChannelInitSetMaximumExternalData the limit is 1 MiB of external data per packet. */
    @Test
    @Tag("inferred")
    void B120_defaultExternalDataLimitIsOneMebibyte(TestChannels t) {
        Channel ch = t.openClient(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER, KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_MDL,
                () -> ch.send(ByteBuffer.wrap(new byte[8]), Set.of(SendFlag.WAIT_FOR_COMPLETION),
                        Optional.of(ExternalData.mdl(new byte[MEBIBYTE + 1]))));
    }

    /** B120: a peer packet with more external data than our maximum is dropped by our reader, not delivered. */
    @Test
    @Tag("inferred")
    void B120_peerPacketWithExternalDataAboveOurMaximumIsNotDelivered(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.builder().maximumExternalData(4096, 4).build());
        peer.send(ch.id(), seq(1), false, Optional.of(new byte[4097]));
        assertNothingDelivered(ch, "external data above the maximum");
        peer.send(ch.id(), seq(2), false, Optional.of(new byte[4096]));
        assertEquals(2, seqOf(next(ch)), "a packet at the maximum is delivered");
    }

    /** B29: the client-only Init* setters on a server channel fail with STATUS_INVALID_DEVICE_REQUEST. */
    @Test
    @Tag("inferred")
    void B29_clientOnlySettersOnServerReturnInvalidDeviceRequest(TestChannels t) {
        ServerChannel ch = t.server(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT,
                () -> ch.configure(ChannelConfig.builder().ringBufferPages(4, 4).build()));
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP,
                () -> ch.configure(ChannelConfig.builder().targetPnp(UUID.randomUUID()).build()));
    }

    /** B26: the server-only Init* setters on a client channel fail with STATUS_INVALID_DEVICE_REQUEST. */
    @Test
    @Tag("inferred")
    void B26_serverOnlySettersOnClientReturnInvalidDeviceRequest(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_FLAGS,
                () -> ch.configure(ChannelConfig.builder().serverFlags(1).build()));
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES,
                () -> ch.configure(ChannelConfig.builder().mmioMegabytes(1, 0).build()));
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_INTERFACE_ID,
                () -> ch.configure(ChannelConfig.builder().targetInterface(UUID.randomUUID(), UUID.randomUUID()).build()));
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL,
                () -> ch.configure(ChannelConfig.builder().targetVtl(0).build()));
    }

    /** B29: more than 4096 pages (16 MiB) per ring fails with STATUS_INSUFFICIENT_RESOURCES; 4096 is accepted. */
    @Test
    @Tag("inferred")
    void B29_ringPageCountAboveMaximumReturnsInsufficientResources(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INSUFFICIENT_RESOURCES, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT,
                () -> ch.configure(ChannelConfig.builder().ringBufferPages(4097, 4).build()));
        expectStatus(NtStatus.INSUFFICIENT_RESOURCES, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT,
                () -> ch.configure(ChannelConfig.builder().ringBufferPages(4, 4097).build()));
        assertDoesNotThrow(() -> ch.configure(ChannelConfig.builder().ringBufferPages(4096, 4).build()));
    }

    /** B135: a GPADL needs the peer to acknowledge it; before the channel is open it fails with INVALID_DEVICE_STATE. */
    @Test
    @Tag("inferred")
    void B135_createGpadlBeforeOpenReturnsInvalidDeviceState(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_DEVICE_STATE, KmclFunction.VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER,
                () -> ch.createGpadl(4096, false));
    }

    /** B135: the guest (client side) creates GPADLs; on a server channel the call fails with INVALID_DEVICE_REQUEST. */
    @Test
    @Tag("inferred")
    void B135_createGpadlOnServerReturnsInvalidDeviceRequest(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_DEVICE_REQUEST, KmclFunction.VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER,
                () -> ch.createGpadl(4096, false));
    }

    /** B144: mapping a handle the peer never created on this channel fails with STATUS_INVALID_PARAMETER. */
    @Test
    @Tag("inferred")
    void B144_mapGpadlOfUnknownHandleReturnsInvalidParameter(TestChannels t) {
        ServerChannel ch = t.openServer(ChannelConfig.defaults());
        expectStatus(NtStatus.INVALID_PARAMETER, KmclFunction.VMB_CHANNEL_MAP_GPADL, () -> ch.mapGpadl(0x7777, false));
    }
}
