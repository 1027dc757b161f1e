package dev.kmclbridge.fake;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.peer.PeerOutcome;
import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer-to-us direction: our incoming ring (and the peer's writes waiting for room in it), reading packets
 * off the ring into batches with the queued events, the transaction quota, processing-complete records, and the
 * ends of a delivered packet (complete, fail with its queue stop, defer to passive, requeue). Every method runs
 * with the channel lock held; receive waits on the channel's monitor.
 */
final class IncomingPath {
    private static final int SUCCESS = NtStatus.SUCCESS.value();
    private static final byte[] EMPTY = new byte[0];

    private final FakeChannel channel;
    private VmbusRing ring;
    /** Packets read off the ring but not delivered yet (quota, batch full, requeued or deferred), in order. */
    private final ArrayDeque<IncomingPacket> staged = new ArrayDeque<>();
    /** Peer packets that found the ring full, with their payload lengths, in the order the peer sent them. */
    private final ArrayDeque<byte[]> peerQueue = new ArrayDeque<>();
    private final ArrayDeque<Integer> peerQueueLengths = new ArrayDeque<>();
    private boolean queueStopped;
    private boolean quotaStalled;
    private int sinceProcessingComplete;
    /** Delivered packets not yet ended. */
    private long pending;

    IncomingPath(FakeChannel channel) {
        this.channel = channel;
    }

    void openRing(int pages) {
        ring = new VmbusRing(pages);
    }

    /** Enable starts with a running queue, no quota stall and no batch in progress. */
    void resetForEnable() {
        queueStopped = false;
        quotaStalled = false;
        sinceProcessingComplete = 0;
    }

    /** Fills {@code batch}, waiting until {@code deadlineNanos} ({@code Long.MAX_VALUE}: forever) for something. */
    int receive(EventBatch batch, long deadlineNanos, int[] outNeeded) throws InterruptedException {
        channel.lifecycle.closedCallbackReturned();
        while (true) {
            if (channel.lifecycle.isCleaned()) {
                return NtStatus.CANCELLED.value();
            }
            int st = fill(batch, outNeeded);
            if (st != SUCCESS || batch.count() > 0) {
                return st;
            }
            long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return NtStatus.TIMEOUT.value();
            }
            channel.monitor.awaitReceivable(left);
        }
    }

    private int fill(EventBatch batch, int[] outNeeded) {
        if (!appendBatchEnd(batch)) {
            return tooSmall(batch, Event.HEADER_SIZE, outNeeded);
        }
        EventQueue.Event ev;
        while ((ev = channel.events.peek()) != null) {
            if (!ev.appendTo(batch)) {
                return tooSmall(batch, ev.recordSize(), outNeeded);
            }
            if (ev.kind() == Event.KIND_STATE && ev.flags() == Event.STATE_CLOSED) {
                channel.lifecycle.closedCallbackStarted();
            }
            channel.events.poll();
        }
        while (channel.lifecycle.isRunning() && !queueStopped && !channel.lifecycle.isClosing() && hasWaiting()) {
            if (quotaStalled || pending >= channel.settings.quota()) {
                // B80/B81: at the quota nothing more is taken off the ring; stalled until a completion (B82)
                quotaStalled = true;
                break;
            }
            IncomingPacket p = nextIncoming();
            if (p == null) {
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
        boolean ended = quotaStalled || (staged.isEmpty() && ring != null && ring.isEmpty()) || !channel.lifecycle.isRunning();
        if (!ended) {
            return true;
        }
        if (channel.settings.processingCompleteCallback()) {
            if (!batch.append(Event.KIND_PROCESSING_COMPLETE, 0, 0, 0, sinceProcessingComplete, null, null)) {
                return false;
            }
        }
        batchEnded();
        return true;
    }

    /** At Suspend: the running batch ends; its record goes into the FIFO ahead of the Suspend event. */
    void endBatchBeforeSuspend() {
        if (sinceProcessingComplete == 0 || queueStopped) {
            return;
        }
        if (channel.settings.processingCompleteCallback()) {
            channel.events.processingComplete(sinceProcessingComplete);
        }
        batchEnded();
    }

    private void batchEnded() {
        channel.statistics.batches++;
        sinceProcessingComplete = 0;
    }

    /** Something is waiting for delivery: a staged packet, or bytes in the ring. */
    boolean hasWaiting() {
        return !staged.isEmpty() || (ring != null && !ring.isEmpty());
    }

    private IncomingPacket nextIncoming() {
        if (!staged.isEmpty()) {
            return staged.peekFirst();
        }
        GuestMemory memory = channel.shared.memory();
        while (ring != null && !ring.isEmpty()) {
            PacketFraming.Frame f = ring.read();
            drainPeerQueue();
            if (f.rejected() != null) {
                channel.statistics.malformedRejected++;
                memory.release(f.pfns());
                continue;
            }
            byte[] ext = null;
            if (f.type() == PacketFraming.TYPE_GPA_DIRECT) {
                ext = memory.take(f.pfns(), f.rangeBytes());
                if (ext == null) {
                    channel.statistics.malformedRejected++;
                    continue;
                }
            }
            if (f.payload().length > channel.settings.maxPacketSize()
                    || (ext != null && ext.length > channel.settings.maxExternalData())) {
                channel.statistics.oversizedDropped++;
                continue;
            }
            IncomingPacket p = new IncomingPacket(channel, f.txId(), f.payload(), ext,
                    (f.flags() & PacketFraming.FLAG_COMPLETION_REQUESTED) != 0);
            staged.addLast(p);
            return p;
        }
        return null;
    }

    /** Moves the peer's waiting packets into the ring while they fit. */
    private void drainPeerQueue() {
        while (!peerQueue.isEmpty()) {
            if (!ring.write(peerQueue.peekFirst(), peerQueueLengths.peekFirst())) {
                return;
            }
            peerQueue.pollFirst();
            peerQueueLengths.pollFirst();
            channel.monitor.wakePeers(); // the peer's queue shrank (ringStatus); nothing else waits for it
        }
    }

    private void deliver(IncomingPacket p, EventBatch batch) {
        staged.pollFirst();
        boolean redelivery = p.deferred;
        if (p.id == 0) {
            p.id = channel.shared.packets().register(p);
        }
        if (!redelivery) {
            channel.statistics.packetsIn++;
            channel.statistics.bytesIn += p.bodyBytes();
        }
        p.state = IncomingPacket.DELIVERED;
        p.awaitingRedelivery = false;
        pending++;
        channel.statistics.highWater = Math.max(channel.statistics.highWater, pending);
        sinceProcessingComplete++;
        int irql = redelivery || channel.settings.incomingAtPassive() ? Event.IRQL_PASSIVE
                : channel.shared.random().nextBoolean() ? Event.IRQL_DISPATCH : Event.IRQL_PASSIVE;
        int flags = (p.external != null ? Event.PACKET_FLAG_EXTERNAL_DATA : 0)
                | (p.completionRequested ? Event.PACKET_FLAG_COMPLETION_REQUESTED : 0)
                | (redelivery ? Event.PACKET_FLAG_REDELIVERY : 0);
        batch.appendBytes(Event.KIND_PACKET, flags, p.id, irql, 0, p.payload, p.external);
    }

    /** Status for a packet that cannot be ended now (not delivered). */
    private static int notDelivered(IncomingPacket p) {
        if (p.state == IncomingPacket.RETIRED || p.awaitingRedelivery) {
            return NtStatus.BRIDGE_PACKET_RETIRED.value(); // B71: that delivery ended; the redelivery is not out yet
        }
        return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // requeued: owned by the channel again
    }

    int complete(IncomingPacket p, byte[] completion) {
        if (p.state != IncomingPacket.DELIVERED) {
            return notDelivered(p);
        }
        boolean unstalled = retire(p);
        channel.statistics.completionsSent++;
        // B64/B65: a completion goes back only if the sender asked for one, as a type-0xB packet through
        // our outgoing ring (it takes ring space and reaches the peer when the peer reads)
        if (p.completionRequested) {
            channel.outgoing.sendCompletion(p.peerTxId, completion);
        } else {
            channel.peer.recordOutcome(p.peerTxId, PeerOutcome.Kind.COMPLETED, EMPTY);
        }
        afterRetire(unstalled);
        return SUCCESS;
    }

    int fail(IncomingPacket p) {
        if (p.state != IncomingPacket.DELIVERED) {
            return notDelivered(p);
        }
        retire(p);
        channel.statistics.packetsFailed++;
        queueStopped = true; // B73/B74/Q6: until Disable
        sinceProcessingComplete = 0; // Q22: no processing-complete after a fail
        channel.peer.recordOutcome(p.peerTxId, PeerOutcome.Kind.FAILED, EMPTY);
        afterRetire(false); // the queue stopped: nothing more is taken
        return SUCCESS;
    }

    int deferToPassive(IncomingPacket p) {
        if (p.state != IncomingPacket.DELIVERED) {
            return notDelivered(p);
        }
        p.state = IncomingPacket.STAGED;
        p.deferred = true;
        p.awaitingRedelivery = true;
        staged.addFirst(p);
        pending--;
        quotaStalled = false;
        afterRetire(true);
        return SUCCESS;
    }

    /** Hands delivered packets back: they go to the head of the stream in the given order, with the same ids. */
    int requeue(long[] ids, int count) {
        PacketRegistry packets = channel.shared.packets();
        int first = SUCCESS;
        List<IncomingPacket> back = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            IncomingPacket p = packets.get(ids[i]);
            int st;
            if (p == null) {
                st = packets.missingStatus(ids[i]);
            } else if (p.channel != channel) {
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
                channel.statistics.packetsIn--;
                channel.statistics.bytesIn -= p.bodyBytes();
            }
            if (sinceProcessingComplete > 0) {
                sinceProcessingComplete--;
            }
        }
        if (!back.isEmpty()) {
            quotaStalled = false;
            afterRetire(true);
        }
        return first;
    }

    /** Retires a delivered packet; true when that cleared a quota stall (a receiver can take more now). */
    private boolean retire(IncomingPacket p) {
        p.state = IncomingPacket.RETIRED;
        channel.shared.packets().forget(p.id);
        pending--;
        boolean wasStalled = quotaStalled;
        quotaStalled = false; // B82: the next completion clears a quota stall
        return wasStalled;
    }

    /**
     * After a packet ended or came back: a peer close may finish, pause/disable wake once nothing is pending, and a
     * receiver wakes only when there is newly something to take ({@code receivable}: a quota stall cleared or packets
     * staged again).
     */
    private void afterRetire(boolean receivable) {
        channel.lifecycle.finishCloseIfDrained();
        if (pending == 0) {
            channel.monitor.wakeOthers();
        }
        if (receivable) {
            channel.monitor.wakeReceivers();
        }
    }

    /** The connection went away: everything staged, on the ring or waiting for it is dropped. */
    void dropAll() {
        for (IncomingPacket p : staged) {
            p.state = IncomingPacket.RETIRED;
            if (p.id != 0) {
                channel.shared.packets().forget(p.id);
            }
        }
        staged.clear();
        GuestMemory memory = channel.shared.memory();
        while (ring != null && !ring.isEmpty()) {
            PacketFraming.Frame f = ring.read();
            if (f != null && f.pfns().length > 0) {
                memory.release(f.pfns());
            }
        }
        for (byte[] encoded : peerQueue) {
            PacketFraming.Frame f = PacketFraming.decode(encoded, -1);
            memory.release(f.pfns());
        }
        peerQueue.clear();
        peerQueueLengths.clear();
        sinceProcessingComplete = 0;
    }

    /** Bytes of the open ring; the configured size while closed. */
    int ringSize() {
        return ring != null && channel.lifecycle.isOpen() ? ring.size() : channel.settings.incomingPages() * PacketFraming.PAGE_SIZE;
    }

    /** Bytes the peer must be able to write at once: the open ring's size. */
    int openRingSize() {
        return ring.size();
    }

    /** The peer writes one encoded packet: into the ring, or behind the packets already waiting for room. */
    /**
     * The peer writes an in-band packet straight into the ring when nothing waits ahead of it and it fits now
     * (waking a receiver on empty -> non-empty); false, with nothing written, otherwise (the caller encodes it and
     * queues it through {@link #writeFromPeer}).
     */
    boolean writeInbandFromPeer(int flags, long txId, byte[] payload) {
        if (!peerQueue.isEmpty()) {
            return false;
        }
        boolean hadWaiting = hasWaiting();
        if (!ring.writeInband(PacketFraming.TYPE_INBAND, flags, txId, payload)) {
            return false;
        }
        if (!hadWaiting) {
            channel.monitor.wakeReceivers();
        }
        return true;
    }

    void writeFromPeer(byte[] encoded, int payloadLength) {
        if (!peerQueue.isEmpty() || !ring.write(encoded, payloadLength)) {
            peerQueue.addLast(encoded);
            peerQueueLengths.addLast(payloadLength);
        }
    }

    /**
     * Bytes the peer wrote that our side has not taken yet (0 while closed): the open ring, plus a packet read
     * ahead of a batch that was full (never handed out). Packets handed out and given back (requeue, defer) were
     * taken: they are not in the ring any more. The peer's view and the channel's statistics both report this.
     */
    int ringUsed() {
        if (ring == null || !channel.lifecycle.isOpen()) {
            return 0;
        }
        long readAhead = 0;
        for (IncomingPacket p : staged) {
            if (p.id == 0) {
                readAhead += p.onRingSize();
            }
        }
        return (int) (ring.used() + readAhead);
    }

    int peerQueued() {
        return peerQueue.size();
    }

    boolean queueStopped() {
        return queueStopped;
    }

    boolean hasPending() {
        return pending > 0;
    }

    long pending() {
        return pending;
    }
}
