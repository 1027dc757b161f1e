package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.ChannelStatus;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.WireFormat.Event;
import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.2: allocation (B10-B12), cleanup (B34, B35), the channel context pointer (B36) and the
 * interface instance (B37).
 */
@KmclTest
public class ChannelCleanupContract {

    /** B10: allocating a client or server channel succeeds and yields a usable (queryable) channel id. */
    @Test
    void B10_allocateReturnsUsableChannel(TestChannels t) {
        ClientChannel client = t.client(ChannelConfig.defaults());
        ServerChannel server = t.server(ChannelConfig.defaults());
        assertNotEquals(0L, client.id());
        assertNotEquals(0L, server.id());
        assertNotEquals(client.id(), server.id());
        for (long id : new long[] {client.id(), server.id()}) {
            long[] q = new long[Query.SLOTS];
            assertEquals(NtStatus.SUCCESS, NtStatus.of(t.kmcl().backend().queryChannel(id, q)));
        }
        assertTrue(t.kmcl().channels().containsAll(List.of(client, server)));
    }

    /** B10: a server channel is allocated without naming an endpoint: it offers what its config names. */
    @Test
    void B10_serverChannelIsAllocatedWithoutAnEndpoint(TestChannels t) {
        UUID instance = UUID.randomUUID();
        ServerChannel server = t.kmcl().createServerChannel(
                ChannelConfig.builder().targetInterface(TestChannels.TEST_TYPE, instance).build());
        assertTrue(server.isServer());
        server.enable();
        server.start();
        t.peer().open(server.id());
        awaitEvent(server, StateEvent.POST_STARTED, 1);
        assertTrue(t.peer().isOpen(server.id()), "the guest opened the offer the config named");
    }

    /** B11: a new channel is Disabled, not open, never enabled, and has delivered no callbacks. */
    @Test
    void B11_newChannelIsDisabledWithDefaults(TestChannels t) throws InterruptedException {
        ClientChannel client = t.client(ChannelConfig.defaults());
        ServerChannel server = t.server(ChannelConfig.defaults());
        Thread.sleep(TestChannels.QUIET.toMillis());
        for (var ch : List.of(client, server)) {
            ChannelStatus s = ch.status();
            assertEquals(ChannelState.DISABLED, s.state(), ch.toString());
            assertFalse(s.open(), ch.toString());
            assertFalse(s.everEnabled(), ch.toString());
            assertFalse(s.queueStopped(), ch.toString());
            assertEquals(Optional.empty(), s.mmio(), ch.toString());
            assertEquals(List.of(), ch.stateHistory(), ch.toString());
            assertEquals(0L, ch.statistics().packetsIn(), ch.toString());
        }
    }

    /** B12: IsServer decides the endpoint type, and the type does not change across enable/open/disable. */
    @Test
    void B12_endpointTypeFixedAtAllocation(TestChannels t) {
        ClientChannel client = t.client(ChannelConfig.defaults());
        ServerChannel server = t.server(ChannelConfig.defaults());
        assertFalse(client.isServer());
        assertFalse(client.status().server());
        assertTrue(server.isServer());
        assertTrue(server.status().server());
        client.enable();
        server.enable();
        server.start();
        t.peer().open(server.id());
        awaitEvent(client, StateEvent.POST_STARTED, 1);
        awaitEvent(server, StateEvent.POST_STARTED, 1);
        assertFalse(client.status().server());
        assertTrue(server.status().server());
        client.disable();
        server.disable();
        assertFalse(client.status().server());
        assertTrue(server.status().server());
    }

    /** B34: cleanup of a disabled channel releases it; its id is invalid afterwards (stale) and not reused. */
    @Test
    void B34_cleanupReleasesDisabledChannel(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        long id = ch.id();
        ch.close();
        assertTrue(ch.isClosed());
        assertFalse(t.kmcl().channels().contains(ch));
        assertThrows(IllegalStateException.class, ch::status);
        long[] q = new long[Query.SLOTS];
        assertEquals(NtStatus.BRIDGE_STALE_ID, NtStatus.of(t.kmcl().backend().queryChannel(id, q)));
        assertFalse(NtStatus.isSuccess(t.kmcl().backend().enable(id)), "enable on a cleaned-up id succeeded");
        ClientChannel next = t.client(ChannelConfig.defaults());
        assertNotEquals(id, next.id(), "a cleaned-up id was handed out again");
    }

    /** B34/B101: closing an open channel disables it (Suspend, Closed) before cleanup; the id is then stale. */
    @Test
    void B34_closeOfOpenChannelDisablesThenCleansUp(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        long id = ch.id();
        assertTrue(t.peer().isOpen(id));
        ch.close();
        List<StateEvent> h = LifecycleRecorder.events(ch);
        assertEquals(List.of(StateEvent.SUSPEND, StateEvent.CLOSED), h.subList(h.size() - 2, h.size()), h.toString());
        long[] q = new long[Query.SLOTS];
        assertEquals(NtStatus.BRIDGE_STALE_ID, NtStatus.of(t.kmcl().backend().queryChannel(id, q)));
    }

    /**
     * B53/B34: once the channel was cleaned up, SetInterruptLatency on its id is a stale id from every thread, even
     * when nobody asked for more records after its Closed record (the Closed handler window).
     */
    @Test
    void B53_interruptLatencyOnACleanedUpChannelIsAStaleId(TestChannels t) throws Exception {
        Backend b = t.kmcl().backend();
        long id = SpiChannel.openClient(t);
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.disable(id)));
        // this thread's Closed handler window opens, never closes
        SpiChannel.receiveUntil(b, id, Event.KIND_STATE, Event.STATE_CLOSED);
        assertEquals(NtStatus.SUCCESS, NtStatus.of(b.cleanup(id)));
        int[] original = new int[1];
        int other = CompletableFuture.supplyAsync(() -> b.setInterruptLatency(id, 10, original))
                .get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(NtStatus.BRIDGE_STALE_ID, NtStatus.of(other), "from another thread: " + NtStatus.describe(other));
        int same = b.setInterruptLatency(id, 10, original);
        assertEquals(NtStatus.BRIDGE_STALE_ID, NtStatus.of(same), "from the receiving thread: " + NtStatus.describe(same));
    }

    /** B35: cleanup of a channel that is not disabled is refused loudly and leaves the channel working. */
    @Test
    @Tag("inferred")
    void B35_cleanupOfEnabledChannelIsContractViolation(TestChannels t) {
        ClientChannel client = t.openClient(ChannelConfig.defaults());
        assertEquals(NtStatus.BRIDGE_CONTRACT_VIOLATION, NtStatus.of(t.kmcl().backend().cleanup(client.id())));
        assertEquals(ChannelState.ACTIVE, client.state());
        assertTrue(t.peer().isOpen(client.id()));

        ServerChannel server = t.server(ChannelConfig.defaults());
        server.enable();
        assertEquals(NtStatus.BRIDGE_CONTRACT_VIOLATION, NtStatus.of(t.kmcl().backend().cleanup(server.id())));
        assertEquals(ChannelState.ENABLED, server.state());
    }

    /** B36: the channel context reads 0 before any set and returns exactly the value last set. */
    @Test
    @Tag("inferred")
    void B36_contextPointerRoundTrips(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.defaults());
        assertEquals(0L, ch.context());
        ch.setContext(0x1234_5678_9ABC_DEF0L);
        assertEquals(0x1234_5678_9ABC_DEF0L, ch.context());
        ch.setContext(-2L);
        assertEquals(-2L, ch.context());
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        assertEquals(-2L, ch.context(), "the context changed across enable/open");
        ServerChannel server = t.server(ChannelConfig.defaults());
        assertEquals(0L, server.context(), "a new channel inherited another channel's context");
    }

    /** B37: open channels have distinct interface instances that stay the same while the channel exists. */
    @Test
    @Tag("inferred")
    void B37_interfaceInstanceUniqueAndStable(TestChannels t) {
        ClientChannel a = t.openClient(ChannelConfig.defaults());
        ClientChannel b = t.openClient(ChannelConfig.defaults());
        ServerChannel s = t.openServer(ChannelConfig.defaults());
        UUID ia = a.interfaceInstance().orElseThrow(() -> new AssertionError("no instance on an open client"));
        UUID ib = b.interfaceInstance().orElseThrow(() -> new AssertionError("no instance on an open client"));
        UUID is = s.interfaceInstance().orElseThrow(() -> new AssertionError("no instance on an open server"));
        assertNotEquals(ia, ib);
        assertNotEquals(ia, is);
        assertNotEquals(ib, is);
        a.pause();
        a.start();
        awaitEvent(a, StateEvent.POST_STARTED, 2);
        assertEquals(Optional.of(ia), a.interfaceInstance());
        assertEquals(Optional.of(ia), a.interfaceInstance());
        assertEquals(Optional.of(is), s.interfaceInstance());
    }
}
