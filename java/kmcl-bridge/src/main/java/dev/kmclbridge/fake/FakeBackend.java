package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;
import dev.kmclbridge.spi.ChannelSettings;
import dev.kmclbridge.spi.EndpointRecord;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The pure-Java fake backend: a faithful model of KMCL (state rules, statuses, rings with real VMBus framing,
 * quota, pause draining, queue stop on fail) with a scriptable peer ({@link FakePeer}). Every random choice comes
 * from one {@link java.util.Random} seeded with {@link #seed()}, so the same seed and the same single-threaded script replay
 * the same events. Choices where KMCL documents nothing are listed in docs/fake-choices.md.
 */
public final class FakeBackend implements Backend {
    /** Channel ids are {@code CHANNEL_ID_BASE + n} (n from 1), never reused. */
    public static final long CHANNEL_ID_BASE = 0x1_0000_0000L;

    private static final int SUCCESS = NtStatus.SUCCESS.value();
    private static final byte[] EMPTY = new byte[0];

    /** A call on a live channel that may wait; an interrupt ends it with STATUS_CANCELLED. */
    private interface WaitingChannelCall {
        int call(FakeChannel channel) throws InterruptedException;
    }

    final long seed;
    private final BackendResources resources;
    final FakeBus bus = new FakeBus();
    private final FakePeer peer;
    private final ConcurrentHashMap<Long, FakeChannel> channels = new ConcurrentHashMap<>();
    private final AtomicLong nextChannel = new AtomicLong(CHANNEL_ID_BASE + 1);
    private final AtomicLong nextOffer = new AtomicLong(1);

    /** A fake with the four standing host offers (heartbeat, KVP, shutdown, time sync). */
    public FakeBackend(long seed) {
        this.seed = seed;
        this.resources = new BackendResources(seed);
        this.peer = new FakePeer(this);
        standingOffer(FakeDefaults.HEARTBEAT, "heartbeat");
        standingOffer(FakeDefaults.KEY_VALUE_EXCHANGE, "key-value data exchange");
        standingOffer(FakeDefaults.SHUTDOWN, "shutdown");
        standingOffer(FakeDefaults.TIME_SYNC, "time synchronization");
    }

    private void standingOffer(UUID type, String name) {
        addOffer(type, randomUuid(), new OfferOptions(0, 0, name));
    }

    Offer addOffer(UUID type, UUID instance, OfferOptions options) {
        return bus.addOffer(nextOffer.getAndIncrement(), type, instance, options);
    }

    /** A version-4 GUID drawn from the seeded generator. */
    UUID randomUuid() {
        long msb = resources.random().nextLong();
        long lsb = resources.random().nextLong();
        msb = (msb & ~0xF000L) | 0x4000L;
        lsb = (lsb & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    FakeChannel channel(long id) {
        return channels.get(id);
    }

    private int missingChannel(long id) {
        return id > CHANNEL_ID_BASE && id < nextChannel.get() ? NtStatus.BRIDGE_STALE_ID.value() : NtStatus.INVALID_HANDLE.value();
    }

    /** Runs {@code action} on the live channel {@code id}, or answers for an id with no live channel. */
    private int withChannel(long id, ToIntFunction<FakeChannel> action) {
        FakeChannel ch = channels.get(id);
        return ch == null ? missingChannel(id) : action.applyAsInt(ch);
    }

    /** Like {@link #withChannel} for a call that may wait; an interrupt leaves the flag set and returns CANCELLED. */
    private int withChannelWaiting(long id, WaitingChannelCall action) {
        return withChannel(id, ch -> {
            try {
                return action.call(ch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return NtStatus.CANCELLED.value();
            }
        });
    }

    /** Runs {@code action} on the live packet {@code id}, or answers for an id with no live packet. */
    private int withPacket(long id, ToIntFunction<IncomingPacket> action) {
        IncomingPacket p = resources.packets().get(id);
        return p == null ? resources.packets().missingStatus(id) : action.applyAsInt(p);
    }

    /** The seed of this instance. */
    public long seed() {
        return seed;
    }

    /** The fake's peer, typed (the SPI's {@link #peer()} returns the same object). */
    public FakePeer fakePeer() {
        return peer;
    }

    @Override
    public BackendDescription info() {
        return new BackendDescription("fake", "pure-Java model of KMCL with a scriptable peer (seed " + seed + ")",
                0, "n/a", WireFormat.KMCL_INTERFACE_VERSION);
    }

    @Override
    public List<EndpointRecord> endpoints() {
        List<EndpointRecord> out = new ArrayList<>();
        for (Offer o : bus.offers()) {
            if (o.options.targetVtl() == 0) {
                out.add(o.endpoint());
            }
        }
        return out;
    }

    @Override
    public int allocateChannel(long endpointId, boolean server, long[] outChannel) {
        requireLength(outChannel, 1, "outChannel");
        Offer o = bus.offer(endpointId);
        if (o == null || o.options.targetVtl() != 0) {
            return NtStatus.NO_SUCH_DEVICE.value();
        }
        long id = nextChannel.getAndIncrement();
        FakeChannel ch = new FakeChannel(resources, id, server, o.type, o.instance, randomUuid());
        channels.put(id, ch);
        bus.register(ch);
        outChannel[0] = id;
        return SUCCESS;
    }

    @Override
    public int configure(long channel, ChannelSettings settings, int[] outFailedFunction) {
        requireLength(outFailedFunction, 1, "outFailedFunction");
        FakeChannel ch = channels.get(channel);
        if (ch == null) {
            outFailedFunction[0] = ChannelConfiguration.firstFunction(settings).code();
            return NtStatus.INVALID_PARAMETER_1.value(); // B14
        }
        return ch.configure(settings, outFailedFunction);
    }

    /** {@link #configure(long, ChannelSettings, int[])} with the typed layer's config (the fake's own tests use it). */
    public int configure(long channel, ChannelConfig config, int[] outFailedFunction) {
        return configure(channel, config.toSettings(), outFailedFunction);
    }

    @Override
    public int enable(long channel) {
        return withChannel(channel, bus::enable);
    }

    @Override
    public int disable(long channel) {
        return withChannelWaiting(channel, ch -> {
            int st = ch.disable();
            bus.unbind(ch);
            return st;
        });
    }

    @Override
    public int pause(long channel) {
        return withChannelWaiting(channel, FakeChannel::pause);
    }

    @Override
    public int start(long channel) {
        return withChannel(channel, FakeChannel::start);
    }

    @Override
    public int cleanup(long channel) {
        return withChannel(channel, ch -> {
            int st = bus.cleanup(ch);
            if (st == SUCCESS) {
                channels.remove(channel);
            }
            return st;
        });
    }

    @Override
    public int queryChannel(long channel, long[] out) {
        requireLength(out, WireFormat.Query.SLOTS, "out");
        return withChannel(channel, ch -> ch.query(out));
    }

    @Override
    public int setContext(long channel, long value) {
        return withChannel(channel, ch -> ch.setContext(value));
    }

    @Override
    public int setTransactionQuota(long channel, int quota) {
        return withChannel(channel, ch -> ch.setQuota(quota));
    }

    @Override
    public int setInterruptLatency(long channel, int latency100ns, int[] outOriginal) {
        requireLength(outOriginal, 1, "outOriginal");
        return withChannel(channel, ch -> ch.setInterruptLatency(latency100ns, outOriginal));
    }

    @Override
    public int send(long channel, long tag, ByteBuffer payload, ByteBuffer external, int externalForm, int flags) {
        return withChannel(channel,
                ch -> ch.send(tag, bytes(payload), external == null ? null : bytes(external), externalForm, flags));
    }

    @Override
    public int sendSynchronous(long channel, ByteBuffer payload, ByteBuffer external, int flags, ByteBuffer completionOut,
                               int[] inOutCompletionSize, boolean hasTimeout, long timeout100ns) {
        requireLength(inOutCompletionSize, 1, "inOutCompletionSize");
        return withChannelWaiting(channel, ch -> ch.sendSynchronous(bytes(payload), external == null ? null : bytes(external),
                flags, completionOut, inOutCompletionSize, hasTimeout, timeout100ns));
    }

    @Override
    public int receive(long channel, EventBatch batch, long timeoutMillis, int[] outNeeded) {
        requireLength(outNeeded, 1, "outNeeded");
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        return withChannelWaiting(channel, ch -> ch.receive(batch, timeoutMillis, outNeeded));
    }

    @Override
    public int requeue(long channel, long[] packetIds, int count) {
        requireLength(packetIds, count, "packetIds");
        return withChannel(channel, ch -> ch.requeue(packetIds, count));
    }

    @Override
    public int complete(long packetId, ByteBuffer completionPayload) {
        return withPacket(packetId, p -> p.channel.complete(p, bytes(completionPayload)));
    }

    @Override
    public int completeBatch(long[] packetIds, int count, ByteBuffer payloads, int[] offsets, int[] lengths,
                             int[] outStatuses) {
        requireLength(packetIds, count, "packetIds");
        requireLength(offsets, count, "offsets");
        requireLength(lengths, count, "lengths");
        requireLength(outStatuses, count, "outStatuses");
        IncomingPacket[] packets = new IncomingPacket[count];
        byte[][] bodies = new byte[count][];
        for (int i = 0; i < count; i++) {
            bodies[i] = EMPTY;
            if (lengths[i] > 0) {
                if (payloads == null) {
                    throw new IllegalArgumentException("payloads is null but lengths[" + i + "] = " + lengths[i]);
                }
                bodies[i] = new byte[lengths[i]];
                payloads.get(offsets[i], bodies[i]);
            }
            packets[i] = resources.packets().get(packetIds[i]);
        }
        int first = SUCCESS;
        int i = 0;
        while (i < count) {
            if (packets[i] == null) {
                outStatuses[i] = resources.packets().missingStatus(packetIds[i]);
                first = first == SUCCESS ? outStatuses[i] : first;
                i++;
                continue;
            }
            // a run of packets of one channel completes in one entry of its lock: one wake for the whole run
            FakeChannel ch = packets[i].channel;
            int end = i + 1;
            while (end < count && packets[end] != null && packets[end].channel == ch) {
                end++;
            }
            ch.completeRun(packets, bodies, i, end, outStatuses);
            for (int k = i; k < end; k++) {
                first = first == SUCCESS ? outStatuses[k] : first;
            }
            i = end;
        }
        return first;
    }

    @Override
    public int fail(long packetId) {
        return withPacket(packetId, p -> p.channel.fail(p));
    }

    @Override
    public int deferToPassive(long packetId) {
        return withPacket(packetId, p -> p.channel.deferToPassive(p));
    }

    @Override
    public int createGpadl(long channel, int size, int flags, int[] outHandle) {
        requireLength(outHandle, 1, "outHandle");
        return withChannel(channel, ch -> ch.createGpadl(size, flags, outHandle));
    }

    @Override
    public int deleteGpadl(long channel, int gpadlHandle) {
        return withChannelWaiting(channel, ch -> ch.deleteGpadl(gpadlHandle));
    }

    @Override
    public int mapGpadl(long channel, int gpadlHandle, int flags) {
        return withChannel(channel, ch -> ch.mapGpadl(gpadlHandle, flags));
    }

    @Override
    public int unmapGpadl(long channel, int gpadlHandle) {
        return withChannel(channel, ch -> ch.unmapGpadl(gpadlHandle));
    }

    @Override
    public int gpadlAccess(long channel, int gpadlHandle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        return withChannel(channel, ch -> ch.gpadlAccess(gpadlHandle, mapped, offset, data, write));
    }

    @Override
    public Optional<Peer> peer() {
        return Optional.of(peer);
    }

    /** Completes every packet still delivered, disables and cleans up every channel. */
    @Override
    public void close() {
        for (FakeChannel ch : new ArrayList<>(channels.values())) {
            for (IncomingPacket p : resources.packets().deliveredOn(ch)) {
                ch.complete(p, EMPTY);
            }
            try {
                ch.disable();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bus.unbind(ch);
            cleanup(ch.id);
        }
    }

    int pagesInUse() {
        return resources.memory().pagesInUse();
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return new byte[0];
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static void requireLength(Object array, int n, String name) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        int len = java.lang.reflect.Array.getLength(array);
        if (len < n) {
            throw new IllegalArgumentException(name + " has " + len + " elements, needs " + n);
        }
    }
}
