package dev.kmclbridge;

import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;
import dev.kmclbridge.spi.ChannelSettings;
import dev.kmclbridge.spi.EndpointRecord;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A test double of the SPI for unit tests of the typed layer: batches are scripted by the test, and every
 * packet-ending call is recorded. Not a KMCL model (that is the fake's job).
 */
final class ScriptedBackend implements Backend {
    final LinkedBlockingQueue<Consumer<EventBatch>> batches = new LinkedBlockingQueue<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile int state = ChannelState.DISABLED.code();
    volatile long flags;
    volatile boolean cleanedUp;
    volatile int nextStatus;
    volatile Optional<String> serverChannelsUnavailable = Optional.empty();
    final java.util.concurrent.atomic.AtomicInteger allocations = new java.util.concurrent.atomic.AtomicInteger();

    static final EndpointRecord ENDPOINT = new EndpointRecord(1, UUID.randomUUID(), UUID.randomUUID(), "scripted");

    void script(Consumer<EventBatch> batch) {
        batches.add(batch);
    }

    /**
     * Waits (bounded by {@code wait}) until a recorded call starts with {@code prefix}; returns the index of the
     * first such call, or fails the test naming the calls seen.
     */
    int awaitCall(String prefix, Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            List<String> seen = List.copyOf(calls);
            for (int i = 0; i < seen.size(); i++) {
                if (seen.get(i).startsWith(prefix)) {
                    return i;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no call starting with " + prefix + " in " + calls);
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    @Override
    public BackendDescription info() {
        return new BackendDescription("scripted", "unit-test double", 0, "n/a", 1);
    }

    @Override
    public List<EndpointRecord> endpoints() {
        return List.of(ENDPOINT);
    }

    @Override
    public Optional<String> serverChannelsUnavailable() {
        return serverChannelsUnavailable;
    }

    @Override
    public int allocateChannel(long endpointId, boolean server, long[] out) {
        allocations.incrementAndGet();
        out[0] = 77;
        return 0;
    }

    @Override
    public int configure(long channel, ChannelSettings settings, int[] failed) {
        calls.add("configure");
        return 0;
    }

    @Override
    public int enable(long channel) {
        calls.add("enable");
        return consumeStatus();
    }

    private int consumeStatus() {
        int s = nextStatus;
        nextStatus = 0;
        return s;
    }

    @Override
    public int disable(long channel) {
        calls.add("disable");
        state = ChannelState.DISABLED.code();
        return 0;
    }

    @Override
    public int pause(long channel) {
        calls.add("pause");
        return 0;
    }

    @Override
    public int start(long channel) {
        calls.add("start");
        return 0;
    }

    @Override
    public int cleanup(long channel) {
        calls.add("cleanup");
        cleanedUp = true;
        return 0;
    }

    @Override
    public int queryChannel(long channel, long[] out) {
        out[WireFormat.Query.STATE] = state;
        out[WireFormat.Query.FLAGS] = flags;
        return 0;
    }

    @Override
    public int setContext(long channel, long value) {
        return 0;
    }

    @Override
    public int setTransactionQuota(long channel, int quota) {
        return 0;
    }

    @Override
    public int setInterruptLatency(long channel, int latency, int[] original) {
        return consumeStatus();
    }

    @Override
    public int send(long channel, long tag, ByteBuffer payload, ByteBuffer external, int form, int flags) {
        calls.add("send:" + tag + ":" + payload.remaining() + ":" + form + ":" + flags);
        return consumeStatus();
    }

    @Override
    public int sendSynchronous(long channel, ByteBuffer payload, ByteBuffer external, int flags, ByteBuffer out,
                               int[] size, boolean hasTimeout, long timeout100ns) {
        calls.add("sync:" + hasTimeout + ":" + timeout100ns + ":" + size[0]);
        out.put(0, (byte) 0x5A);
        size[0] = 1;
        return consumeStatus();
    }

    @Override
    public int receive(long channel, EventBatch batch, long timeoutMillis, int[] outNeeded) {
        if (cleanedUp) {
            return NtStatus.CANCELLED.value();
        }
        try {
            Consumer<EventBatch> next = batches.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (next == null) {
                return cleanedUp ? NtStatus.CANCELLED.value() : NtStatus.TIMEOUT.value();
            }
            next.accept(batch);
            return 0;
        } catch (InterruptedException e) {
            return NtStatus.CANCELLED.value();
        }
    }

    @Override
    public int requeue(long channel, long[] ids, int count) {
        recordIds("requeue", ids, count);
        return 0;
    }

    /** Records "call:id:id..." for the first {@code count} ids. */
    private void recordIds(String call, long[] ids, int count) {
        StringBuilder b = new StringBuilder(call);
        for (int i = 0; i < count; i++) {
            b.append(':').append(ids[i]);
        }
        calls.add(b.toString());
    }

    @Override
    public int complete(long packetId, ByteBuffer payload) {
        calls.add("complete:" + packetId + ":" + payload.remaining());
        return 0;
    }

    @Override
    public int completeBatch(long[] ids, int count, ByteBuffer payloads, int[] offsets, int[] lengths, int[] statuses) {
        recordIds("completeBatch", ids, count);
        return 0;
    }

    @Override
    public int fail(long packetId) {
        calls.add("fail:" + packetId);
        return 0;
    }

    @Override
    public int deferToPassive(long packetId) {
        calls.add("defer:" + packetId);
        return 0;
    }

    @Override
    public int createGpadl(long channel, int size, int flags, int[] outHandle) {
        outHandle[0] = 5;
        return 0;
    }

    @Override
    public int deleteGpadl(long channel, int handle) {
        calls.add("deleteGpadl:" + handle);
        return 0;
    }

    @Override
    public int mapGpadl(long channel, int handle, int flags) {
        return 0;
    }

    @Override
    public int unmapGpadl(long channel, int handle) {
        return 0;
    }

    @Override
    public int gpadlAccess(long channel, int handle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        return 0;
    }

    @Override
    public Optional<Peer> peer() {
        return Optional.empty();
    }

    @Override
    public void close() {
    }

    static Consumer<EventBatch> packets(long... ids) {
        return b -> {
            for (long id : ids) {
                b.append(WireFormat.Event.KIND_PACKET, 0, id, WireFormat.Event.IRQL_DISPATCH, 0,
                        ByteBuffer.wrap(new byte[]{(byte) id}), null);
            }
        };
    }
}
