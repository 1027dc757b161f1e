package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.ExternalForm;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A KMCL channel endpoint (VMBCHANNEL). Created disabled by {@link Kmcl}; {@link #enable()} connects it. Incoming
 * packets go to the {@link PacketHandler} set with {@link #onPacket}, or, when none is set, into a queue read with
 * {@link #nextPacket}. {@link #close()} disables and cleans up; it completes nothing on the caller's behalf
 * except packets never handed to user code, so it waits while user code holds a packet
 * ({@link #outstandingPackets()}); {@link #close(Duration)} fails those still held after a timeout.
 */
public abstract sealed class Channel implements AutoCloseable permits ClientChannel, ServerChannel {
    /** The flags of a plain send (shared: a send without flags allocates no set). */
    private static final Set<SendFlag> NO_FLAGS = java.util.Collections.unmodifiableSet(EnumSet.noneOf(SendFlag.class));

    private final Kmcl kmcl;
    final Backend backend;
    private final long id;
    private final Endpoint endpoint;
    private volatile ChannelConfig config;
    final ChannelInbox inbox;
    private final ChannelListeners listeners = new ChannelListeners();
    private final PendingSends pendingSends = new PendingSends();
    private final ChannelDispatcher dispatcher;
    private volatile boolean closed;

    Channel(Kmcl kmcl, long id, Endpoint endpoint, ChannelConfig config) {
        this.kmcl = kmcl;
        this.backend = kmcl.backend();
        this.id = id;
        this.endpoint = endpoint;
        this.config = config;
        this.inbox = new ChannelInbox(backend, id);
        this.dispatcher = new ChannelDispatcher(this, inbox, listeners, pendingSends, config.deliveryThreads());
    }

    void startDispatcher() {
        dispatcher.start();
    }

    /** The channel id (backend handle: slot + generation); also names the channel to the {@link dev.kmclbridge.peer.Peer}. */
    public long id() {
        return id;
    }

    /** The endpoint (VMBus device) the channel was allocated on. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /**
     * The configuration in effect: the creation config with every {@link #configure} that succeeded merged on top
     * ({@link ChannelConfig#mergedWith}).
     */
    public ChannelConfig config() {
        return config;
    }

    /** True for a server (host/VSP) endpoint. */
    public abstract boolean isServer();

    /**
     * Applies the Init* settings present in {@code settings}. KMCL accepts Init* only before the first enable;
     * afterwards (and for bad values) this throws {@link KmclException} with KMCL's status, naming the call.
     * The transaction quota and incoming-at-passive settings are not Init* calls and work at any time.
     */
    public void configure(ChannelConfig settings) {
        checkOpenHandle();
        int[] failed = new int[1];
        int st = backend.configure(id, settings.toSettings(), failed);
        if (!NtStatus.isSuccess(st)) {
            throw new KmclException(KmclFunction.ofCode(failed[0]), st, ConfigProblem.describe(KmclFunction.ofCode(failed[0]), st, settings));
        }
        this.config = config.mergedWith(settings);
    }

    /** Registers the packet handler (replacing the default queue). Set it before {@link #enable()}. */
    public Channel onPacket(PacketHandler packetHandler) {
        listeners.setPacketHandler(packetHandler);
        return this;
    }

    /** Adds a state-change listener. */
    public Channel onStateChange(StateChangeListener listener) {
        listeners.addStateListener(listener);
        return this;
    }

    /** Adds an end-of-batch listener (needs {@link ChannelConfig#processingCompleteCallback()}, the default). */
    public Channel onProcessingComplete(ProcessingCompleteListener listener) {
        listeners.addBatchListener(listener);
        return this;
    }

    /** VmbChannelEnable: connect to VMBus (client: bind to an offer or wait for one; server: make the offer). */
    public void enable() {
        checkOpenHandle();
        check(KmclFunction.VMB_CHANNEL_ENABLE, backend.enable(id), "channel " + id);
    }

    /**
     * VmbChannelDisable: Suspend (if running), wait until every delivered packet is completed, Closed; returns
     * after the Closed listener ran. Not allowed from a callback of this channel (it would wait for itself).
     */
    public void disable() {
        checkOpenHandle();
        dispatcher.checkNotOnDispatcher("VmbChannelDisable");
        int closedBefore = dispatcher.closedEvents();
        boolean wasOpen = status().open();
        check(KmclFunction.VMB_CHANNEL_DISABLE, backend.disable(id), "channel " + id);
        if (wasOpen) {
            dispatcher.awaitClosedEvent(closedBefore, Duration.ofSeconds(10));
        }
    }

    /**
     * VmbChannelPause: stop incoming delivery; blocks until every delivered packet is completed (complete them from
     * another thread). On a disabled channel it makes the channel come up paused. Not allowed from callbacks.
     */
    public void pause() {
        checkOpenHandle();
        dispatcher.checkNotOnDispatcher("VmbChannelPause");
        check(KmclFunction.VMB_CHANNEL_PAUSE, backend.pause(id), "channel " + id);
    }

    /** VmbChannelStart: resume a paused channel (needed once on server channels). Not allowed from callbacks. */
    public void start() {
        checkOpenHandle();
        dispatcher.checkNotOnDispatcher("VmbChannelStart");
        check(KmclFunction.VMB_CHANNEL_START, backend.start(id), "channel " + id);
    }

    /** Current state and settings-derived values. */
    public ChannelStatus status() {
        return ChannelStatus.fromQuery(query());
    }

    /** Current connection state. */
    public ChannelState state() {
        return status().state();
    }

    /** Counters. */
    public ChannelStatistics statistics() {
        return ChannelStatistics.fromQuery(query());
    }

    long[] query() {
        checkOpenHandle();
        long[] q = new long[WireFormat.Query.SLOTS];
        check(KmclFunction.BRIDGE_QUERY_CHANNEL, backend.queryChannel(id, q), "channel " + id);
        return q;
    }

    /** VmbChannelGetInterfaceInstance: the GUID that identifies this channel, once known. */
    public Optional<UUID> interfaceInstance() {
        return status().interfaceInstance();
    }

    /** VmbChannelSetPointer with an opaque value of yours. */
    public void setContext(long value) {
        checkOpenHandle();
        check(KmclFunction.VMB_CHANNEL_SET_POINTER, backend.setContext(id, value), "channel " + id);
    }

    /** VmbChannelGetPointer: the value last set with {@link #setContext}, 0 if never set. */
    public long context() {
        return query()[WireFormat.Query.CONTEXT];
    }

    /** VmbChannelSetTransactionQuota: most packets delivered but not completed (0 is ignored, as in KMCL). */
    public void setTransactionQuota(int quota) {
        checkOpenHandle();
        check(KmclFunction.VMB_CHANNEL_SET_TRANSACTION_QUOTA, backend.setTransactionQuota(id, quota), "quota " + quota);
    }

    /**
     * VmbChannelSetInterruptLatency (100 ns units, UINT16); valid from Opened through Closed. Returns the previous
     * latency.
     */
    public int setInterruptLatency(int latency100ns) {
        checkOpenHandle();
        if (latency100ns < 0 || latency100ns > 0xFFFF) {
            throw new IllegalArgumentException("latency is a UINT16 in 100 ns units, was " + latency100ns);
        }
        int[] original = new int[1];
        check(KmclFunction.VMB_CHANNEL_SET_INTERRUPT_LATENCY, backend.setInterruptLatency(id, latency100ns, original),
                "interrupt latency is valid only while the channel is open (from Opened through Closed)");
        return original[0];
    }

    /** VmbPacketSend without flags: the future completes once the packet is in the outgoing ring. */
    public CompletableFuture<Completion> send(byte[] payload) {
        return sendOwned(ByteBuffer.wrap(payload), NO_FLAGS, Optional.empty());
    }

    /** VmbPacketSend with flags; with WAIT_FOR_COMPLETION the future carries the peer's completion payload. */
    public CompletableFuture<Completion> send(byte[] payload, Set<SendFlag> flags) {
        Objects.requireNonNull(payload, "payload");
        return sendOwned(ByteBuffer.wrap(payload), flags, Optional.empty());
    }

    /**
     * VmbPacketSend / ...WithExternalMdl / ...WithExternalPfns. The payload (remaining bytes) and external data
     * are copied before this returns, so the caller may reuse them (paged-buffer semantics). A send KMCL rejects
     * throws {@link KmclException}; a transaction that ends badly (e.g. cancelled by Disable) completes the
     * future exceptionally with a {@link KmclException}.
     */
    public CompletableFuture<Completion> send(ByteBuffer payload, Set<SendFlag> flags, Optional<ExternalData> external) {
        Objects.requireNonNull(payload, "payload");
        return sendOwned(payload.duplicate(), flags, external);
    }

    /** {@link #send(ByteBuffer, Set, Optional)} with a payload view this channel may consume (nobody else holds it). */
    private CompletableFuture<Completion> sendOwned(ByteBuffer payload, Set<SendFlag> flags, Optional<ExternalData> external) {
        checkOpenHandle();
        Objects.requireNonNull(flags, "flags");
        Objects.requireNonNull(external, "external");
        CompletableFuture<Completion> future = new CompletableFuture<>();
        long tag = pendingSends.register(future);
        KmclFunction fn = external.map(e -> e.form() == ExternalData.Form.MDL
                ? KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_MDL
                : KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_PFNS).orElse(KmclFunction.VMB_PACKET_SEND);
        int form = external.map(e -> e.form() == ExternalData.Form.MDL ? ExternalForm.MDL : ExternalForm.PFNS)
                .orElse(ExternalForm.NONE);
        int length = payload.remaining(); // before the backend reads the view
        // the peer sees the completions a handler made inline before anything it sends after them (a handler
        // that answers a request and then waits for the peer must not wait on its own queued completion)
        inbox.flushCompletions();
        int st = backend.send(id, tag, payload, external.isEmpty() ? null : external.get().bytes().duplicate(),
                form, SendFlag.bits(flags));
        if (!NtStatus.isSuccess(st)) {
            pendingSends.forget(tag);
            throw new KmclException(fn, st, sendProblem(st, length, flags, external));
        }
        return future;
    }

    private String sendProblem(int st, int length, Set<SendFlag> flags, Optional<ExternalData> external) {
        NtStatus s = NtStatus.of(st);
        String what = length + "-byte packet" + external.map(e -> " with " + e.bytes().remaining() + " bytes of external data").orElse("");
        switch (s) {
            case INVALID_PARAMETER:
                return what + " rejected: larger than the channel's maximum packet size / external data limit, "
                        + "too large for the ring, or external data without WAIT_FOR_COMPLETION (flags " + flags + ")";
            case INSUFFICIENT_RESOURCES:
                return what + ": VmbPacketAllocate found no packet object";
            case BRIDGE_CONTRACT_VIOLATION:
                return what + " sent between EvtChannelSuspend and the next EvtChannelStarted (KMCL forbids sending then)";
            default:
                return what;
        }
    }

    /**
     * VmbChannelSendSynchronousRequest: sends and blocks until the peer's completion arrives (or the timeout
     * cancels it), returning the completion payload. Not allowed from the Started callback (KMCL would never
     * return; PostStarted is fine).
     */
    public Completion sendSynchronous(SyncRequest request) {
        checkOpenHandle();
        dispatcher.checkNotInStartedCallback();
        inbox.flushCompletions(); // as in send: inline completions reach the peer first
        ByteBuffer out = ByteBuffer.allocate(request.completionCapacity());
        int[] size = {request.completionCapacity()};
        long timeout100ns = request.relativeTimeout100ns();
        int st = backend.sendSynchronous(id, request.payload().duplicate(),
                request.external().map(e -> e.bytes().duplicate()).orElse(null), SendFlag.bits(request.flags()),
                out, size, request.timeout().isPresent(), timeout100ns);
        if (!NtStatus.isSuccess(st)) {
            throw new KmclException(KmclFunction.VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST, st, syncProblem(st, request, size[0]));
        }
        byte[] reply = new byte[size[0]];
        out.get(0, reply);
        return new Completion(reply);
    }

    private static String syncProblem(int st, SyncRequest r, int size) {
        switch (NtStatus.of(st)) {
            case BUFFER_OVERFLOW:
                return r.timeout().map(Duration::isZero).orElse(false)
                        ? "the request did not fit in the outgoing ring and a zero timeout forbids queueing it"
                        : "the completion (" + size + " bytes) is larger than the capacity " + r.completionCapacity();
            case CANCELLED:
                return "the request was cancelled (timeout " + r.timeout().map(Duration::toString).orElse("none")
                        + " elapsed or the channel was disabled)";
            case DEVICE_REMOVED:
                return "the channel is not open or is shutting down";
            case INVALID_PARAMETER:
                return r.completionCapacity() % 8 != 0
                        ? "completion capacity " + r.completionCapacity() + " is not a multiple of 8"
                        : "parameters not allowed on this endpoint (server endpoints need timeout 0 and no WAIT_FOR_COMPLETION) or packet too large";
            default:
                return "request of " + r.payload().remaining() + " bytes";
        }
    }

    /**
     * The packets user code holds: handed to the packet handler or returned by {@link #nextPacket} and not yet
     * completed, failed or deferred, in the order they were handed out. Packets waiting in the default queue are
     * not listed (user code has not seen them). After a {@code fail()} returned, this lists every packet user
     * code will still get until the queue restarts at the next disable and enable.
     */
    public List<IncomingPacket> outstandingPackets() {
        return inbox.held();
    }

    /** Waits up to {@code timeout} for the next packet when no handler is set (the default queue mode). */
    public Optional<IncomingPacket> nextPacket(Duration timeout) {
        if (listeners.packetHandler().isPresent()) {
            throw new IllegalStateException("channel " + id + " has a packet handler; nextPacket() reads the default queue only");
        }
        return inbox.nextUnread(timeout);
    }

    /**
     * Completes many packets in one backend call (one native crossing) with the same completion payload. The
     * batch is checked as a whole first: a packet of another channel or listed twice is an
     * {@link IllegalArgumentException}, one that already ended a {@link PacketRetiredException}, and then no
     * packet of the batch has ended.
     */
    public void completeAll(Collection<IncomingPacket> packets, byte[] completionPayload) {
        checkOpenHandle();
        Objects.requireNonNull(completionPayload, "completionPayload");
        List<IncomingPacket> list = List.copyOf(packets);
        for (IncomingPacket p : list) {
            if (p.channel() != this) {
                throw new IllegalArgumentException("packet " + p.id() + " belongs to channel " + p.channel().id()
                        + ", not " + id + "; nothing was completed");
            }
        }
        inbox.retireAll(list);
        inbox.completeAll(list.stream().mapToLong(IncomingPacket::id).toArray(), completionPayload);
    }

    /** Every state-change callback delivered so far, oldest first. */
    public List<StateChange> stateHistory() {
        return listeners.history();
    }

    /**
     * Waits until the {@code n}-th (1-based) delivery of {@code event} has reached the listeners; true if it did
     * within {@code timeout}.
     */
    public boolean awaitStateEvent(StateEvent event, int n, Duration timeout) {
        return listeners.awaitStateEvent(event, n, timeout);
    }

    /** Waits for the first delivery of {@code event}. */
    public boolean awaitStateEvent(StateEvent event, Duration timeout) {
        return awaitStateEvent(event, 1, timeout);
    }

    /** VmbChannelCreateGpadlFromBuffer over a new zeroed buffer of {@code size} bytes. */
    public Gpadl createGpadl(int size, boolean readOnly) {
        checkOpenHandle();
        if (size <= 0) {
            throw new IllegalArgumentException("GPADL size must be > 0, was " + size);
        }
        int[] handle = new int[1];
        check(KmclFunction.VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER, backend.createGpadl(id, size, readOnly ? 1 : 0, handle),
                size + "-byte GPADL (the channel must be open)");
        return new Gpadl(this, handle[0], size, readOnly);
    }

    void deleteGpadl(int handle) {
        checkOpenHandle();
        check(KmclFunction.VMB_CHANNEL_DELETE_GPADL, backend.deleteGpadl(id, handle), "GPADL " + handle);
    }

    void gpadlAccess(int handle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        checkOpenHandle();
        check(KmclFunction.BRIDGE_GPADL_ACCESS, backend.gpadlAccess(id, handle, mapped, offset, data, write),
                (write ? "write " : "read ") + data.remaining() + " bytes at " + offset + " of GPADL " + handle);
    }

    /** Disables (if needed) and cleans up the channel; idempotent. Outstanding send futures fail with CANCELLED. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        dispatcher.checkNotOnDispatcher("close (VmbChannelDisable + VmbChannelCleanup)");
        try {
            ChannelState s = status().state();
            if (s != ChannelState.DISABLED) {
                disable();
            }
        } finally {
            closed = true;
            int st = backend.cleanup(id);
            dispatcher.stop();
            pendingSends.cancelAll();
            kmcl.forget(this);
            if (!NtStatus.isSuccess(st)) {
                throw new KmclException(KmclFunction.VMB_CHANNEL_CLEANUP, st, "channel " + id);
            }
        }
    }

    /**
     * Like {@link #close()}, bounded for packets user code holds. Disable waits for every packet handed out to
     * end (B94); when {@code timeout} elapses first, close fails every packet user code still holds
     * ({@link #outstandingPackets()}, VmbChannelPacketFail: the sender gets no completion, and the queue stops so
     * nothing more is handed out), lets the disable finish, cleans the channel up and then throws
     * {@link PacketsHeldException} naming the packets it failed. When nothing is held at the timeout nothing is
     * failed; a packet handler that never returns can still keep the disable waiting.
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (closed) {
            return;
        }
        dispatcher.checkNotOnDispatcher("close (VmbChannelDisable + VmbChannelCleanup)");
        HeldPacketReaper reaper = new HeldPacketReaper(id, inbox.gate(), timeout);
        RuntimeException closeError = null;
        List<IncomingPacket> failed;
        try {
            close();
        } catch (RuntimeException e) {
            closeError = e;
        } finally {
            failed = reaper.finish();
        }
        if (closeError != null) {
            if (!failed.isEmpty()) {
                closeError.addSuppressed(new PacketsHeldException(this, timeout, failed));
            }
            throw closeError;
        }
        if (!failed.isEmpty()) {
            throw new PacketsHeldException(this, timeout, failed);
        }
    }

    /** True once {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    void checkOpenHandle() {
        if (closed) {
            throw new IllegalStateException("channel " + id + " is closed");
        }
    }

    static void check(KmclFunction fn, int status, String detail) {
        if (!NtStatus.isSuccess(status)) {
            throw new KmclException(fn, status, detail);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[id=" + id + ", endpoint=" + endpoint.name() + "]";
    }
}
