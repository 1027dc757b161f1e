package dev.kmclbridge.jna;

import dev.kmclbridge.BackendInfo;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.ChannelQuery;
import dev.kmclbridge.spi.EventBatch;

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
    // presence bits of kmclb_channel_config (driver/include/kmclbridge_protocol.h)
    static final int CFG_CLIENT_CONTEXT_SIZE = 0x0001;
    static final int CFG_FLAGS = 0x0002;
    static final int CFG_FRIENDLY_NAME = 0x0004;
    static final int CFG_MAX_EXTERNAL_DATA = 0x0008;
    static final int CFG_MAX_PACKET_SIZE = 0x0010;
    static final int CFG_PROCESSING_COMPLETE = 0x0020;
    static final int CFG_STATE_CB_HEADER = 0x0040;
    static final int CFG_INCOMING_AT_PASSIVE = 0x0080;
    static final int CFG_TRANSACTION_QUOTA = 0x0100;
    static final int CFG_RING_PAGES = 0x0200;
    static final int CFG_TARGET_PNP = 0x0400;
    static final int CFG_TARGET_PNP_INSTANCE = 0x0800;
    static final int CFG_SERVER_FLAGS = 0x1000;
    static final int CFG_MMIO = 0x2000;
    static final int CFG_TARGET_INTERFACE = 0x4000;
    static final int CFG_TARGET_VTL = 0x8000;

    private final String name;
    private final long session;
    private final BackendInfo info;
    private final Optional<Peer> peer;
    private volatile boolean closed;

    JnaBackend(String name, long session) {
        this.name = name;
        this.session = session;
        int[] protocol = new int[1];
        int[] kmclVersion = new int[1];
        byte[] driver = new byte[32];
        int st = Shim.kmclshim_query_version(session, protocol, kmclVersion, driver);
        if (!NtStatus.isSuccess(st)) {
            Shim.kmclshim_close(session);
            throw new IllegalStateException("the driver did not answer the version query: " + NtStatus.describe(st));
        }
        this.info = new BackendInfo(name, name.equals("loopback")
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
    public BackendInfo info() {
        return info;
    }

    @Override
    public List<Endpoint> endpoints() {
        int max = 64;
        while (true) {
            long[] ids = new long[max];
            byte[] guids = new byte[32 * max];
            byte[] names = new byte[64 * max];
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
            List<Endpoint> out = new ArrayList<>(count[0]);
            for (int i = 0; i < count[0]; i++) {
                byte[] nameBytes = new byte[64];
                System.arraycopy(names, 64 * i, nameBytes, 0, 64);
                out.add(new Endpoint(ids[i], WindowsGuid.read(guids, 32 * i), WindowsGuid.read(guids, 32 * i + 16),
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
    public int configure(long channel, ChannelConfig c, int[] outFailedFunction) {
        int present = 0;
        int[] v = new int[16];
        byte[] guids = new byte[64];
        if (c.clientContextSize().isPresent()) {
            present |= CFG_CLIENT_CONTEXT_SIZE;
            v[0] = c.clientContextSize().getAsInt();
        }
        if (c.channelFlags().isPresent()) {
            present |= CFG_FLAGS;
            v[1] = c.channelFlags().getAsInt();
        }
        if (c.maximumExternalData().isPresent()) {
            present |= CFG_MAX_EXTERNAL_DATA;
            v[2] = c.maximumExternalData().get().dataSize();
            v[3] = c.maximumExternalData().get().chainLength();
        }
        if (c.maximumPacketSize().isPresent()) {
            present |= CFG_MAX_PACKET_SIZE;
            v[4] = c.maximumPacketSize().getAsInt();
        }
        if (!c.processingCompleteCallback()) {
            present |= CFG_PROCESSING_COMPLETE;
            v[5] = 0;
        }
        if (c.stateCallbacksHeader().isPresent()) {
            present |= CFG_STATE_CB_HEADER;
            v[6] = c.stateCallbacksHeader().get().version();
            v[7] = c.stateCallbacksHeader().get().size();
        }
        if (c.incomingProcessingAtPassive().isPresent()) {
            present |= CFG_INCOMING_AT_PASSIVE;
            v[8] = c.incomingProcessingAtPassive().get() ? 1 : 0;
        }
        if (c.transactionQuota().isPresent()) {
            present |= CFG_TRANSACTION_QUOTA;
            v[9] = c.transactionQuota().getAsInt();
        }
        if (c.ringBufferPages().isPresent()) {
            present |= CFG_RING_PAGES;
            v[10] = c.ringBufferPages().get().incoming();
            v[11] = c.ringBufferPages().get().outgoing();
        }
        if (c.targetPnp().isPresent()) {
            present |= CFG_TARGET_PNP;
            WindowsGuid.write(c.targetPnp().get().interfaceType(), guids, 0);
            if (c.targetPnp().get().interfaceInstance().isPresent()) {
                present |= CFG_TARGET_PNP_INSTANCE;
                WindowsGuid.write(c.targetPnp().get().interfaceInstance().get(), guids, 16);
            }
        }
        if (c.serverFlags().isPresent()) {
            present |= CFG_SERVER_FLAGS;
            v[12] = c.serverFlags().getAsInt();
        }
        if (c.mmioMegabytes().isPresent()) {
            present |= CFG_MMIO;
            v[13] = c.mmioMegabytes().get().megabytes();
            v[14] = c.mmioMegabytes().get().megabytesOptional();
        }
        if (c.targetInterface().isPresent()) {
            present |= CFG_TARGET_INTERFACE;
            WindowsGuid.write(c.targetInterface().get().interfaceType(), guids, 32);
            WindowsGuid.write(c.targetInterface().get().interfaceInstance(), guids, 48);
        }
        if (c.targetVtl().isPresent()) {
            present |= CFG_TARGET_VTL;
            v[15] = c.targetVtl().getAsInt();
        }
        byte[] name = new byte[0];
        if (c.friendlyName().isPresent()) {
            present |= CFG_FRIENDLY_NAME;
            name = c.friendlyName().get().getBytes(StandardCharsets.UTF_16LE);
        }
        return Shim.kmclshim_configure(session, channel, present, v, guids, name, name.length, outFailedFunction);
    }

    @Override
    public int enable(long channel) {
        closedWindow.remove(channel);
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
        if (out.length < ChannelQuery.LENGTH) {
            throw new IllegalArgumentException("query array needs " + ChannelQuery.LENGTH + " slots");
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
        Thread closedReceiver = closedWindow.get(channel);
        if (closedReceiver != null && closedReceiver != Thread.currentThread()) {
            return NtStatus.INVALID_DEVICE_STATE.value(); // closed, and not inside the Closed handler
        }
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

    private static final ThreadLocal<int[]> RECEIVE_OUTS = ThreadLocal.withInitial(() -> new int[3]);

    @Override
    public int receive(long channel, EventBatch batch, long timeoutMillis, int[] outNeeded) {
        int[] o = RECEIVE_OUTS.get();
        o[0] = 0;
        o[1] = 0;
        o[2] = 0;
        ByteBuffer buf = batch.buffer();
        int[] bytes = {0};
        int[] records = {0};
        closedWindow.remove(channel); // the receiver asks for more: its Closed handler has finished
        int st = Shim.kmclshim_receive(session, channel, buf, batch.capacity(), timeoutMillis, bytes, records, outNeeded);
        if (NtStatus.isSuccess(st)) {
            batch.setFilled(bytes[0], records[0]);
            noteClosed(channel, batch);
        }
        return st;
    }

    /**
     * B53: the driver accepts SetInterruptLatency after a CLOSED record was received until the next receive on
     * the channel (the Closed handler's window); like the Java fake, only on the thread that received the record.
     */
    private final java.util.concurrent.ConcurrentHashMap<Long, Thread> closedWindow =
            new java.util.concurrent.ConcurrentHashMap<>();

    private void noteClosed(long channel, EventBatch batch) {
        boolean closed = false;
        EventBatch.Reader r = batch.reader();
        while (r.next()) {
            if (r.kind() == EventBatch.KIND_STATE) {
                if (r.flags() == EventBatch.STATE_CLOSED) {
                    closed = true;
                } else if (r.flags() == EventBatch.STATE_OPENED) {
                    closed = false;
                }
            }
        }
        if (closed) {
            closedWindow.put(channel, Thread.currentThread());
        }
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
        ByteBuffer p = DirectScratch.copyOf(DirectScratch.PAYLOAD, payloads);
        return Shim.kmclshim_complete_batch(session, packetIds, count, p, offsets, lengths, outStatuses);
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
