package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ChannelState;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.ChannelQuery;
import dev.kmclbridge.spi.EventBatch;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One channel endpoint and the state machine of docs/kmcl-api.md section 4.0, together with the peer's view of
 * the same connection. Every field is guarded by {@link #lock}; blocking calls wait on {@link #changed}, which
 * releases the lock, so receive/complete/peer calls proceed while pause/disable/deleteGpadl/sendSynchronous wait.
 */
final class FakeChannel {
    private static final int SUCCESS = NtStatus.SUCCESS.value();
    private static final byte[] EMPTY = new byte[0];
    private static final int WAIT_FOR_COMPLETION = 0x1;
    private static final int FORMAT_FLAGS = 0x7;
    /** Type the MalformedPacket fault writes into a descriptor (not a VMBus packet type). */
    static final int MALFORMED_TYPE = 0x3F;

    final FakeBackend backend;
    final long id;
    final boolean server;
    /** VmbChannelGetInterfaceInstance: unique per channel, fixed at allocation. */
    final UUID instance;
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final FaultPlan faults = new FaultPlan();

    // ---- configuration (Init* and setters)
    private String friendlyName = FakeDefaults.FRIENDLY_NAME;
    private int maxPacketSize = FakeDefaults.MAXIMUM_PACKET_SIZE;
    private int maxExternalData = FakeDefaults.MAXIMUM_EXTERNAL_DATA;
    private int maxExternalChain = FakeDefaults.MAXIMUM_EXTERNAL_CHAIN;
    private int clientContextSize = FakeDefaults.CLIENT_CONTEXT_SIZE;
    private int initFlags;
    private boolean processingCompleteCallback = true;
    private boolean incomingAtPassive = FakeDefaults.INCOMING_AT_PASSIVE;
    private int quota = FakeDefaults.TRANSACTION_QUOTA;
    private int incomingPages;
    private int outgoingPages;
    /** Client: PnP target; server: offer type/instance. */
    UUID targetType;
    UUID targetInstance;
    private int serverFlags;
    private int mmioMegabytes;
    private int mmioMegabytesOptional;
    int targetVtl;

    // ---- state
    private ChannelState state = ChannelState.DISABLED;
    private boolean everEnabled;
    private boolean runPaused;
    private boolean open;
    private boolean running;
    private boolean suspended;
    private boolean closing;
    private boolean queueStopped;
    private boolean quotaStalled;
    boolean pnpFailed;
    private boolean cleaned;
    private boolean offerVisible;
    private long mmioAddress;
    private long mmioSize;
    private long mmioOfferMegabytes;
    /** Client: the offer it is bound to (guarded by the bus lock). */
    Offer bound;

    // ---- rings and queues
    private VmbusRing incoming;
    private VmbusRing outgoing;
    private final EventQueue events = new EventQueue();
    private final ArrayDeque<IncomingPacket> staged = new ArrayDeque<>();
    private final ArrayDeque<byte[]> peerQueue = new ArrayDeque<>();
    private final ArrayDeque<Integer> peerQueueLengths = new ArrayDeque<>();
    private final ArrayDeque<OutgoingTransaction> sendQueue = new ArrayDeque<>();
    private final Map<Long, OutgoingTransaction> inFlight = new LinkedHashMap<>();
    private final Map<Long, long[]> queuedPfns = new java.util.HashMap<>();
    private boolean forcedStall;
    private int sinceProcessingComplete;

    // ---- peer side
    private boolean peerReading = true;
    private final ArrayDeque<PeerPacket> arrivals = new ArrayDeque<>();
    private final Map<Long, PeerPacket> peerOutstanding = new LinkedHashMap<>();
    private final Map<Long, PeerOutcome> outcomes = new java.util.HashMap<>();
    final GpadlTable gpadls = new GpadlTable();

    // ---- counters
    private long packetsIn;
    private long bytesIn;
    private long packetsOut;
    private long bytesOut;
    private long completionsSent;
    private long completionsReceived;
    private long packetsFailed;
    private long pending;
    private long pendingOutgoing;
    private long highWater;
    private long ringFullEvents;
    private long batches;
    private long context;
    private int latency = FakeDefaults.INTERRUPT_LATENCY_100NS;
    private long malformedRejected;
    private long oversizedDropped;

    FakeChannel(FakeBackend backend, long id, boolean server, UUID endpointType, UUID endpointInstance, UUID instance) {
        this.backend = backend;
        this.id = id;
        this.server = server;
        this.instance = instance;
        this.targetType = endpointType;
        // client: the endpoint's offer; server: the endpoint's type with a fresh instance (the channel's own)
        this.targetInstance = server ? instance : endpointInstance;
        this.runPaused = server; // B44: a server starts paused until VmbChannelStart
        this.incomingPages = server ? FakeDefaults.GUEST_PEER_RING_PAGES : FakeDefaults.INCOMING_RING_PAGES;
        this.outgoingPages = server ? FakeDefaults.GUEST_PEER_RING_PAGES : FakeDefaults.OUTGOING_RING_PAGES;
    }

    // =====================================================================================================
    // configuration

    int configure(ChannelConfig c, int[] outFailed) {
        lock.lock();
        try {
            int[] st = {SUCCESS};
            boolean init = !everEnabled;
            // slot 10..16 (client Init*), 23, 26 (setters), 29, 30 (client-only Init*), then server-only 8, 9, 11, 12
            if (c.clientContextSize().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE, initStatus())) {
                clientContextSize = c.clientContextSize().getAsInt();
            }
            if (c.channelFlags().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_FLAGS,
                    initStatus(), (c.channelFlags().getAsInt() & ~ChannelConfig.INIT_FLAG_IS_PIPE) != 0 ? p(2) : SUCCESS)) {
                initFlags = c.channelFlags().getAsInt();
            }
            if (c.friendlyName().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_FRIENDLY_NAME, initStatus())) {
                friendlyName = c.friendlyName().get();
            }
            if (c.maximumExternalData().isPresent()) {
                ChannelConfig.ExternalDataLimits e = c.maximumExternalData().get();
                if (check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA, initStatus(),
                        e.dataSize() == 0 ? p(2) : e.chainLength() == 0 ? p(3) : SUCCESS)) {
                    maxExternalData = e.dataSize();
                    maxExternalChain = e.chainLength();
                }
            }
            if (c.maximumPacketSize().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                    initStatus(), c.maximumPacketSize().getAsInt() == 0 ? p(2) : SUCCESS)) {
                maxPacketSize = c.maximumPacketSize().getAsInt();
            }
            // The bridge registers its packet and state callbacks with every configure of a never-enabled channel;
            // afterwards only an explicit state-callback header counts as a request (and fails with _1).
            if (init && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS, initStatus())) {
                processingCompleteCallback = c.processingCompleteCallback();
            }
            if (init || c.stateCallbacksHeader().isPresent()) {
                ChannelConfig.StateCallbacksHeader h = c.stateCallbacksHeader().orElse(ChannelConfig.StateCallbacksHeader.V1);
                check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS, initStatus(),
                        h.equals(ChannelConfig.StateCallbacksHeader.V1) ? SUCCESS : p(2));
            }
            if (c.incomingProcessingAtPassive().isPresent()
                    && check(st, outFailed, KmclFunction.VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE, SUCCESS)) {
                incomingAtPassive = c.incomingProcessingAtPassive().get();
            }
            if (c.transactionQuota().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_SET_TRANSACTION_QUOTA, SUCCESS)) {
                setQuotaLocked(c.transactionQuota().getAsInt());
            }
            if (c.ringBufferPages().isPresent()) {
                ChannelConfig.RingPages r = c.ringBufferPages().get();
                if (check(st, outFailed, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT, initStatus(),
                        server ? NtStatus.INVALID_DEVICE_REQUEST.value() : r.incoming() == 0 ? p(2) : r.outgoing() == 0 ? p(3)
                                : r.incoming() > FakeDefaults.MAXIMUM_RING_PAGES || r.outgoing() > FakeDefaults.MAXIMUM_RING_PAGES
                                ? NtStatus.INSUFFICIENT_RESOURCES.value() : SUCCESS)) {
                    incomingPages = r.incoming();
                    outgoingPages = r.outgoing();
                }
            }
            if (c.targetPnp().isPresent() && check(st, outFailed, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP,
                    initStatus(), server ? NtStatus.INVALID_DEVICE_REQUEST.value() : SUCCESS)) {
                targetType = c.targetPnp().get().interfaceType();
                targetInstance = c.targetPnp().get().interfaceInstance().orElse(null);
            }
            int serverOnly = server ? SUCCESS : NtStatus.INVALID_DEVICE_REQUEST.value();
            if (c.serverFlags().isPresent() && check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_FLAGS,
                    initStatus(), serverOnly, (c.serverFlags().getAsInt() & ~0x1F) != 0 ? p(2) : SUCCESS)) {
                serverFlags = c.serverFlags().getAsInt();
            }
            if (c.mmioMegabytes().isPresent()) {
                ChannelConfig.Mmio m = c.mmioMegabytes().get();
                if (check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES, initStatus(), serverOnly,
                        m.megabytes() == 0 && m.megabytesOptional() == 0 ? NtStatus.INVALID_PARAMETER.value() : SUCCESS)) {
                    mmioMegabytes = m.megabytes();
                    mmioMegabytesOptional = m.megabytesOptional();
                }
            }
            if (c.targetInterface().isPresent() && check(st, outFailed,
                    KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_INTERFACE_ID, initStatus(), serverOnly)) {
                targetType = c.targetInterface().get().interfaceType();
                targetInstance = c.targetInterface().get().interfaceInstance();
            }
            if (c.targetVtl().isPresent() && check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL,
                    initStatus(), serverOnly, c.targetVtl().getAsInt() > 2 ? p(2) : SUCCESS)) {
                targetVtl = c.targetVtl().getAsInt();
            }
            return st[0];
        } finally {
            lock.unlock();
        }
    }

    private static int p(int n) {
        return n == 2 ? NtStatus.INVALID_PARAMETER_2.value() : NtStatus.INVALID_PARAMETER_3.value();
    }

    private int initStatus() {
        return everEnabled ? NtStatus.INVALID_PARAMETER_1.value() : SUCCESS;
    }

    /** Applies one KMCL call unless an earlier one failed; the first failing status among {@code statuses} wins. */
    private static boolean check(int[] st, int[] outFailed, KmclFunction f, int... statuses) {
        if (st[0] != SUCCESS) {
            return false;
        }
        for (int s : statuses) {
            if (s != SUCCESS) {
                st[0] = s;
                outFailed[0] = f.code();
                return false;
            }
        }
        return true;
    }

    int setQuota(int q) {
        lock.lock();
        try {
            setQuotaLocked(q);
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    private void setQuotaLocked(int q) {
        if (q != 0) { // B83: 0 is invalid and VOID reports nothing; the fake ignores it
            quota = q;
        }
        // B82: a quota stall is not cleared here, only by the next completion
    }

    int setContext(long value) {
        lock.lock();
        try {
            context = value;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int setInterruptLatency(int value, int[] outOriginal) {
        lock.lock();
        try {
            if (!open) {
                return NtStatus.INVALID_DEVICE_STATE.value();
            }
            if (value < 0 || value > 0xFFFF) {
                return NtStatus.INVALID_PARAMETER_2.value();
            }
            outOriginal[0] = latency;
            latency = value;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================================
    // state machine

    boolean isServer() {
        return server;
    }

    boolean isEnabledAndUnbound() {
        lock.lock();
        try {
            return state == ChannelState.ENABLED && !server && !pnpFailed && !cleaned;
        } finally {
            lock.unlock();
        }
    }

    /** Enable, channel part (the bus binds client channels afterwards). */
    int enable() {
        lock.lock();
        try {
            if (state != ChannelState.DISABLED) {
                return NtStatus.INVALID_DEVICE_STATE.value();
            }
            everEnabled = true;
            queueStopped = false;
            quotaStalled = false;
            pnpFailed = false;
            sinceProcessingComplete = 0;
            state = ChannelState.ENABLED;
            offerVisible = server;
            changed.signalAll();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    /** Client: the bus found a matching offer. Caller holds the bus lock. */
    void bindAndOpen(Offer offer) {
        lock.lock();
        try {
            bound = offer;
            mmioOfferMegabytes = offer.options.mmioMegabytes();
            openConnection(incomingPages, outgoingPages);
        } finally {
            lock.unlock();
        }
    }

    /** Consumes a PnP failure armed on this channel, or returns null. */
    Integer takePnpFailure() {
        lock.lock();
        try {
            return faults.takePnpFailure();
        } finally {
            lock.unlock();
        }
    }

    /** Client: the PnP target was found but connecting failed (B156). */
    void pnpFailure(int status) {
        lock.lock();
        try {
            pnpFailed = true;
            events.state(EventBatch.STATE_PNP_FAILURE, status);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Guest peer opens our server channel's offer. */
    void peerOpen() {
        lock.lock();
        try {
            if (!server) {
                throw new IllegalStateException("channel " + id + " is a client channel; the host peer opens it by offering");
            }
            if (!offerVisible || (state != ChannelState.ENABLED && state != ChannelState.CLOSED)) {
                throw new IllegalStateException("channel " + id + " has no visible offer (state " + state + ")");
            }
            if (targetVtl != 0) {
                throw new IllegalStateException("channel " + id + " is offered to VTL " + targetVtl + "; the guest peer runs in VTL 0");
            }
            mmioOfferMegabytes = (long) mmioMegabytes + mmioMegabytesOptional;
            openConnection(FakeDefaults.GUEST_PEER_RING_PAGES, FakeDefaults.GUEST_PEER_RING_PAGES);
        } finally {
            lock.unlock();
        }
    }

    private void openConnection(int inPages, int outPages) {
        incoming = new VmbusRing(inPages);
        outgoing = new VmbusRing(outPages);
        open = true;
        closing = false;
        mmioSize = mmioOfferMegabytes * 1024L * 1024L;
        mmioAddress = mmioSize == 0 ? 0 : FakeDefaults.MMIO_BASE + (id & 0xFFFF) * 0x1000_0000L;
        state = ChannelState.OPEN;
        events.state(EventBatch.STATE_OPENED, 0);
        if (!runPaused) {
            startRunning();
        }
        pump();
        changed.signalAll();
    }

    private void startRunning() {
        events.state(EventBatch.STATE_STARTED, 0);
        running = true;
        suspended = false;
        state = ChannelState.ACTIVE;
        // Q9: delivery is enabled first (receive may hand out packets from here on), then PostStarted
        events.state(EventBatch.STATE_POST_STARTED, 0);
        changed.signalAll();
    }

    private void suspendRunning() {
        if (!running) {
            return;
        }
        endBatchInto();
        events.state(EventBatch.STATE_SUSPEND, 0);
        running = false;
        suspended = true;
        state = ChannelState.OPEN;
        changed.signalAll();
    }

    int start() {
        lock.lock();
        try {
            if (state == ChannelState.DISABLED) {
                return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B92: outside Enable..Disable
            }
            runPaused = false;
            if (open && !running && !closing) {
                startRunning();
            }
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int pause() throws InterruptedException {
        lock.lock();
        try {
            runPaused = true;
            if (state == ChannelState.DISABLED) {
                return SUCCESS; // B88: auto-pause, no callbacks, no blocking
            }
            suspendRunning();
            while (pending > 0 && !cleaned) {
                changed.await();
            }
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    /** The peer closed (guest close of our server channel, or host rescind of our client's offer). */
    void peerClose() {
        lock.lock();
        try {
            if (!open) {
                return;
            }
            suspendRunning();
            closing = true;
            offerVisible = server; // the server keeps its offer (B96)
            maybeFinishClose();
        } finally {
            lock.unlock();
        }
    }

    private void maybeFinishClose() {
        if (closing && pending == 0) {
            finishClose(true);
        }
    }

    private void finishClose(boolean peerInitiated) {
        if (!open) {
            return;
        }
        events.state(EventBatch.STATE_CLOSED, 0);
        open = false;
        running = false;
        suspended = false;
        closing = false;
        mmioAddress = 0;
        mmioSize = 0;
        // the connection's rings go away with everything still in them
        dropIncoming();
        outgoing.discardAll();
        arrivals.clear();
        peerOutstanding.clear();
        gpadls.dropPeerOwnedAndUnmap();
        if (peerInitiated && !server) {
            // Q8 (client): the host is gone; transmitted transactions can never complete
            cancelInFlight();
        }
        if (peerInitiated) {
            state = server ? ChannelState.CLOSED : ChannelState.DISABLED;
        }
        // queued (untransmitted) sends stay queued (B99) until the next open or Disable
        changed.signalAll();
    }

    private void dropIncoming() {
        for (IncomingPacket p : staged) {
            p.state = IncomingPacket.RETIRED;
            if (p.id != 0) {
                backend.forgetPacket(p.id);
            }
        }
        staged.clear();
        while (incoming != null && !incoming.isEmpty()) {
            PacketFraming.Frame f = incoming.read();
            if (f != null && f.pfns().length > 0) {
                backend.memory.release(f.pfns());
            }
        }
        for (byte[] encoded : peerQueue) {
            PacketFraming.Frame f = PacketFraming.decode(encoded, -1);
            backend.memory.release(f.pfns());
        }
        peerQueue.clear();
        peerQueueLengths.clear();
        sinceProcessingComplete = 0;
    }

    private void cancelInFlight() {
        List<OutgoingTransaction> txs = new ArrayList<>(inFlight.values());
        inFlight.clear();
        for (OutgoingTransaction tx : txs) {
            finishTx(tx, NtStatus.CANCELLED.value(), EMPTY);
        }
    }

    /** Disable, channel part: blocks until teardown is done. The bus unbinds the offer afterwards. */
    int disable() throws InterruptedException {
        lock.lock();
        try {
            if (state == ChannelState.DISABLED) {
                return SUCCESS;
            }
            offerVisible = false;
            suspendRunning();
            while (pending > 0 && !cleaned) {
                changed.await();
            }
            if (open) {
                finishClose(false);
            }
            // Q7/Q8: queued and in-flight sends end with STATUS_CANCELLED
            for (OutgoingTransaction tx : sendQueue) {
                long[] pfns = queuedPfns.remove(tx.txId);
                if (pfns != null) {
                    backend.memory.release(pfns);
                }
                finishTx(tx, NtStatus.CANCELLED.value(), EMPTY);
            }
            sendQueue.clear();
            cancelInFlight();
            state = ChannelState.DISABLED;
            closing = false;
            suspended = false;
            forcedStall = false;
            changed.signalAll();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int cleanup() {
        lock.lock();
        try {
            if (state != ChannelState.DISABLED) {
                return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B35
            }
            cleaned = true;
            state = ChannelState.CLEANED_UP;
            dropIncoming();
            for (OutgoingTransaction tx : sendQueue) {
                long[] pfns = queuedPfns.remove(tx.txId);
                if (pfns != null) {
                    backend.memory.release(pfns);
                }
            }
            sendQueue.clear();
            inFlight.clear();
            events.clear();
            gpadls.clear();
            changed.signalAll();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    boolean isOpen() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    ChannelState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================================
    // outgoing

    int send(long tag, byte[] payload, byte[] external, int form, int flags) {
        lock.lock();
        try {
            int v = validateSend(payload, external, form, flags, false);
            if (v != SUCCESS) {
                return v;
            }
            if (suspended) {
                return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B93: no sends between Suspend and Started/Closed
            }
            if (faults.takeAllocationFailure()) {
                return NtStatus.INSUFFICIENT_RESOURCES.value();
            }
            OutgoingTransaction tx = new OutgoingTransaction(tag, backend.nextTxId(), payload, external,
                    (flags & WAIT_FOR_COMPLETION) != 0, false);
            accept(tx);
            if (faults.takeRingFull()) {
                forcedStall = true;
            }
            if (open && (forcedStall || !sendQueue.isEmpty())) {
                // the ring is full (or a slow peer holds it): this send finds it full and queues behind
                tx.sawRingFull = true;
                ringFullEvents++;
            }
            sendQueue.addLast(tx);
            pump();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    private void accept(OutgoingTransaction tx) {
        packetsOut++;
        bytesOut += tx.bytes();
        pendingOutgoing++;
    }

    private int validateSend(byte[] payload, byte[] external, int form, int flags, boolean synchronous) {
        if ((flags & ~FORMAT_FLAGS) != 0) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (form != Backend.EXTERNAL_NONE && form != Backend.EXTERNAL_MDL && form != Backend.EXTERNAL_PFNS) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (!synchronous && (form == Backend.EXTERNAL_NONE) != (external == null)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (!synchronous && form != Backend.EXTERNAL_NONE && (flags & WAIT_FOR_COMPLETION) == 0) {
            return NtStatus.INVALID_PARAMETER.value(); // B115
        }
        if (payload.length > maxPacketSize) {
            return NtStatus.INVALID_PARAMETER.value(); // B120
        }
        if (external != null && (external.length == 0 || external.length > maxExternalData)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        long onRing = PacketFraming.onRingSize(payload.length, external == null ? 0 : external.length);
        int ringSize = (outgoing != null ? outgoing.size() : outgoingPages * PacketFraming.PAGE_SIZE);
        if (!VmbusRing.everFits(onRing, ringSize)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        return SUCCESS;
    }

    /** Moves queued sends into the outgoing ring and lets a reading peer drain it, until nothing moves. */
    private void pump() {
        boolean progress = true;
        while (progress) {
            progress = false;
            while (open && !forcedStall && !sendQueue.isEmpty()) {
                OutgoingTransaction tx = sendQueue.peekFirst();
                long[] pfns = null;
                if (tx.external != null) {
                    pfns = queuedPfns.computeIfAbsent(tx.txId, k -> backend.memory.store(tx.external));
                }
                int flags = tx.waitForCompletion ? PacketFraming.FLAG_COMPLETION_REQUESTED : 0;
                byte[] encoded = PacketFraming.encode(flags, tx.txId, tx.payload, pfns,
                        tx.external == null ? 0 : tx.external.length);
                if (!outgoing.write(encoded, tx.payload.length)) {
                    if (!tx.sawRingFull) {
                        tx.sawRingFull = true;
                        ringFullEvents++;
                    }
                    break;
                }
                queuedPfns.remove(tx.txId);
                sendQueue.pollFirst();
                progress = true;
                if (tx.waitForCompletion) {
                    inFlight.put(tx.txId, tx);
                } else {
                    finishTx(tx, SUCCESS, EMPTY); // B108: done once it is in the ring
                }
            }
            if (open && peerReading && !faults.delayed() && peerReadAll()) {
                progress = true;
            }
        }
    }

    private void finishTx(OutgoingTransaction tx, int status, byte[] reply) {
        if (tx.done) {
            return;
        }
        tx.done = true;
        tx.status = status;
        tx.reply = reply;
        pendingOutgoing--;
        completionsReceived++;
        if (!tx.synchronous) {
            events.sendComplete(tx.tag, status, reply);
        }
        changed.signalAll();
    }

    int sendSynchronous(byte[] payload, byte[] external, int flags, ByteBuffer completionOut, int[] inOutSize,
                        boolean hasTimeout, long timeout100ns) throws InterruptedException {
        long deadlineNanos = Long.MAX_VALUE;
        if (hasTimeout) {
            long relative100ns = timeout100ns < 0 ? -timeout100ns : timeout100ns - nowFileTime();
            deadlineNanos = System.nanoTime() + Math.max(0, Math.min(relative100ns, Long.MAX_VALUE / 200)) * 100;
        }
        lock.lock();
        try {
            int capacity = inOutSize[0];
            if (capacity < 0 || capacity % 8 != 0) {
                return NtStatus.INVALID_PARAMETER.value(); // B125
            }
            if (!open || suspended || closing) {
                return NtStatus.DEVICE_REMOVED.value(); // B130
            }
            boolean wait = (flags & WAIT_FOR_COMPLETION) != 0;
            boolean fireAndForget = hasTimeout && timeout100ns == 0 && !wait;
            if (server && !fireAndForget) {
                return NtStatus.INVALID_PARAMETER.value(); // B131
            }
            int v = validateSend(payload, external, external == null ? Backend.EXTERNAL_NONE : Backend.EXTERNAL_MDL, flags, true);
            if (v != SUCCESS) {
                return v;
            }
            if (faults.takeAllocationFailure()) {
                return NtStatus.INSUFFICIENT_RESOURCES.value();
            }
            OutgoingTransaction tx = new OutgoingTransaction(0, backend.nextTxId(), payload, external, !fireAndForget, true);
            if (hasTimeout && timeout100ns == 0) {
                // B129: with a zero timeout a packet that does not fit is not queued
                if (forcedStall || faults.takeRingFull() || !sendQueue.isEmpty() || !outgoing.fits(tx.onRingSize())) {
                    ringFullEvents++;
                    return NtStatus.BUFFER_OVERFLOW.value();
                }
            }
            accept(tx);
            sendQueue.addLast(tx);
            pump();
            if (fireAndForget) {
                inOutSize[0] = 0;
                return tx.status;
            }
            while (!tx.done) {
                long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
                if (left <= 0 || cleaned) {
                    // B128: the packet is cancelled
                    sendQueue.remove(tx);
                    long[] pfns = queuedPfns.remove(tx.txId);
                    if (pfns != null) {
                        backend.memory.release(pfns);
                    }
                    inFlight.remove(tx.txId);
                    finishTx(tx, NtStatus.CANCELLED.value(), EMPTY);
                    break;
                }
                if (left == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    changed.awaitNanos(left);
                }
            }
            if (tx.status != SUCCESS) {
                return tx.status;
            }
            byte[] reply = tx.reply;
            if (reply.length > capacity) {
                inOutSize[0] = reply.length; // nothing copied; size = bytes needed
                return NtStatus.BUFFER_OVERFLOW.value();
            }
            if (reply.length > 0) {
                if (completionOut == null || completionOut.remaining() < reply.length) {
                    throw new IllegalArgumentException("completion buffer has fewer bytes remaining than the stated capacity");
                }
                completionOut.duplicate().put(reply);
            }
            inOutSize[0] = reply.length;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    private static long nowFileTime() {
        return (System.currentTimeMillis() + 11_644_473_600_000L) * 10_000L;
    }

    // =====================================================================================================
    // incoming

    int receive(EventBatch batch, long timeoutMillis, int[] outNeeded) throws InterruptedException {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (true) {
                if (cleaned) {
                    return NtStatus.CANCELLED.value();
                }
                int st = fill(batch, outNeeded);
                if (st != SUCCESS || batch.count() > 0) {
                    return st;
                }
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return NtStatus.TIMEOUT.value();
                }
                if (left == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    changed.awaitNanos(left);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private int fill(EventBatch batch, int[] outNeeded) {
        if (!appendBatchEnd(batch)) {
            return tooSmall(batch, EventBatch.HEADER_SIZE, outNeeded);
        }
        EventQueue.Event ev;
        while ((ev = events.peek()) != null) {
            if (!ev.appendTo(batch)) {
                return tooSmall(batch, ev.recordSize(), outNeeded);
            }
            events.poll();
        }
        while (running && !queueStopped && !closing) {
            IncomingPacket p = nextIncoming();
            if (p == null) {
                break;
            }
            if (quotaStalled || pending >= quota) {
                quotaStalled = true; // B80/B81: stays stalled until a completion (B82)
                break;
            }
            int size = EventBatch.recordSize(p.bodyBytes());
            if (size > batch.remaining()) {
                return tooSmall(batch, size, outNeeded);
            }
            deliver(p, batch);
        }
        appendBatchEnd(batch);
        return SUCCESS;
    }

    private static int tooSmall(EventBatch batch, int needed, int[] outNeeded) {
        if (batch.count() == 0) {
            outNeeded[0] = needed;
            return NtStatus.BUFFER_TOO_SMALL.value();
        }
        return SUCCESS;
    }

    /**
     * Appends the processing-complete record if the current batch ended (ring empty or quota stall, B67/B69).
     * Returns false when it is owed but does not fit (the caller stops filling).
     */
    private boolean appendBatchEnd(EventBatch batch) {
        if (sinceProcessingComplete == 0 || queueStopped) {
            return true;
        }
        boolean ended = quotaStalled || (staged.isEmpty() && incoming != null && incoming.isEmpty()) || !running;
        if (!ended) {
            return true;
        }
        if (processingCompleteCallback) {
            if (!batch.append(EventBatch.KIND_PROCESSING_COMPLETE, 0, 0, 0, sinceProcessingComplete, null, null)) {
                return false;
            }
        }
        batches++;
        sinceProcessingComplete = 0;
        return true;
    }

    /** At Suspend: the running batch ends; its record goes into the FIFO ahead of the Suspend event. */
    private void endBatchInto() {
        if (sinceProcessingComplete == 0 || queueStopped) {
            return;
        }
        if (processingCompleteCallback) {
            events.processingComplete(sinceProcessingComplete);
        }
        batches++;
        sinceProcessingComplete = 0;
    }

    private IncomingPacket nextIncoming() {
        if (!staged.isEmpty()) {
            return staged.peekFirst();
        }
        while (incoming != null && !incoming.isEmpty()) {
            PacketFraming.Frame f = incoming.read();
            drainPeerQueue();
            if (f.rejected() != null) {
                malformedRejected++;
                backend.memory.release(f.pfns());
                continue;
            }
            byte[] ext = null;
            if (f.type() == PacketFraming.TYPE_GPA_DIRECT) {
                ext = backend.memory.take(f.pfns(), f.rangeBytes());
                if (ext == null) {
                    malformedRejected++;
                    continue;
                }
            }
            if (f.payload().length > maxPacketSize || (ext != null && ext.length > maxExternalData)) {
                oversizedDropped++;
                continue;
            }
            IncomingPacket p = new IncomingPacket(this, f.txId(), f.payload(), ext,
                    (f.flags() & PacketFraming.FLAG_COMPLETION_REQUESTED) != 0);
            staged.addLast(p);
            return p;
        }
        return null;
    }

    private void drainPeerQueue() {
        while (!peerQueue.isEmpty()) {
            if (!incoming.write(peerQueue.peekFirst(), peerQueueLengths.peekFirst())) {
                return;
            }
            peerQueue.pollFirst();
            peerQueueLengths.pollFirst();
            changed.signalAll();
        }
    }

    private void deliver(IncomingPacket p, EventBatch batch) {
        staged.pollFirst();
        boolean redelivery = p.deferred;
        if (p.id == 0) {
            p.id = backend.registerPacket(p);
        }
        if (!redelivery) {
            packetsIn++;
            bytesIn += p.bodyBytes();
        }
        p.state = IncomingPacket.DELIVERED;
        pending++;
        highWater = Math.max(highWater, pending);
        sinceProcessingComplete++;
        int irql = redelivery || incomingAtPassive ? EventBatch.IRQL_PASSIVE
                : backend.random.nextBoolean() ? EventBatch.IRQL_DISPATCH : EventBatch.IRQL_PASSIVE;
        int flags = (p.external != null ? EventBatch.PACKET_FLAG_EXTERNAL_DATA : 0)
                | (p.completionRequested ? EventBatch.PACKET_FLAG_COMPLETION_REQUESTED : 0)
                | (redelivery ? EventBatch.PACKET_FLAG_REDELIVERY : 0);
        batch.append(EventBatch.KIND_PACKET, flags, p.id, irql, 0, ByteBuffer.wrap(p.payload),
                p.external == null ? null : ByteBuffer.wrap(p.external));
    }

    /** Status for a packet that cannot be ended now (not delivered). Caller holds the lock. */
    private static int notDelivered(IncomingPacket p) {
        if (p.state == IncomingPacket.RETIRED || p.deferred) {
            return NtStatus.BRIDGE_PACKET_RETIRED.value();
        }
        return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // requeued: owned by the channel again
    }

    int complete(IncomingPacket p, byte[] completion) {
        lock.lock();
        try {
            if (p.state != IncomingPacket.DELIVERED) {
                return notDelivered(p);
            }
            retire(p);
            completionsSent++;
            // B64/B65: a completion goes back only if the sender asked for one
            outcomes.put(p.peerTxId, new PeerOutcome(p.peerTxId, PeerOutcome.Kind.COMPLETED,
                    p.completionRequested ? completion : EMPTY));
            afterRetire();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int fail(IncomingPacket p) {
        lock.lock();
        try {
            if (p.state != IncomingPacket.DELIVERED) {
                return notDelivered(p);
            }
            retire(p);
            packetsFailed++;
            queueStopped = true; // B73/B74/Q6: until Disable
            sinceProcessingComplete = 0; // Q22: no processing-complete after a fail
            outcomes.put(p.peerTxId, new PeerOutcome(p.peerTxId, PeerOutcome.Kind.FAILED, EMPTY));
            afterRetire();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int deferToPassive(IncomingPacket p) {
        lock.lock();
        try {
            if (p.state != IncomingPacket.DELIVERED) {
                return notDelivered(p);
            }
            p.state = IncomingPacket.STAGED;
            p.deferred = true;
            staged.addFirst(p);
            pending--;
            quotaStalled = false;
            afterRetire();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int requeue(long[] ids, int count) {
        lock.lock();
        try {
            int first = SUCCESS;
            List<IncomingPacket> back = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                IncomingPacket p = backend.packet(ids[i]);
                int st;
                if (p == null) {
                    st = backend.missingPacketStatus(ids[i]);
                } else if (p.channel != this) {
                    st = NtStatus.INVALID_HANDLE.value();
                } else if (p.state != IncomingPacket.DELIVERED) {
                    st = notDelivered(p);
                } else {
                    st = SUCCESS;
                    p.state = IncomingPacket.STAGED;
                    back.add(p);
                }
                if (first == SUCCESS && st != SUCCESS) {
                    first = st;
                }
            }
            for (int i = back.size() - 1; i >= 0; i--) {
                IncomingPacket p = back.get(i);
                staged.addFirst(p);
                pending--;
                if (!p.deferred) {
                    packetsIn--;
                    bytesIn -= p.bodyBytes();
                }
                if (sinceProcessingComplete > 0) {
                    sinceProcessingComplete--;
                }
            }
            if (!back.isEmpty()) {
                quotaStalled = false;
                afterRetire();
            }
            return first;
        } finally {
            lock.unlock();
        }
    }

    private void retire(IncomingPacket p) {
        p.state = IncomingPacket.RETIRED;
        backend.forgetPacket(p.id);
        pending--;
        quotaStalled = false; // B82: the next completion clears a quota stall
    }

    private void afterRetire() {
        maybeFinishClose();
        changed.signalAll();
    }

    // =====================================================================================================
    // GPADLs

    int createGpadl(int size, int flags, int[] outHandle) {
        lock.lock();
        try {
            if (server) {
                return NtStatus.INVALID_DEVICE_REQUEST.value();
            }
            if (!open) {
                return NtStatus.INVALID_DEVICE_STATE.value();
            }
            if (size <= 0 || (flags & ~0x1) != 0) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            outHandle[0] = gpadls.create(size, (flags & 0x1) != 0, true).handle;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int deleteGpadl(int handle) throws InterruptedException {
        lock.lock();
        try {
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null || !g.ours) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            while (g.mapped && !cleaned) {
                changed.await(); // B142
            }
            gpadls.remove(handle);
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int mapGpadl(int handle, int flags) {
        lock.lock();
        try {
            if (!server) {
                return NtStatus.INVALID_DEVICE_REQUEST.value();
            }
            if ((flags & ~0x1) != 0) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null || g.ours) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            if ((flags & 0x1) == 0 && g.readOnly) {
                return NtStatus.ACCESS_DENIED.value(); // B138
            }
            if (g.mapped) {
                return NtStatus.INVALID_DEVICE_STATE.value(); // B140
            }
            g.mapped = true;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int unmapGpadl(int handle) {
        lock.lock();
        try {
            if (!server) {
                return NtStatus.INVALID_DEVICE_REQUEST.value();
            }
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null || g.ours) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            if (!g.mapped) {
                return NtStatus.INVALID_DEVICE_STATE.value();
            }
            g.mapped = false;
            changed.signalAll();
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    int gpadlAccess(int handle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        lock.lock();
        try {
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            if (mapped) {
                if (!server) {
                    return NtStatus.INVALID_DEVICE_REQUEST.value();
                }
                if (g.ours || !g.mapped) {
                    return NtStatus.INVALID_DEVICE_STATE.value();
                }
            } else if (!g.ours) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            int len = data.remaining();
            if (offset < 0 || offset + len > g.memory.length) {
                return NtStatus.INVALID_PARAMETER.value();
            }
            if (write) {
                data.duplicate().get(g.memory, (int) offset, len);
            } else {
                data.duplicate().put(g.memory, (int) offset, len);
            }
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================================
    // query

    int query(long[] out) {
        lock.lock();
        try {
            Arrays.fill(out, 0, ChannelQuery.LENGTH, 0L);
            out[ChannelQuery.STATE] = state.code();
            long f = 0;
            if (server) {
                f |= ChannelQuery.FLAG_SERVER;
            }
            if (runPaused) {
                f |= ChannelQuery.FLAG_PAUSED;
            }
            if (queueStopped) {
                f |= ChannelQuery.FLAG_QUEUE_STOPPED;
            }
            if (everEnabled) {
                f |= ChannelQuery.FLAG_EVER_ENABLED;
            }
            if (open) {
                f |= ChannelQuery.FLAG_OPEN | ChannelQuery.FLAG_MMIO_VALID;
            }
            if (open && (!peerReading || forcedStall || !sendQueue.isEmpty())) {
                f |= ChannelQuery.FLAG_OUTGOING_STALLED;
            }
            out[ChannelQuery.FLAGS] = f;
            out[ChannelQuery.INSTANCE_MSB] = instance.getMostSignificantBits();
            out[ChannelQuery.INSTANCE_LSB] = instance.getLeastSignificantBits();
            out[ChannelQuery.PACKETS_IN] = packetsIn;
            out[ChannelQuery.BYTES_IN] = bytesIn;
            out[ChannelQuery.PACKETS_OUT] = packetsOut;
            out[ChannelQuery.BYTES_OUT] = bytesOut;
            out[ChannelQuery.COMPLETIONS_SENT] = completionsSent;
            out[ChannelQuery.COMPLETIONS_RECEIVED] = completionsReceived;
            out[ChannelQuery.PACKETS_FAILED] = packetsFailed;
            out[ChannelQuery.PENDING_INCOMING] = pending;
            out[ChannelQuery.PENDING_OUTGOING] = pendingOutgoing;
            out[ChannelQuery.QUEUED_OUTGOING] = sendQueue.size();
            out[ChannelQuery.QUEUE_HIGH_WATER] = highWater;
            out[ChannelQuery.RING_FULL_EVENTS] = ringFullEvents;
            out[ChannelQuery.OUTGOING_RING_FREE] = outgoing != null && open ? outgoing.free() : (long) outgoingPages * PacketFraming.PAGE_SIZE;
            long stagedBytes = 0;
            for (IncomingPacket p : staged) {
                stagedBytes += p.onRingSize();
            }
            out[ChannelQuery.INCOMING_RING_USED] = (incoming != null && open ? incoming.used() : 0) + stagedBytes;
            out[ChannelQuery.BATCHES] = batches;
            out[ChannelQuery.SIZEOF_PACKET] = FakeDefaults.PACKET_OBJECT_OVERHEAD + PacketFraming.roundUp8(maxPacketSize) + 8;
            out[ChannelQuery.CONTEXT] = context;
            out[ChannelQuery.MMIO_ADDRESS] = mmioAddress;
            out[ChannelQuery.MMIO_SIZE] = mmioSize;
            out[ChannelQuery.INTERRUPT_LATENCY] = latency;
            return SUCCESS;
        } finally {
            lock.unlock();
        }
    }

    /** Fake-only counters: [malformed rejected, oversized dropped, peer queued, staged]. */
    long[] fakeCounters() {
        lock.lock();
        try {
            return new long[] {malformedRejected, oversizedDropped, peerQueue.size(), staged.size()};
        } finally {
            lock.unlock();
        }
    }

    String friendlyName() {
        return friendlyName;
    }

    int initFlags() {
        return initFlags;
    }

    int clientContextSize() {
        return clientContextSize;
    }

    int serverFlags() {
        return serverFlags;
    }

    int maxExternalChain() {
        return maxExternalChain;
    }

    // =====================================================================================================
    // peer side (called by FakePeer; the peer runs on the caller's thread)

    private void requireOpen(String what) {
        if (!open) {
            throw new IllegalStateException("channel " + id + " is not open: cannot " + what);
        }
    }

    long peerSend(byte[] payload, boolean completionRequested, byte[] external) {
        lock.lock();
        try {
            requireOpen("send a peer packet");
            int oversize = faults.takeOversized();
            if (oversize > payload.length) {
                payload = Arrays.copyOf(payload, oversize);
            }
            long txId = backend.nextTxId();
            long[] pfns = external == null || external.length == 0 ? null : backend.memory.store(external);
            byte[] encoded = PacketFraming.encode(completionRequested ? PacketFraming.FLAG_COMPLETION_REQUESTED : 0,
                    txId, payload, pfns, pfns == null ? 0 : external.length);
            if (faults.takeMalformed()) {
                PacketFraming.corruptType(encoded, MALFORMED_TYPE);
            }
            long onRing = encoded.length + (long) PacketFraming.TRAILER_SIZE;
            if (!VmbusRing.everFits(onRing, incoming.size())) {
                if (oversize > 0) {
                    oversizedDropped++; // the oversized packet cannot even be written: dropped and counted
                    if (pfns != null) {
                        backend.memory.release(pfns);
                    }
                    return txId;
                }
                if (pfns != null) {
                    backend.memory.release(pfns);
                }
                throw new IllegalArgumentException("a packet of " + onRing + " bytes on the ring never fits a ring of "
                        + incoming.size() + " bytes");
            }
            if (!peerQueue.isEmpty() || !incoming.write(encoded, payload.length)) {
                peerQueue.addLast(encoded);
                peerQueueLengths.addLast(payload.length);
            }
            changed.signalAll();
            return txId;
        } finally {
            lock.unlock();
        }
    }

    PeerOutcome awaitOutcome(long txId, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        lock.lock();
        try {
            while (true) {
                PeerOutcome o = outcomes.get(txId);
                if (o != null) {
                    return o;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || cleaned) {
                    return new PeerOutcome(txId, PeerOutcome.Kind.PENDING, EMPTY);
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns every recorded outcome (lets long runs keep memory flat). */
    List<PeerOutcome> drainOutcomes() {
        lock.lock();
        try {
            List<PeerOutcome> out = new ArrayList<>(outcomes.values());
            outcomes.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The peer reads everything in our outgoing ring. Returns true if it read anything. Lock held. */
    private boolean peerReadAll() {
        boolean any = false;
        while (outgoing != null && !outgoing.isEmpty()) {
            PacketFraming.Frame f = outgoing.read();
            any = true;
            if (f.rejected() != null) {
                continue;
            }
            byte[] ext = EMPTY;
            if (f.type() == PacketFraming.TYPE_GPA_DIRECT) {
                byte[] e = backend.memory.take(f.pfns(), f.rangeBytes());
                ext = e == null ? EMPTY : e;
            }
            boolean req = (f.flags() & PacketFraming.FLAG_COMPLETION_REQUESTED) != 0;
            PeerPacket pp = new PeerPacket(f.txId(), f.payload(), req, ext, f.type());
            arrivals.addLast(pp);
            if (req) {
                peerOutstanding.put(pp.txId(), pp);
            }
        }
        if (any) {
            changed.signalAll();
        }
        return any;
    }

    /** A peer action on this channel: a slow peer (RingFull fault) catches up, and the peer reads if it is reading. */
    private void peerTouch(boolean readEvenIfDelayed) {
        forcedStall = false;
        if (open && peerReading && readEvenIfDelayed) {
            peerReadAll();
        }
        pump();
    }

    List<PeerPacket> received() {
        lock.lock();
        try {
            peerTouch(true);
            List<PeerPacket> out = new ArrayList<>(peerOutstanding.values());
            for (PeerPacket p : arrivals) {
                if (!p.completionRequested()) {
                    out.add(p);
                }
            }
            out.sort((a, b) -> Long.compare(a.txId(), b.txId()));
            return out;
        } finally {
            lock.unlock();
        }
    }

    PeerPacket awaitReceived(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        lock.lock();
        try {
            while (true) {
                peerTouch(true);
                PeerPacket p = arrivals.pollFirst();
                if (p != null) {
                    return p;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || cleaned) {
                    return null;
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    void peerComplete(long txId, byte[] payload) {
        lock.lock();
        try {
            peerTouch(true);
            PeerPacket pp = peerOutstanding.remove(txId);
            if (pp == null) {
                throw new IllegalArgumentException("channel " + id + ": the peer holds no packet " + txId
                        + " awaiting completion (never read, no completion requested, or already completed)");
            }
            OutgoingTransaction tx = inFlight.remove(txId);
            if (tx != null) {
                finishTx(tx, SUCCESS, payload.clone()); // B64/B109
            }
            pump();
        } finally {
            lock.unlock();
        }
    }

    void setReading(boolean reading) {
        lock.lock();
        try {
            peerReading = reading;
            if (reading) {
                peerTouch(true);
            }
        } finally {
            lock.unlock();
        }
    }

    dev.kmclbridge.peer.RingStatus ringStatus() {
        lock.lock();
        try {
            int inSize = incoming != null && open ? incoming.size() : incomingPages * PacketFraming.PAGE_SIZE;
            int outSize = outgoing != null && open ? outgoing.size() : outgoingPages * PacketFraming.PAGE_SIZE;
            return new dev.kmclbridge.peer.RingStatus(inSize, incoming != null && open ? incoming.used() : 0,
                    outSize, outgoing != null && open ? outgoing.used() : 0, peerQueue.size());
        } finally {
            lock.unlock();
        }
    }

    boolean queueStopped() {
        lock.lock();
        try {
            return queueStopped;
        } finally {
            lock.unlock();
        }
    }

    void arm(dev.kmclbridge.peer.Fault fault) {
        lock.lock();
        try {
            faults.arm(fault);
        } finally {
            lock.unlock();
        }
    }

    java.time.Duration delay() {
        lock.lock();
        try {
            return faults.delay();
        } finally {
            lock.unlock();
        }
    }

    /** Host peer maps our GPADL. */
    GpadlTable.Gpadl peerMap(int handle, boolean readOnly) {
        lock.lock();
        try {
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null || !g.ours) {
                throw new IllegalArgumentException("channel " + id + " has no GPADL " + handle + " created by our side");
            }
            if (!readOnly && g.readOnly) {
                throw new IllegalStateException("GPADL " + handle + " was created read-only; a writable map fails (B138)");
            }
            if (g.mapped) {
                throw new IllegalStateException("GPADL " + handle + " is already mapped (B140)");
            }
            g.mapped = true;
            return g;
        } finally {
            lock.unlock();
        }
    }

    void peerUnmap(GpadlTable.Gpadl g) {
        lock.lock();
        try {
            g.mapped = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Reads or writes GPADL memory under the lock; {@code requireMapped} checks the peer mapping is live. */
    byte[] peerAccess(GpadlTable.Gpadl g, int offset, byte[] data, int length, boolean requireMapped) {
        lock.lock();
        try {
            if (requireMapped && (!g.mapped || gpadls.get(g.handle) != g)) {
                throw new IllegalStateException("GPADL " + g.handle + " is no longer mapped");
            }
            int len = data != null ? data.length : length;
            if (offset < 0 || len < 0 || (long) offset + len > g.memory.length) {
                throw new IndexOutOfBoundsException("GPADL " + g.handle + " has " + g.memory.length + " bytes; access "
                        + offset + "+" + len);
            }
            if (data != null) {
                System.arraycopy(data, 0, g.memory, offset, len);
                return null;
            }
            return Arrays.copyOfRange(g.memory, offset, offset + len);
        } finally {
            lock.unlock();
        }
    }

    /** Guest peer creates a GPADL on our server channel's connection. */
    int peerCreateGpadl(int size, boolean readOnly) {
        lock.lock();
        try {
            if (!server) {
                throw new IllegalStateException("channel " + id + " is a client channel; the host peer cannot create GPADLs on it");
            }
            requireOpen("create a guest GPADL");
            if (size <= 0) {
                throw new IllegalArgumentException("GPADL size must be > 0, was " + size);
            }
            return gpadls.create(size, readOnly, false).handle;
        } finally {
            lock.unlock();
        }
    }

    GpadlTable.Gpadl peerOwnedGpadl(int handle) {
        lock.lock();
        try {
            GpadlTable.Gpadl g = gpadls.get(handle);
            if (g == null || g.ours) {
                throw new IllegalArgumentException("channel " + id + " has no guest-created GPADL " + handle);
            }
            return g;
        } finally {
            lock.unlock();
        }
    }

    /** Backend close: ends every delivered packet, then disables. */
    void forceShutdown(List<IncomingPacket> delivered) throws InterruptedException {
        for (IncomingPacket p : delivered) {
            complete(p, EMPTY);
        }
        disable();
    }
}
