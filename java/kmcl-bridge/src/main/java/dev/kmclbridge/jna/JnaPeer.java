package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerMapping;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.peer.RingStatus;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The C fake KMCL's peer, reached through the loopback shim; same contract as the Java fake's peer. */
final class JnaPeer implements Peer {
    private static final int RECEIVED_BUFFER = 8 * 1024 * 1024;
    private static final int OUTCOME_BUFFER = 1024 * 1024;

    private final long session;

    JnaPeer(long session) {
        this.session = session;
    }

    /**
     * The {@link Peer} failure rule: the fake KMCL answers an argument no state makes valid with an
     * INVALID_PARAMETER status (IllegalArgumentException); every other refusal names nothing live or a state that
     * forbids the action (IllegalStateException).
     */
    private static void check(String what, int st) {
        if (NtStatus.isSuccess(st)) {
            return;
        }
        String message = "peer " + what + " failed: " + NtStatus.describe(st);
        if (st == NtStatus.INVALID_PARAMETER.value() || st == NtStatus.INVALID_PARAMETER_1.value()
                || st == NtStatus.INVALID_PARAMETER_2.value() || st == NtStatus.INVALID_PARAMETER_3.value()) {
            throw new IllegalArgumentException(message);
        }
        throw new IllegalStateException(message);
    }

    @Override
    public PeerOffer offer(UUID interfaceType, UUID interfaceInstance, OfferOptions options) {
        long[] offer = new long[1];
        long[] endpoint = new long[1];
        OfferOptions o = options == null ? OfferOptions.defaults() : options;
        byte[] name = (o.interfaceName() + "\0").getBytes(StandardCharsets.UTF_8);
        check("offer", Shim.kmclshim_peer_offer(session, WindowsGuid.bytes(interfaceType),
                WindowsGuid.bytes(interfaceInstance), o.mmioMegabytes(), o.targetVtl(), name, offer, endpoint));
        return new PeerOffer(offer[0], endpoint[0], interfaceType, interfaceInstance);
    }

    @Override
    public void rescind(PeerOffer offer) {
        check("rescind", Shim.kmclshim_peer_rescind(session, offer.id()));
    }

    @Override
    public List<PeerOffer> offers() {
        int max = 256;
        long[] ids = new long[max];
        long[] endpoints = new long[max];
        byte[] guids = new byte[2 * WindowsGuid.BYTES * max];
        int[] count = new int[1];
        check("offers", Shim.kmclshim_peer_offers(session, ids, endpoints, guids, max, count));
        List<PeerOffer> out = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            int at = 2 * WindowsGuid.BYTES * i;
            out.add(new PeerOffer(ids[i], endpoints[i], WindowsGuid.read(guids, at), WindowsGuid.read(guids, at + WindowsGuid.BYTES)));
        }
        return out;
    }

    @Override
    public void open(long channel) {
        check("open", Shim.kmclshim_peer_open(session, channel));
    }

    @Override
    public void close(long channel) {
        check("close", Shim.kmclshim_peer_close(session, channel));
    }

    @Override
    public boolean isOpen(long channel) {
        int[] open = new int[1];
        check("isOpen", Shim.kmclshim_peer_is_open(session, channel, open));
        return open[0] != 0;
    }

    @Override
    public long send(long channel, byte[] payload, boolean completionRequested, Optional<byte[]> externalData) {
        long[] tx = new long[1];
        byte[] ext = externalData.orElse(new byte[0]);
        check("send", Shim.kmclshim_peer_send(session, channel, payload, payload.length, completionRequested ? 1 : 0,
                ext, ext.length, externalData.isPresent() ? 1 : 0, tx));
        return tx[0];
    }

    @Override
    public PeerOutcome awaitOutcome(long channel, long txId, Duration timeout) {
        int[] kind = new int[1];
        int[] len = new int[1];
        ByteBuffer buf = DirectScratch.ofSize(DirectScratch.OUTPUT, OUTCOME_BUFFER);
        check("awaitOutcome", Shim.kmclshim_peer_await_outcome(session, channel, txId, timeout.toMillis(), kind, buf,
                OUTCOME_BUFFER, len));
        byte[] payload = new byte[len[0]];
        buf.get(0, payload);
        PeerOutcome.Kind k = kind[0] == 0 ? PeerOutcome.Kind.COMPLETED
                : kind[0] == 1 ? PeerOutcome.Kind.FAILED : PeerOutcome.Kind.PENDING;
        return new PeerOutcome(txId, k, payload);
    }

    @Override
    public List<PeerPacket> received(long channel) {
        ByteBuffer buf = DirectScratch.ofSize(DirectScratch.OUTPUT, RECEIVED_BUFFER);
        int[] bytes = new int[1];
        int[] count = new int[1];
        check("received", Shim.kmclshim_peer_received(session, channel, buf, RECEIVED_BUFFER, bytes, count));
        return parsePackets(buf, bytes[0], count[0]);
    }

    @Override
    public Optional<PeerPacket> awaitReceived(long channel, Duration timeout) {
        ByteBuffer buf = DirectScratch.ofSize(DirectScratch.OUTPUT, RECEIVED_BUFFER);
        int[] bytes = new int[1];
        int st = Shim.kmclshim_peer_await_received(session, channel, timeout.toMillis(), buf, RECEIVED_BUFFER, bytes);
        if (st == NtStatus.TIMEOUT.value() || (NtStatus.isSuccess(st) && bytes[0] == 0)) {
            return Optional.empty();
        }
        check("awaitReceived", st);
        List<PeerPacket> p = parsePackets(buf, bytes[0], 1);
        return p.isEmpty() ? Optional.empty() : Optional.of(p.get(0));
    }

    /** PACKET records in kmclb_event layout: id = tx, status = ring type, aux = external bytes. */
    private static List<PeerPacket> parsePackets(ByteBuffer raw, int bytes, int count) {
        EventBatch.Reader r = EventBatch.readerOver(raw, bytes, count);
        List<PeerPacket> out = new ArrayList<>(count);
        while (r.next()) {
            boolean completionRequested = (r.flags() & WireFormat.Event.PACKET_FLAG_COMPLETION_REQUESTED) != 0;
            out.add(new PeerPacket(r.id(), r.payload(), completionRequested, r.external(), r.status()));
        }
        return out;
    }

    @Override
    public void complete(long channel, long txId, byte[] payload) {
        check("complete", Shim.kmclshim_peer_complete(session, channel, txId, payload, payload.length));
    }

    @Override
    public long[] sendBatch(long channel, List<byte[]> payloads, boolean completionRequested) {
        int count = payloads.size();
        int[] lengths = new int[count];
        int total = 0;
        for (int i = 0; i < count; i++) {
            lengths[i] = payloads.get(i).length;
            total = Math.addExact(total, lengths[i]);
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] payload : payloads) {
            System.arraycopy(payload, 0, all, at, payload.length);
            at += payload.length;
        }
        long[] txs = new long[count];
        int[] sent = new int[1];
        check("sendBatch", Shim.kmclshim_peer_send_batch(session, channel, all, lengths, count,
                completionRequested ? 1 : 0, txs, sent));
        return txs;
    }

    @Override
    public List<PeerPacket> takeReceived(long channel, int max, Duration timeout) {
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        ByteBuffer buf = DirectScratch.ofSize(DirectScratch.OUTPUT, RECEIVED_BUFFER);
        int[] bytes = new int[1];
        int[] count = new int[1];
        int st = Shim.kmclshim_peer_take_received(session, channel, max, timeout.toMillis(), buf, RECEIVED_BUFFER,
                bytes, count);
        if (st == NtStatus.TIMEOUT.value()) {
            return new ArrayList<>();
        }
        check("takeReceived", st);
        return parsePackets(buf, bytes[0], count[0]);
    }

    @Override
    public void completeBatch(long channel, long[] txIds, int count, byte[] payload) {
        if (count < 0 || count > txIds.length) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + txIds.length);
        }
        if (count == 0) {
            return;
        }
        int[] completed = new int[1];
        check("complete", Shim.kmclshim_peer_complete_batch(session, channel, txIds, count, payload, payload.length,
                completed));
    }

    @Override
    public void setReading(long channel, boolean reading) {
        check("setReading", Shim.kmclshim_peer_set_reading(session, channel, reading ? 1 : 0));
    }

    @Override
    public RingStatus ringStatus(long channel) {
        int[] o = new int[5];
        check("ringStatus", Shim.kmclshim_peer_ring_status(session, channel, o));
        return new RingStatus(o[0], o[1], o[2], o[3], o[4]);
    }

    @Override
    public boolean queueStopped(long channel) {
        int[] s = new int[1];
        check("queueStopped", Shim.kmclshim_peer_queue_stopped(session, channel, s));
        return s[0] != 0;
    }

    @Override
    public void inject(long channel, Fault fault) {
        int kind;
        long arg;
        if (fault instanceof Fault.Delay d) {
            kind = 1;
            arg = d.delay().toMillis();
        } else if (fault instanceof Fault.RingFull r) {
            kind = 2;
            arg = r.count();
        } else if (fault instanceof Fault.MalformedPacket) {
            kind = 3;
            arg = 0;
        } else if (fault instanceof Fault.OversizedPacket o) {
            kind = 4;
            arg = o.size();
        } else if (fault instanceof Fault.AllocationFailure a) {
            kind = 5;
            arg = a.count();
        } else if (fault instanceof Fault.PnpFailure p) {
            kind = 6;
            arg = Integer.toUnsignedLong(p.status());
        } else if (fault instanceof Fault.OfferBurst o) {
            kind = 7;
            arg = o.count();
        } else {
            throw new IllegalArgumentException("unknown fault " + fault);
        }
        check("inject " + fault, Shim.kmclshim_peer_inject(session, channel, kind, arg));
    }

    @Override
    public PeerMapping mapGpadl(long channel, int gpadlHandle, boolean readOnly) {
        long[] mapping = new long[1];
        check("mapGpadl", Shim.kmclshim_peer_map_gpadl(session, channel, gpadlHandle, readOnly ? 1 : 0, mapping));
        long id = mapping[0];
        return new PeerMapping() {
            private boolean closed;

            @Override
            public byte[] read(int offset, int length) {
                byte[] b = new byte[length];
                check("mapping read", Shim.kmclshim_peer_mapping_read(session, id, offset, b, length));
                return b;
            }

            @Override
            public void write(int offset, byte[] data) {
                check("mapping write", Shim.kmclshim_peer_mapping_write(session, id, offset, data, data.length));
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    check("unmap", Shim.kmclshim_peer_mapping_close(session, id));
                }
            }
        };
    }

    @Override
    public int createGpadl(long channel, int size, boolean readOnly) {
        int[] h = new int[1];
        check("createGpadl", Shim.kmclshim_peer_create_gpadl(session, channel, size, readOnly ? 1 : 0, h));
        return h[0];
    }

    @Override
    public byte[] readGpadl(long channel, int gpadlHandle, int offset, int length) {
        byte[] b = new byte[length];
        check("readGpadl", Shim.kmclshim_peer_read_gpadl(session, channel, gpadlHandle, offset, b, length));
        return b;
    }

    @Override
    public void writeGpadl(long channel, int gpadlHandle, int offset, byte[] data) {
        check("writeGpadl", Shim.kmclshim_peer_write_gpadl(session, channel, gpadlHandle, offset, data, data.length));
    }

    @Override
    public long seed() {
        long[] s = new long[1];
        check("seed", Shim.kmclshim_peer_seed(session, s));
        return s[0];
    }

    @Override
    public String toString() {
        return "JnaPeer[session " + session + "]";
    }
}
