package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.PeerMapping;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendProvider;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;
import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.kmclbridge.fake.Harness.is;
import static dev.kmclbridge.fake.Harness.ok;
import static dev.kmclbridge.fake.Harness.packets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channel lifecycle, configuration statuses, binding, GPADLs, determinism, provider. */
class FakeLifecycleTest {
    @Test
    void standingOffersAreTheFourIntegrationServicesWithSeededInstances() {
        try (Harness a = new Harness(5); Harness b = new Harness(5); Harness c = new Harness(6)) {
            List<UUID> types = a.backend.endpoints().stream().map(e -> e.interfaceType()).toList();
            assertEquals(List.of(FakeDefaults.HEARTBEAT, FakeDefaults.KEY_VALUE_EXCHANGE, FakeDefaults.SHUTDOWN,
                    FakeDefaults.TIME_SYNC), types);
            assertEquals(a.backend.endpoints(), b.backend.endpoints());
            assertNotEquals(a.backend.endpoints(), c.backend.endpoints());
        }
    }

    @Test
    void cleanupEndsAParkedReceiveAndLeavesAStaleId() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            AtomicInteger st = new AtomicInteger(-1);
            Thread t = new Thread(() -> st.set(h.backend.receive(ch, new EventBatch(4096), 30_000, new int[1])));
            t.start();
            t.join(200);
            assertTrue(t.isAlive());
            is(NtStatus.BRIDGE_CONTRACT_VIOLATION, h.backend.cleanup(ch)); // B35: not disabled
            assertTrue(t.isAlive());
            ok(h.backend.disable(ch)); // wakes the receive with Suspend/Closed
            t.join(2000);
            ok(st.get());
            Thread t2 = new Thread(() -> st.set(h.backend.receive(ch, new EventBatch(4096), 30_000, new int[1])));
            t2.start();
            t2.join(200);
            assertTrue(t2.isAlive());
            ok(h.backend.cleanup(ch));
            t2.join(2000);
            is(NtStatus.CANCELLED, st.get());
            is(NtStatus.BRIDGE_STALE_ID, h.backend.enable(ch));
            is(NtStatus.BRIDGE_STALE_ID, h.backend.receive(ch, new EventBatch(64), 0, new int[1]));
            int[] failed = new int[1];
            is(NtStatus.INVALID_PARAMETER_1, h.backend.configure(ch, ChannelConfig.builder().maximumPacketSize(8).build(), failed));
            assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE.code(), failed[0]);
            is(NtStatus.INVALID_HANDLE, h.backend.enable(FakeBackend.CHANNEL_ID_BASE + 999_999));
        }
    }

    @Test
    void configureReportsTheFirstFailingKmclCall() {
        try (Harness h = new Harness()) {
            long ep = h.endpoint(FakeDefaults.HEARTBEAT);
            long[] out = new long[1];
            ok(h.backend.allocateChannel(ep, false, out));
            long client = out[0];
            int[] f = new int[1];
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(client, ChannelConfig.builder().maximumExternalData(0, 0).build(), f));
            assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA.code(), f[0]);
            is(NtStatus.INVALID_PARAMETER_3, h.backend.configure(client, ChannelConfig.builder().maximumExternalData(1, 0).build(), f));
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(client, ChannelConfig.builder().channelFlags(2).build(), f));
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(client, ChannelConfig.builder().stateCallbacksHeader(1, 40).build(), f));
            assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS.code(), f[0]);
            is(NtStatus.INVALID_PARAMETER_3, h.backend.configure(client, ChannelConfig.builder().ringBufferPages(1, 0).build(), f));
            is(NtStatus.INVALID_DEVICE_REQUEST, h.backend.configure(client, ChannelConfig.builder().targetVtl(0).build(), f));
            assertEquals(KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL.code(), f[0]);
            // slot order: MaximumPacketSize (14) fails before server-only TargetVtl
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(client,
                    ChannelConfig.builder().targetVtl(0).maximumPacketSize(0).build(), f));
            assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE.code(), f[0]);
            ok(h.backend.allocateChannel(ep, true, out));
            long server = out[0];
            is(NtStatus.INVALID_DEVICE_REQUEST, h.backend.configure(server, ChannelConfig.builder().ringBufferPages(4, 4).build(), f));
            is(NtStatus.INVALID_PARAMETER, h.backend.configure(server, ChannelConfig.builder().mmioMegabytes(0, 0).build(), f));
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(server, ChannelConfig.builder().targetVtl(3).build(), f));
            is(NtStatus.INVALID_PARAMETER_2, h.backend.configure(server, ChannelConfig.builder().serverFlags(0x20).build(), f));
            ok(h.backend.configure(server, ChannelConfig.builder().serverFlags(0x1F).targetVtl(2).build(), f));
            ok(h.backend.enable(client));
            is(NtStatus.INVALID_PARAMETER_1, h.backend.configure(client, ChannelConfig.builder().maximumPacketSize(8).build(), f)); // B15
            ok(h.backend.configure(client, ChannelConfig.builder().transactionQuota(3).build(), f)); // not Init*
            ok(h.backend.disable(client));
            is(NtStatus.INVALID_PARAMETER_1, h.backend.configure(client, ChannelConfig.builder().friendlyName("x").build(), f));
        }
    }

    @Test
    void onlyOneClientBindsAnOfferAndTheNextBindsWhenItFrees() {
        try (Harness h = new Harness()) {
            long ep = h.endpoint(FakeDefaults.SHUTDOWN);
            long a = h.allocate(ep, false, ChannelConfig.defaults());
            long b = h.allocate(ep, false, ChannelConfig.defaults());
            ok(h.backend.enable(a));
            ok(h.backend.enable(b));
            assertEquals(ChannelState.ACTIVE.code(), h.q(a, Query.STATE));
            assertEquals(ChannelState.ENABLED.code(), h.q(b, Query.STATE));
            ok(h.backend.disable(a));
            assertEquals(ChannelState.ACTIVE.code(), h.q(b, Query.STATE));
            assertNotEquals(h.q(a, Query.INSTANCE_LSB), h.q(b, Query.INSTANCE_LSB)); // B37
        }
    }

    @Test
    void rescindSuspendsAndClosesAfterPendingReachesZeroThenClientIsDisabled() {
        try (Harness h = new Harness()) {
            long ch = h.runningClient();
            h.peer.send(ch, new byte[1], false, Optional.empty());
            long id = packets(h.drain(ch, 1000)).get(0).id();
            h.peer.close(ch);
            List<Harness.Ev> evs = h.drain(ch, 100);
            assertTrue(evs.get(evs.size() - 1).isState(Event.STATE_SUSPEND), evs.toString());
            assertTrue((h.q(ch, Query.FLAGS) & Query.FLAG_OPEN) != 0, "Closed waits for the pending packet");
            ok(h.backend.complete(id, null));
            evs = h.drain(ch, 1000);
            assertTrue(evs.get(0).isState(Event.STATE_CLOSED));
            assertEquals(ChannelState.DISABLED.code(), h.q(ch, Query.STATE)); // B95
            assertTrue(h.peer.offers().stream().noneMatch(o -> o.endpointId() == 0));
        }
    }

    @Test
    void serverComesUpOnlyAfterStartAndCanBeReopenedAfterGuestClose() {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), true, ChannelConfig.builder().mmioMegabytes(2, 1).build());
            assertThrows(IllegalStateException.class, () -> h.peer.open(ch), "no offer before Enable");
            ok(h.backend.enable(ch));
            h.peer.open(ch);
            List<Harness.Ev> evs = h.drain(ch, 200);
            assertEquals(1, evs.size(), "B44: Opened only, no Started without VmbChannelStart");
            assertEquals(3L * 1024 * 1024, h.q(ch, Query.MMIO_SIZE));
            ok(h.backend.start(ch));
            evs = h.drain(ch, 1000);
            assertTrue(evs.get(0).isState(Event.STATE_STARTED) && evs.get(1).isState(Event.STATE_POST_STARTED));
            h.peer.close(ch);
            evs = h.drain(ch, 1000);
            assertTrue(evs.get(0).isState(Event.STATE_SUSPEND) && evs.get(1).isState(Event.STATE_CLOSED));
            assertEquals(ChannelState.CLOSED.code(), h.q(ch, Query.STATE));
            is(NtStatus.INVALID_DEVICE_STATE, h.backend.setInterruptLatency(ch, 5, new int[1]));
            h.peer.open(ch); // B96, B51
            evs = h.drain(ch, 1000);
            assertEquals(3, evs.size());
            assertTrue(evs.get(0).isState(Event.STATE_OPENED) && evs.get(2).isState(Event.STATE_POST_STARTED));
            int[] orig = new int[1];
            ok(h.backend.setInterruptLatency(ch, 5, orig));
            assertEquals(FakeDefaults.INTERRUPT_LATENCY_100NS, orig[0]);
            ok(h.backend.setInterruptLatency(ch, 9, orig));
            assertEquals(5, orig[0]); // B54
        }
    }

    @Test
    void serverOfferedToAnotherVtlIsInvisibleToTheGuestPeer() {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), true, ChannelConfig.builder().targetVtl(1).build());
            ok(h.backend.enable(ch));
            assertThrows(IllegalStateException.class, () -> h.peer.open(ch));
        }
    }

    @Test
    void clientThatComesUpPausedGetsOnlyOpenedUntilStart() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.TIME_SYNC), false, ChannelConfig.defaults());
            ok(h.backend.pause(ch)); // B88: returns at once
            is(NtStatus.BRIDGE_CONTRACT_VIOLATION, h.backend.start(ch)); // B92: before Enable
            ok(h.backend.enable(ch));
            List<Harness.Ev> evs = h.drain(ch, 200);
            assertEquals(1, evs.size());
            assertTrue(evs.get(0).isState(Event.STATE_OPENED));
            ok(h.backend.start(ch));
            assertEquals(2, h.drain(ch, 1000).size());
        }
    }

    @Test
    void pnpFailureFaultStopsTheNextClientFromOpening() {
        try (Harness h = new Harness()) {
            h.peer.inject(0, new Fault.PnpFailure(NtStatus.DEVICE_NOT_CONNECTED.value()));
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), false, ChannelConfig.defaults());
            ok(h.backend.enable(ch));
            List<Harness.Ev> evs = h.drain(ch, 200);
            assertEquals(1, evs.size());
            assertTrue(evs.get(0).isState(Event.STATE_PNP_FAILURE));
            assertEquals(NtStatus.DEVICE_NOT_CONNECTED.value(), evs.get(0).status());
            assertEquals(ChannelState.ENABLED.code(), h.q(ch, Query.STATE));
        }
    }

    @Test
    void offerBurstAddsEndpointsThatWaitingClientsBindTo() {
        try (Harness h = new Harness()) {
            UUID type = UUID.randomUUID();
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), false, ChannelConfig.builder().targetPnp(type).build());
            ok(h.backend.enable(ch));
            assertEquals(ChannelState.ENABLED.code(), h.q(ch, Query.STATE));
            h.peer.inject(ch, new Fault.OfferBurst(3));
            assertEquals(7, h.backend.endpoints().size());
            assertEquals(ChannelState.ACTIVE.code(), h.q(ch, Query.STATE)); // B30: any instance
        }
    }

    @Test
    void gpadlDeleteBlocksWhileTheHostHasItMapped() throws Exception {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.KEY_VALUE_EXCHANGE), false, ChannelConfig.defaults());
            int[] handle = new int[1];
            is(NtStatus.INVALID_DEVICE_STATE, h.backend.createGpadl(ch, 8192, 0, handle));
            ok(h.backend.enable(ch));
            ok(h.backend.createGpadl(ch, 8192, 0, handle));
            PeerMapping m = h.peer.mapGpadl(ch, handle[0], false); // B135: right away
            assertThrows(IllegalStateException.class, () -> h.peer.mapGpadl(ch, handle[0], true)); // B140
            m.write(100, new byte[] {1, 2, 3});
            ByteBuffer view = ByteBuffer.allocate(3);
            ok(h.backend.gpadlAccess(ch, handle[0], false, 100, view, false));
            assertArrayEquals(new byte[] {1, 2, 3}, view.array()); // B143
            ok(h.backend.gpadlAccess(ch, handle[0], false, 0, ByteBuffer.wrap(new byte[] {7}), true));
            assertEquals(7, m.read(0, 1)[0]);
            AtomicInteger st = new AtomicInteger(-1);
            Thread t = new Thread(() -> st.set(h.backend.deleteGpadl(ch, handle[0])));
            t.start();
            t.join(300);
            assertTrue(t.isAlive(), "B142: delete waits for the unmap");
            m.close();
            t.join(2000);
            ok(st.get());
            is(NtStatus.INVALID_PARAMETER, h.backend.deleteGpadl(ch, handle[0]));
            ok(h.backend.createGpadl(ch, 4096, 1, handle));
            assertThrows(IllegalStateException.class, () -> h.peer.mapGpadl(ch, handle[0], false)); // B138
            h.peer.mapGpadl(ch, handle[0], true).close();
            h.peer.mapGpadl(ch, handle[0], true).close(); // B141
        }
    }

    @Test
    void serverMapsGuestGpadlsAndSharesTheirMemory() {
        try (Harness h = new Harness()) {
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), true, ChannelConfig.defaults());
            ok(h.backend.enable(ch));
            h.peer.open(ch);
            int g = h.peer.createGpadl(ch, 4096, true);
            is(NtStatus.ACCESS_DENIED, h.backend.mapGpadl(ch, g, 0));
            ok(h.backend.mapGpadl(ch, g, 1));
            is(NtStatus.INVALID_DEVICE_STATE, h.backend.mapGpadl(ch, g, 1));
            ok(h.backend.gpadlAccess(ch, g, true, 10, ByteBuffer.wrap(new byte[] {4, 5}), true)); // B139: writes allowed
            assertArrayEquals(new byte[] {4, 5}, h.peer.readGpadl(ch, g, 10, 2));
            ok(h.backend.unmapGpadl(ch, g));
            is(NtStatus.INVALID_DEVICE_STATE, h.backend.gpadlAccess(ch, g, true, 0, ByteBuffer.allocate(1), false));
            is(NtStatus.INVALID_DEVICE_REQUEST, h.backend.createGpadl(ch, 4096, 0, new int[1]));
        }
    }

    /** The same seed and the same script give byte-identical event streams (ids, IRQLs, order). */
    @Test
    void sameSeedAndScriptReplayTheSameEvents() {
        List<String> a = script(42);
        List<String> b = script(42);
        List<String> c = script(43);
        assertEquals(a, b);
        assertNotEquals(a, c, "another seed draws other IRQLs and GUIDs");
    }

    private static List<String> script(long seed) {
        List<String> out = new ArrayList<>();
        try (Harness h = new Harness(seed)) {
            long ch = h.allocate(h.endpoint(FakeDefaults.HEARTBEAT), false, ChannelConfig.builder().transactionQuota(7).build());
            ok(h.backend.enable(ch));
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 10; i++) {
                    h.peer.send(ch, new byte[] {(byte) round, (byte) i}, i % 2 == 0, Optional.empty());
                }
                for (Harness.Ev e : h.drain(ch, 100)) {
                    out.add(e.kind() + ":" + e.flags() + ":" + e.id() + ":" + e.status() + ":" + e.aux());
                    if (e.kind() == Event.KIND_PACKET) {
                        ok(h.backend.complete(e.id(), null));
                    }
                }
            }
            long[] q = h.query(ch);
            out.add(q[Query.INSTANCE_MSB] + "/" + q[Query.INSTANCE_LSB] + "/" + q[Query.BATCHES]);
        }
        return out;
    }

    @Test
    void providerIsFoundByNameAndRejectsUnknownOptions() {
        BackendProvider p = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("fake")).findFirst().orElseThrow();
        assertTrue(p.unavailableReason().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> p.open(Map.of("colour", "blue")));
        assertThrows(IllegalArgumentException.class, () -> p.open(Map.of("seed", "x")));
        try (Backend b = p.open(Map.of("seed", "99"))) {
            assertEquals(99, b.peer().orElseThrow().seed());
            assertEquals("fake", b.info().name());
        }
        try (Backend b = p.open(Map.of())) {
            assertEquals(FakeDefaults.SEED, b.peer().orElseThrow().seed());
        }
        assertFalse(p.open(Map.of("delivery", "serial")).endpoints().isEmpty());
    }
}
