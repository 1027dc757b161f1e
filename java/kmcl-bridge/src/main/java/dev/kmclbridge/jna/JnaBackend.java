package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;
import dev.kmclbridge.spi.ChannelSettings;
import dev.kmclbridge.spi.EndpointRecord;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SPI over the native shim (JNA direct mapping): {@code native} (win32 transport, DeviceIoControl to the
 * KMDF driver) and {@code loopback} (the same driver core in-process over the C fake of KMCL). One shim call
 * per SPI call; receive and completeBatch move whole batches through direct buffers.
 */
final class JnaBackend implements Backend {
    private final String name;
    private final long session;
    private final BackendDescription info;
    private final Optional<Peer> peer;
    private volatile boolean closed;

    JnaBackend(String name, long session) {
        this.name = name;
        this.session = session;
        int[] protocol = new int[1];
        int[] kmclVersion = new int[1];
        byte[] driver = new byte[WireFormat.TextFields.DRIVER_VERSION_BYTES];
        int st = Shim.kmclshim_query_version(session, protocol, kmclVersion, driver);
        if (!NtStatus.isSuccess(st)) {
            Shim.kmclshim_close(session);
            throw new IllegalStateException("the driver did not answer the version query: " + NtStatus.describe(st));
        }
        this.info = new BackendDescription(name, name.equals("loopback")
                ? "JNA + shim + driver core in-process over the C fake of KMCL"
                : "JNA + shim + DeviceIoControl to the kmclbridge KMDF driver",
                protocol[0], cString(driver), kmclVersion[0]);
        this.peer = name.equals("loopback") ? Optional.of(new JnaPeer(session)) : Optional.empty();
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public BackendDescription info() {
        return info;
    }

    @Override
    public Optional<String> serverChannelsUnavailable() {
        return NativeBackendProvider.serverChannelsUnavailable(name);
    }

    @Override
    public List<EndpointRecord> endpoints() {
        int nameSize = WireFormat.TextFields.ENDPOINT_NAME_BYTES;
        int max = 64;
        while (true) {
            long[] ids = new long[max];
            byte[] guids = new byte[2 * WindowsGuid.BYTES * max];
            byte[] names = new byte[nameSize * max];
            int[] count = new int[1];
            int[] total = new int[1];
            int st = Shim.kmclshim_list_endpoints(session, ids, guids, names, max, count, total);
            if (!NtStatus.isSuccess(st)) {
                throw new IllegalStateException("listing endpoints failed: " + NtStatus.describe(st));
            }
            if (total[0] > max) {
                max = total[0];
                continue;
            }
            List<EndpointRecord> out = new ArrayList<>(count[0]);
            for (int i = 0; i < count[0]; i++) {
                byte[] nameBytes = new byte[nameSize];
                System.arraycopy(names, nameSize * i, nameBytes, 0, nameSize);
                int at = 2 * WindowsGuid.BYTES * i;
                out.add(new EndpointRecord(ids[i], WindowsGuid.read(guids, at), WindowsGuid.read(guids, at + WindowsGuid.BYTES),
                        cString(nameBytes)));
            }
            return out;
        }
    }

    @Override
    public int allocateChannel(long endpointId, boolean server, long[] outChannel) {
        return Shim.kmclshim_allocate_channel(session, endpointId, server ? 1 : 0, outChannel);
    }

    @Override
    public int configure(long channel, ChannelSettings c, int[] outFailedFunction) {
        ConfigureArguments a = ConfigureArguments.of(c);
        return Shim.kmclshim_configure(session, channel, a.present, a.values, a.guids, a.friendlyName,
                a.friendlyName.length, outFailedFunction);
    }

    @Override
    public int enable(long channel) {
        return Shim.kmclshim_enable(session, channel);
    }

    @Override
    public int disable(long channel) {
        return Shim.kmclshim_disable(session, channel);
    }

    @Override
    public int pause(long channel) {
        return Shim.kmclshim_pause(session, channel);
    }

    @Override
    public int start(long channel) {
        return Shim.kmclshim_start(session, channel);
    }

    @Override
    public int cleanup(long channel) {
        return Shim.kmclshim_cleanup(session, channel);
    }

    @Override
    public int queryChannel(long channel, long[] out) {
        if (out.length < WireFormat.Query.SLOTS) {
            throw new IllegalArgumentException("query array needs " + WireFormat.Query.SLOTS + " slots");
        }
        return Shim.kmclshim_query_channel(session, channel, out);
    }

    @Override
    public int setContext(long channel, long value) {
        return Shim.kmclshim_set_context(session, channel, value);
    }

    @Override
    public int setTransactionQuota(long channel, int quota) {
        return Shim.kmclshim_set_transaction_quota(session, channel, quota);
    }

    @Override
    public int setInterruptLatency(long channel, int latency100ns, int[] outOriginal) {
        // what KMCL answers (B53's Closed-handler window is the C fake's, for loopback; on native it is KMCL's)
        return Shim.kmclshim_set_interrupt_latency(session, channel, latency100ns, outOriginal);
    }

    @Override
    public int send(long channel, long tag, ByteBuffer payload, ByteBuffer external, int externalForm, int flags) {
        ByteBuffer p = DirectScratch.copyOf(DirectScratch.PAYLOAD, payload);
        ByteBuffer e = external == null ? null : DirectScratch.copyOf(DirectScratch.EXTERNAL, external);
        return Shim.kmclshim_send(session, channel, tag, p, p.remaining(), e, e == null ? 0 : e.remaining(),
                externalForm, flags);
    }

    @Override
    public int sendSynchronous(long channel, ByteBuffer payload, ByteBuffer external, int flags, ByteBuffer completionOut,
                               int[] inOutCompletionSize, boolean hasTimeout, long timeout100ns) {
        ByteBuffer p = DirectScratch.copyOf(DirectScratch.PAYLOAD, payload);
        ByteBuffer e = external == null ? null : DirectScratch.copyOf(DirectScratch.EXTERNAL, external);
        ByteBuffer out = DirectScratch.ofSize(DirectScratch.OUTPUT, Math.max(inOutCompletionSize[0], 0));
        int st = Shim.kmclshim_send_sync(session, channel, p, p.remaining(), e, e == null ? 0 : e.remaining(), flags,
                out, inOutCompletionSize, hasTimeout ? 1 : 0, timeout100ns);
        if (NtStatus.isSuccess(st)) {
            int n = Math.min(inOutCompletionSize[0], completionOut.capacity());
            for (int i = 0; i < n; i++) {
                completionOut.put(i, out.get(i));
            }
        }
        return st;
    }

    @Override
    public int receive(long channel, EventBatch batch, long timeoutMillis, int[] outNeeded) {
        DirectScratch.Slots scratch = DirectScratch.slots();
        ByteBuffer result = scratch.receiveResult(); // bytes, records, needed
        int st = Shim.kmclshim_receive_direct(session, channel, scratch.addressOf(batch.buffer()), batch.capacity(),
                timeoutMillis, scratch.address(DirectScratch.RESULT));
        if (outNeeded != null && outNeeded.length > 0) {
            outNeeded[0] = result.getInt(8);
        }
        if (NtStatus.isSuccess(st)) {
            batch.setFilled(result.getInt(0), result.getInt(4));
        }
        return st;
    }

    @Override
    public int requeue(long channel, long[] packetIds, int count) {
        // The driver keeps undispatched packets itself: they go back to the head of the channel's queue.
        if (count <= 0) {
            return 0;
        }
        if (packetIds == null || count > packetIds.length) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        return Shim.kmclshim_requeue(session, channel, packetIds, count);
    }

    @Override
    public int complete(long packetId, ByteBuffer completionPayload) {
        ByteBuffer p = DirectScratch.copyOf(DirectScratch.PAYLOAD, completionPayload);
        return Shim.kmclshim_complete(session, packetId, p, p.remaining());
    }

    @Override
    public int completeBatch(long[] packetIds, int count, ByteBuffer payloads, int[] offsets, int[] lengths,
                             int[] outStatuses) {
        if (count <= 0 || packetIds == null || count > packetIds.length || (lengths != null && offsets == null)
                || (offsets != null && offsets.length < count) || (lengths != null && lengths.length < count)
                || (outStatuses != null && outStatuses.length < count)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        // the arrays go to the shim as native memory (ids, offsets, lengths, statuses): one primitive-only crossing
        int idsAt = 0;
        int offsetsAt = 8 * count;
        int lengthsAt = offsetsAt + 4 * count;
        int statusesAt = lengthsAt + 4 * count;
        ByteBuffer arrays = DirectScratch.ofSize(DirectScratch.ARRAYS, statusesAt + 4 * count);
        for (int i = 0; i < count; i++) {
            arrays.putLong(idsAt + 8 * i, packetIds[i]);
            arrays.putInt(statusesAt + 4 * i, 0);
        }
        if (offsets != null) {
            for (int i = 0; i < count; i++) {
                arrays.putInt(offsetsAt + 4 * i, offsets[i]);
                arrays.putInt(lengthsAt + 4 * i, lengths != null ? lengths[i] : 0);
            }
        }
        long base = DirectScratch.address(DirectScratch.ARRAYS);
        long payloadAddress = 0;
        if (payloads != null && payloads.remaining() > 0) {
            ByteBuffer p = DirectScratch.copyOf(DirectScratch.PAYLOAD, payloads);
            payloadAddress = DirectScratch.address(DirectScratch.PAYLOAD) + p.position();
        }
        int st = Shim.kmclshim_complete_batch_direct(session, base + idsAt, count, payloadAddress,
                offsets != null ? base + offsetsAt : 0, lengths != null ? base + lengthsAt : 0, base + statusesAt);
        if (outStatuses != null) {
            for (int i = 0; i < count; i++) {
                outStatuses[i] = arrays.getInt(statusesAt + 4 * i);
            }
        }
        return st;
    }

    @Override
    public int fail(long packetId) {
        return Shim.kmclshim_fail(session, packetId);
    }

    @Override
    public int deferToPassive(long packetId) {
        return Shim.kmclshim_defer_to_passive(session, packetId);
    }

    @Override
    public int createGpadl(long channel, int size, int flags, int[] outHandle) {
        return Shim.kmclshim_create_gpadl(session, channel, size, flags, outHandle);
    }

    @Override
    public int deleteGpadl(long channel, int gpadlHandle) {
        return Shim.kmclshim_delete_gpadl(session, channel, gpadlHandle);
    }

    @Override
    public int mapGpadl(long channel, int gpadlHandle, int flags) {
        return Shim.kmclshim_map_gpadl(session, channel, gpadlHandle, flags);
    }

    @Override
    public int unmapGpadl(long channel, int gpadlHandle) {
        return Shim.kmclshim_unmap_gpadl(session, channel, gpadlHandle);
    }

    @Override
    public int gpadlAccess(long channel, int gpadlHandle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        int len = data.remaining();
        ByteBuffer d = write ? DirectScratch.copyOf(DirectScratch.PAYLOAD, data) : DirectScratch.ofSize(DirectScratch.PAYLOAD, len);
        int st = Shim.kmclshim_gpadl_access(session, channel, gpadlHandle, mapped ? 1 : 0, offset, d, len, write ? 1 : 0);
        if (!write && NtStatus.isSuccess(st)) {
            int pos = data.position();
            for (int i = 0; i < len; i++) {
                data.put(pos + i, d.get(i));
            }
        }
        return st;
    }

    @Override
    public Optional<Peer> peer() {
        return peer;
    }

    /** Live handle-table entries and KMCL contract violations seen (loopback only). */
    long[] loopbackStats() {
        long[] live = new long[1];
        long[] violations = new long[1];
        int st = Shim.kmclshim_loopback_stats(session, live, violations);
        if (!NtStatus.isSuccess(st)) {
            throw new IllegalStateException("loopback stats: " + NtStatus.describe(st));
        }
        return new long[]{live[0], violations[0]};
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Shim.kmclshim_close(session);
        }
    }

    @Override
    public String toString() {
        return "JnaBackend[" + name + ", session " + session + "]";
    }
}
