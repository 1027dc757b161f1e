package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Gpadl;
import dev.kmclbridge.GpadlMapping;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.ServerChannel;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerMapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.kmclbridge.conformance.PacketFlow.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Catalog 5.8: GPADLs, created by the client, mapped by the server (B135-B144). */
@KmclTest
@Timeout(60)
public class GpadlContract extends EndsLeftoverPackets {
    /** A client GPADL is usable as soon as create returns: the host peer can map it at once and sees its bytes. */
    @Test
    void B135_clientGpadlMappableByHostRightAfterCreate(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        try (Gpadl g = ch.createGpadl(3 * 4096, false)) {
            g.write(4000, pattern(200, 1));
            try (PeerMapping m = peer.mapGpadl(ch.id(), g.handle(), false)) {
                assertArrayEquals(pattern(200, 1), m.read(4000, 200));
            }
        }
    }

    /** A GPADL the guest peer created can be mapped by our server channel right away. */
    @Test
    void B135_guestGpadlMappableByServer(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(srv.id(), 8192, false);
        peer.writeGpadl(srv.id(), h, 100, pattern(50, 2));
        try (GpadlMapping m = srv.mapGpadl(h, false)) {
            assertArrayEquals(pattern(50, 2), m.read(100, 50));
        }
    }

    /** A writable mapping of a GPADL created read-only fails; a read-only mapping of it works. */
    @Test
    void B138_writableMapOfReadOnlyGpadlFails(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(srv.id(), 4096, true);
        assertThrows(KmclException.class, () -> srv.mapGpadl(h, false));
        GpadlMapping m = assertDoesNotThrow(() -> srv.mapGpadl(h, true));
        m.close();
    }

    /** The host peer cannot map our read-only GPADL writable either, but can map it read-only. */
    @Test
    void B138_hostWritableMapOfReadOnlyClientGpadlFails(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        try (Gpadl g = ch.createGpadl(4096, true)) {
            assertThrows(RuntimeException.class, () -> peer.mapGpadl(ch.id(), g.handle(), false));
            PeerMapping m = assertDoesNotThrow(() -> peer.mapGpadl(ch.id(), g.handle(), true));
            m.close();
        }
    }

    /** READ_ONLY mapping works for writable and read-only GPADLs and does not prevent writes through it. */
    @Test
    void B139_readOnlyMapWorksAndDoesNotPreventWrites(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        for (boolean createdReadOnly : new boolean[]{false, true}) {
            int h = peer.createGpadl(srv.id(), 4096, createdReadOnly);
            try (GpadlMapping m = srv.mapGpadl(h, true)) {
                m.write(8, pattern(16, 3));
                assertArrayEquals(pattern(16, 3), peer.readGpadl(srv.id(), h, 8, 16),
                        "write through a read-only mapping of a " + (createdReadOnly ? "read-only" : "writable") + " GPADL");
            }
        }
    }

    /** A GPADL has one mapping at a time: a second map of a mapped GPADL fails. */
    @Test
    void B140_secondMapFails(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(srv.id(), 4096, false);
        try (GpadlMapping m = srv.mapGpadl(h, false)) {
            assertThrows(KmclException.class, () -> srv.mapGpadl(h, false));
            assertThrows(KmclException.class, () -> srv.mapGpadl(h, true));
            m.write(0, new byte[]{1});
        }
    }

    /** The host peer likewise cannot map our GPADL twice at once. */
    @Test
    void B140_hostSecondMapFails(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        Gpadl g = ch.createGpadl(4096, false);
        try (PeerMapping m = peer.mapGpadl(ch.id(), g.handle(), false)) {
            assertThrows(RuntimeException.class, () -> peer.mapGpadl(ch.id(), g.handle(), false));
        }
        g.close();
    }

    /** After unmapping, the GPADL can be mapped again and still holds its contents. */
    @Tag("inferred")
    @Test
    void B141_remapAfterUnmap(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(srv.id(), 4096, false);
        try (GpadlMapping m = srv.mapGpadl(h, false)) {
            m.write(0, pattern(32, 4));
        }
        try (GpadlMapping m2 = srv.mapGpadl(h, false)) {
            assertArrayEquals(pattern(32, 4), m2.read(0, 32));
        }
    }

    /** Deleting a GPADL the server still has mapped blocks until the server unmaps it. */
    @Test
    void B142_deleteBlocksUntilUnmapped(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        Gpadl g = ch.createGpadl(4096, false);
        PeerMapping m = peer.mapGpadl(ch.id(), g.handle(), false);
        CompletableFuture<Void> delete = CompletableFuture.runAsync(g::close);
        try {
            delete.get(TestChannels.QUIET.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("delete returned while the GPADL was mapped");
        } catch (TimeoutException expected) {
            // blocked
        }
        m.close();
        delete.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThrows(RuntimeException.class, () -> peer.mapGpadl(ch.id(), g.handle(), false), "deleted GPADL mapped");
    }

    /** Writes through the server's mapping show up in the creator's buffer, and the other way round. */
    @Tag("inferred")
    @Test
    void B143_serverMappingSharesMemoryWithGuestBuffer(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel srv = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(srv.id(), 2 * 4096, false);
        try (GpadlMapping m = srv.mapGpadl(h, false)) {
            m.write(4090, pattern(20, 5));
            assertArrayEquals(pattern(20, 5), peer.readGpadl(srv.id(), h, 4090, 20), "server write seen by guest");
            peer.writeGpadl(srv.id(), h, 10, pattern(30, 6));
            assertArrayEquals(pattern(30, 6), m.read(10, 30), "guest write seen by server");
        }
    }

    /** Writes through the host's mapping of our GPADL show up in our buffer, and the other way round. */
    @Tag("inferred")
    @Test
    void B143_hostMappingSharesMemoryWithClientBuffer(TestChannels t) {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        try (Gpadl g = ch.createGpadl(2 * 4096, false)) {
            try (PeerMapping m = peer.mapGpadl(ch.id(), g.handle(), false)) {
                m.write(5000, pattern(64, 7));
                assertArrayEquals(pattern(64, 7), g.read(5000, 64), "host write seen by client");
                g.write(0, pattern(16, 8));
                assertArrayEquals(pattern(16, 8), m.read(0, 16), "client write seen by host");
            }
        }
    }

    /** A GPADL handle means something only on the channel that created it. */
    @Tag("inferred")
    @Test
    void B144_handleIsMeaningfulOnlyOnItsChannel(TestChannels t) {
        Peer peer = t.peer();
        ServerChannel a = t.openServer(ChannelConfig.defaults());
        ServerChannel b = t.openServer(ChannelConfig.defaults());
        int h = peer.createGpadl(a.id(), 4096, false);
        assertThrows(KmclException.class, () -> b.mapGpadl(h, false), "GPADL of channel A mapped on channel B");
        assertDoesNotThrow(() -> a.mapGpadl(h, false)).close();
        Channel c1 = t.openClient(ChannelConfig.defaults());
        Channel c2 = t.openClient(ChannelConfig.defaults());
        try (Gpadl g = c1.createGpadl(4096, false)) {
            assertThrows(RuntimeException.class, () -> peer.mapGpadl(c2.id(), g.handle(), false),
                    "GPADL of client 1 mapped through client 2");
        }
    }
}
