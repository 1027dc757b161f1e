package dev.kmclbridge.fake;

import dev.kmclbridge.spi.ChannelSettings;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.Fault;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.peer.PeerPacket;
import dev.kmclbridge.peer.RingStatus;
import dev.kmclbridge.spi.EventBatch;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One channel endpoint of the fake, with the peer's view of the same connection: the entry points the backend,
 * the bus and the peer call. Each entry takes the channel's one lock ({@link #monitor}) and hands the work to the
 * part that does it; the parts run with the lock held and wait on the same monitor, which releases the lock, so
 * receive/complete/peer calls proceed while pause/disable/deleteGpadl/sendSynchronous wait.
 */
final class FakeChannel {
    private static final int SUCCESS = NtStatus.SUCCESS.value();

    final long id;
    final boolean server;
    /** VmbChannelGetInterfaceInstance: unique per channel, fixed at allocation. */
    final UUID instance;
    final BackendResources shared;
    final Monitor monitor = new Monitor();
    final FaultPlan faults = new FaultPlan();
    final EventQueue events = new EventQueue();
    final ChannelConfiguration settings;
    final ChannelLifecycle lifecycle;
    final IncomingPath incoming;
    final OutgoingPath outgoing;
    final PeerEndpoint peer;
    final ChannelGpadls gpadls;
    final ChannelStatistics statistics;
    /** Client: the offer it is bound to (guarded by the bus lock). */
    Offer bound;

    FakeChannel(BackendResources shared, long id, boolean server, UUID endpointType, UUID endpointInstance, UUID instance) {
        this.shared = shared;
        this.id = id;
        this.server = server;
        this.instance = instance;
        this.settings = new ChannelConfiguration(server, endpointType, endpointInstance, instance);
        this.lifecycle = new ChannelLifecycle(this);
        this.incoming = new IncomingPath(this);
        this.outgoing = new OutgoingPath(this);
        this.peer = new PeerEndpoint(this);
        this.gpadls = new ChannelGpadls(this);
        this.statistics = new ChannelStatistics(this);
    }

    // ---- configuration

    int configure(ChannelSettings c, int[] outFailed) {
        return monitor.call(() -> settings.apply(c, lifecycle.everEnabled(), outFailed));
    }

    int setQuota(int quota) {
        return monitor.call(() -> settings.setQuota(quota));
    }

    int setContext(long value) {
        return monitor.call(() -> settings.setContext(value));
    }

    int setInterruptLatency(int value, int[] outOriginal) {
        return monitor.call(() -> settings.setInterruptLatency(value, outOriginal, lifecycle.latencySettable()));
    }

    // ---- state machine (the bus calls enable, bind, PnP failure, peer close and cleanup with its lock held)

    boolean isServer() {
        return server;
    }

    boolean isEnabledAndUnbound() {
        return monitor.get(lifecycle::isEnabledAndUnbound);
    }

    int enable() {
        return monitor.call(lifecycle::enable);
    }

    /** Client: the bus found a matching offer. Caller holds the bus lock. */
    void bindAndOpen(Offer offer) {
        monitor.run(() -> {
            bound = offer;
            lifecycle.openToOffer(offer);
        });
    }

    /** Consumes a PnP failure armed on this channel, or returns null. */
    Integer takePnpFailure() {
        return monitor.get(faults::takePnpFailure);
    }

    void pnpFailure(int status) {
        monitor.run(() -> lifecycle.pnpFailure(status));
    }

    void peerOpen() {
        monitor.run(lifecycle::peerOpen);
    }

    int start() {
        return monitor.call(lifecycle::start);
    }

    int pause() throws InterruptedException {
        return monitor.callWaiting(lifecycle::pause);
    }

    void peerClose() {
        monitor.run(lifecycle::peerClose);
    }

    /** Disable, channel part: blocks until teardown is done. The bus unbinds the offer afterwards. */
    int disable() throws InterruptedException {
        return monitor.callWaiting(lifecycle::disable);
    }

    int cleanup() {
        return monitor.call(lifecycle::cleanup);
    }

    boolean isOpen() {
        return monitor.get(lifecycle::isOpen);
    }

    // ---- outgoing

    int send(long tag, byte[] payload, byte[] external, int form, int flags) {
        return monitor.call(() -> outgoing.send(tag, payload, external, form, flags));
    }

    int sendSynchronous(byte[] payload, byte[] external, int flags, ByteBuffer completionOut, int[] inOutSize,
                        boolean hasTimeout, long timeout100ns) throws InterruptedException {
        long deadlineNanos = OutgoingPath.synchronousDeadline(hasTimeout, timeout100ns);
        return monitor.callWaiting(() -> outgoing.sendSynchronous(payload, external, flags, completionOut, inOutSize,
                hasTimeout, timeout100ns, deadlineNanos));
    }

    // ---- incoming

    int receive(EventBatch batch, long timeoutMillis, int[] outNeeded) throws InterruptedException {
        long deadlineNanos = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return monitor.callWaiting(() -> incoming.receive(batch, deadlineNanos, outNeeded));
    }

    int complete(IncomingPacket p, byte[] completion) {
        return monitor.call(() -> incoming.complete(p, completion));
    }

    /** Completes {@code packets[from..to)} (all of this channel) with their bodies in one entry of the lock. */
    void completeRun(IncomingPacket[] packets, byte[][] bodies, int from, int to, int[] outStatuses) {
        monitor.run(() -> {
            for (int i = from; i < to; i++) {
                outStatuses[i] = incoming.complete(packets[i], bodies[i]);
            }
        });
    }

    int fail(IncomingPacket p) {
        return monitor.call(() -> incoming.fail(p));
    }

    int deferToPassive(IncomingPacket p) {
        return monitor.call(() -> incoming.deferToPassive(p));
    }

    int requeue(long[] ids, int count) {
        return monitor.call(() -> incoming.requeue(ids, count));
    }

    // ---- GPADLs

    int createGpadl(int size, int flags, int[] outHandle) {
        return monitor.call(() -> gpadls.create(size, flags, outHandle));
    }

    int deleteGpadl(int handle) throws InterruptedException {
        return monitor.callWaiting(() -> gpadls.delete(handle));
    }

    int mapGpadl(int handle, int flags) {
        return monitor.call(() -> gpadls.map(handle, flags));
    }

    int unmapGpadl(int handle) {
        return monitor.call(() -> gpadls.unmap(handle));
    }

    int gpadlAccess(int handle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        return monitor.call(() -> gpadls.access(handle, mapped, offset, data, write));
    }

    // ---- query

    int query(long[] out) {
        return monitor.call(() -> {
            statistics.query(out);
            return SUCCESS;
        });
    }

    long malformedRejected() {
        return monitor.get(() -> statistics.malformedRejected);
    }

    long oversizedDropped() {
        return monitor.get(() -> statistics.oversizedDropped);
    }

    // ---- peer side (called by FakePeer; the peer runs on the caller's thread)

    long peerSend(byte[] payload, boolean completionRequested, byte[] external) {
        return monitor.get(() -> peer.send(payload, completionRequested, external));
    }

    /** The peer writes every payload in order in one entry of the lock (one wake for the batch). */
    long[] peerSendBatch(List<byte[]> payloads, boolean completionRequested) {
        return monitor.get(() -> {
            long[] ids = new long[payloads.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = peer.send(payloads.get(i), completionRequested, null);
            }
            return ids;
        });
    }

    PeerOutcome awaitOutcome(long txId, long timeoutNanos) throws InterruptedException {
        long deadlineNanos = System.nanoTime() + timeoutNanos;
        return monitor.getWaiting(() -> peer.awaitOutcome(txId, deadlineNanos));
    }

    /** Reads every outcome recorded and not read yet, oldest first. */
    List<PeerOutcome> drainOutcomes() {
        return monitor.get(peer::drainOutcomes);
    }

    /** Outcomes recorded and not read yet. */
    int retainedOutcomes() {
        return monitor.get(peer::retainedOutcomes);
    }

    List<PeerPacket> received() {
        return monitor.get(peer::received);
    }

    PeerPacket awaitReceived(long timeoutNanos) throws InterruptedException {
        long deadlineNanos = System.nanoTime() + timeoutNanos;
        return monitor.getWaiting(() -> peer.awaitReceived(deadlineNanos));
    }

    void peerComplete(long txId, byte[] payload) {
        monitor.run(() -> peer.complete(txId, payload));
    }

    /** Takes up to {@code max} packets the peer read, waiting up to {@code timeoutNanos} for the first. */
    List<PeerPacket> takeReceived(int max, long timeoutNanos) throws InterruptedException {
        long deadlineNanos = System.nanoTime() + timeoutNanos;
        return monitor.getWaiting(() -> peer.takeReceived(max, deadlineNanos));
    }

    /** The peer completes {@code txIds[0..count)} in order in one entry of the lock. */
    void peerCompleteBatch(long[] txIds, int count, byte[] payload) {
        monitor.run(() -> {
            for (int i = 0; i < count; i++) {
                peer.complete(txIds[i], payload);
            }
        });
    }

    void setReading(boolean reading) {
        monitor.run(() -> peer.setReading(reading));
    }

    RingStatus ringStatus() {
        return monitor.get(peer::ringStatus);
    }

    boolean queueStopped() {
        return monitor.get(incoming::queueStopped);
    }

    void arm(Fault fault) {
        monitor.run(() -> faults.arm(fault));
    }

    Duration delay() {
        return monitor.get(faults::delay);
    }

    /** Host peer maps our GPADL. */
    ChannelGpadls.Gpadl peerMap(int handle, boolean readOnly) {
        return monitor.get(() -> gpadls.peerMap(handle, readOnly));
    }

    void peerUnmap(ChannelGpadls.Gpadl g) {
        monitor.run(() -> gpadls.peerUnmap(g));
    }

    /** Reads or writes GPADL memory under the lock; {@code requireMapped} checks the peer mapping is live. */
    byte[] peerAccess(ChannelGpadls.Gpadl g, int offset, byte[] data, int length, boolean requireMapped) {
        return monitor.get(() -> gpadls.peerAccess(g, offset, data, length, requireMapped));
    }

    /** Guest peer creates a GPADL on our server channel's connection. */
    int peerCreateGpadl(int size, boolean readOnly) {
        return monitor.call(() -> gpadls.peerCreate(size, readOnly));
    }

    ChannelGpadls.Gpadl peerOwnedGpadl(int handle) {
        return monitor.get(() -> gpadls.peerOwned(handle));
    }
}
