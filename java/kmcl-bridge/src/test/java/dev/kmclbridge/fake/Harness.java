package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test scaffolding over the SPI: open channels, drain events, read counters. */
final class Harness implements AutoCloseable {
    /** One decoded event record. */
    record Ev(int kind, int flags, long id, int status, int aux, byte[] payload, byte[] external) {
        boolean isState(int code) {
            return kind == WireFormat.Event.KIND_STATE && flags == code;
        }

        @Override
        public String toString() {
            return "Ev[kind=" + kind + " flags=0x" + Integer.toHexString(flags) + " id=" + id + " status=" + status
                    + " aux=" + aux + " len=" + payload.length + "]";
        }
    }

    static final UUID TEST_TYPE = UUID.fromString("11111111-2222-3333-4444-555555555555");

    final FakeBackend backend;
    final FakePeer peer;
    final EventBatch batch = new EventBatch(64 * 1024);

    Harness(long seed) {
        backend = new FakeBackend(seed);
        peer = backend.fakePeer();
    }

    Harness() {
        this(1);
    }

    static void ok(int status) {
        assertEquals(NtStatus.describe(0), NtStatus.describe(status));
    }

    static void is(NtStatus expected, int status) {
        assertEquals(NtStatus.describe(expected.value()), NtStatus.describe(status));
    }

    long endpoint(UUID type) {
        return backend.endpoints().stream().filter(e -> e.interfaceType().equals(type)).findFirst().orElseThrow().id();
    }

    long allocate(long endpoint, boolean server, ChannelConfig config) {
        long[] out = new long[1];
        ok(backend.allocateChannel(endpoint, server, out));
        int[] failed = new int[1];
        ok(backend.configure(out[0], config, failed));
        return out[0];
    }

    /** A client channel on a fresh test offer, enabled (so open and running). */
    long openClient(ChannelConfig config) {
        long ep = peer.offer(TEST_TYPE, UUID.randomUUID(), dev.kmclbridge.peer.OfferOptions.defaults()).endpointId();
        long ch = allocate(ep, false, config);
        ok(backend.enable(ch));
        return ch;
    }

    /** {@link #openClient} with the defaults, its bring-up events (Opened, Started, PostStarted) already drained. */
    long runningClient() {
        long ch = openClient(ChannelConfig.defaults());
        drain(ch, 1000);
        return ch;
    }

    /** All events available within {@code millis} for the first call, then whatever is immediately there. */
    List<Ev> drain(long ch, long millis) {
        List<Ev> out = new ArrayList<>();
        long wait = millis;
        while (true) {
            List<Ev> got = receive(ch, wait);
            if (got.isEmpty()) {
                return out;
            }
            out.addAll(got);
            wait = 0;
        }
    }

    /** One receive call (empty list on timeout). */
    List<Ev> receive(long ch, long millis) {
        batch.clear();
        int[] needed = new int[1];
        int st = backend.receive(ch, batch, millis, needed);
        List<Ev> out = new ArrayList<>();
        if (st == NtStatus.TIMEOUT.value()) {
            return out;
        }
        ok(st);
        EventBatch.Reader r = batch.reader();
        while (r.next()) {
            out.add(new Ev(r.kind(), r.flags(), r.id(), r.status(), r.aux(), r.payload(), r.external()));
        }
        return out;
    }

    static List<Ev> packets(List<Ev> evs) {
        return evs.stream().filter(e -> e.kind() == WireFormat.Event.KIND_PACKET).toList();
    }

    static List<Ev> ofKind(List<Ev> evs, int kind) {
        return evs.stream().filter(e -> e.kind() == kind).toList();
    }

    long[] query(long ch) {
        long[] q = new long[WireFormat.Query.SLOTS];
        ok(backend.queryChannel(ch, q));
        return q;
    }

    long q(long ch, int slot) {
        return query(ch)[slot];
    }

    @Override
    public void close() {
        backend.close();
    }
}
