package dev.kmclbridge.fake;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.ExternalForm;

import dev.kmclbridge.spi.LongTable;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;

/**
 * The us-to-peer direction: send validation, the queue of sends (and of completions we owe the peer) waiting for
 * room in our outgoing ring, the transactions in flight until the peer completes them, and how each send ends.
 * Every method runs with the channel lock held; a synchronous send waits on the channel's monitor.
 */
final class OutgoingPath {
    private static final int SUCCESS = NtStatus.SUCCESS.value();
    private static final byte[] EMPTY = new byte[0];

    private final FakeChannel channel;
    private VmbusRing ring;
    private final ArrayDeque<OutgoingTransaction> sendQueue = new ArrayDeque<>();
    /** Transactions in the ring waiting for the peer's completion, by transaction id. */
    private final LongTable<OutgoingTransaction> inFlight = new LongTable<>();
    /** Guest pages holding the external data of queued sends, by transaction id, until the send is written. */
    private final LongTable<long[]> queuedPfns = new LongTable<>();
    /** A slow peer (RingFull fault) holds the ring: nothing is written until the peer's next action. */
    private boolean forcedStall;

    OutgoingPath(FakeChannel channel) {
        this.channel = channel;
    }

    void openRing(int pages) {
        ring = new VmbusRing(pages);
    }

    int send(long tag, byte[] payload, byte[] external, int form, int flags) {
        int v = validate(payload, external, form, flags, false);
        if (v != SUCCESS) {
            return v;
        }
        if (channel.lifecycle.isSuspended()) {
            return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B93: no sends between Suspend and Started/Closed
        }
        if (channel.faults.takeAllocationFailure()) {
            return NtStatus.INSUFFICIENT_RESOURCES.value();
        }
        OutgoingTransaction tx = new OutgoingTransaction(tag, channel.shared.nextTransactionId(), payload, external,
                (flags & WireFormat.FORMAT_FLAG_WAIT_FOR_COMPLETION) != 0, false);
        accept(tx);
        if (channel.faults.takeRingFull()) {
            forcedStall = true;
        }
        if (channel.lifecycle.isOpen() && stalled()) {
            // the ring is full (or a slow peer holds it): this send finds it full and queues behind
            tx.sawRingFull = true;
            channel.statistics.ringFullEvents++;
        }
        sendQueue.addLast(tx);
        pump();
        return SUCCESS;
    }

    private void accept(OutgoingTransaction tx) {
        channel.statistics.packetsOut++;
        channel.statistics.bytesOut += tx.bytes();
        channel.statistics.pendingOutgoing++;
    }

    private int validate(byte[] payload, byte[] external, int form, int flags, boolean synchronous) {
        if ((flags & ~WireFormat.SEND_FLAGS_VALID) != 0) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (form != ExternalForm.NONE && form != ExternalForm.MDL && form != ExternalForm.PFNS) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (!synchronous && (form == ExternalForm.NONE) != (external == null)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (!synchronous && form != ExternalForm.NONE && (flags & WireFormat.FORMAT_FLAG_WAIT_FOR_COMPLETION) == 0) {
            return NtStatus.INVALID_PARAMETER.value(); // B115
        }
        if (payload.length > channel.settings.maxPacketSize()) {
            return NtStatus.INVALID_PARAMETER.value(); // B120
        }
        if (external != null && (external.length == 0 || external.length > channel.settings.maxExternalData())) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        long onRing = PacketFraming.onRingSize(payload.length, external == null ? 0 : external.length);
        int ringSize = ring != null ? ring.size() : channel.settings.outgoingPages() * PacketFraming.PAGE_SIZE;
        if (!VmbusRing.everFits(onRing, ringSize)) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        return SUCCESS;
    }

    /** The completion packet we owe the peer for its transaction {@code peerTxId} (B64), queued like a send. */
    void sendCompletion(long peerTxId, byte[] payload) {
        sendQueue.addLast(OutgoingTransaction.completionOf(peerTxId, payload));
        pump();
    }

    /** Moves queued sends into the outgoing ring and lets a reading peer drain it, until nothing moves. */
    void pump() {
        boolean progress = true;
        while (progress) {
            progress = false;
            while (channel.lifecycle.isOpen() && !forcedStall && !sendQueue.isEmpty()) {
                OutgoingTransaction tx = sendQueue.peekFirst();
                long[] pfns = null;
                if (tx.external != null) {
                    pfns = queuedPfns.get(tx.txId);
                    if (pfns == null) {
                        pfns = channel.shared.memory().store(tx.external);
                        queuedPfns.put(tx.txId, pfns);
                    }
                }
                int flags = tx.waitForCompletion ? PacketFraming.FLAG_COMPLETION_REQUESTED : 0;
                boolean written;
                if (pfns == null) {
                    // in-band or completion: straight into the ring, no encoded copy
                    written = tx.completion ? ring.writeInband(PacketFraming.TYPE_COMPLETION, 0, tx.txId, tx.payload)
                            : ring.writeInband(PacketFraming.TYPE_INBAND, flags, tx.txId, tx.payload);
                } else {
                    written = ring.write(PacketFraming.encode(flags, tx.txId, tx.payload, pfns, tx.external.length),
                            tx.payload.length);
                }
                if (!written) {
                    if (!tx.sawRingFull) {
                        tx.sawRingFull = true;
                        channel.statistics.ringFullEvents++;
                    }
                    break;
                }
                sendQueue.pollFirst();
                progress = true;
                if (tx.completion) {
                    continue;
                }
                queuedPfns.remove(tx.txId);
                if (tx.waitForCompletion) {
                    inFlight.put(tx.txId, tx);
                } else {
                    finish(tx, SUCCESS, EMPTY); // B108: done once it is in the ring
                }
            }
            if (channel.lifecycle.isOpen() && channel.peer.readsNow() && channel.peer.readAll()) {
                progress = true;
            }
        }
    }

    private void finish(OutgoingTransaction tx, int status, byte[] reply) {
        if (tx.done) {
            return;
        }
        tx.done = true;
        tx.status = status;
        tx.reply = reply;
        channel.statistics.pendingOutgoing--;
        channel.statistics.completionsReceived++;
        if (tx.synchronous) {
            channel.monitor.wakeOthers(); // the synchronous sender waits for this
        } else {
            channel.events.sendComplete(tx.tag, status, reply);
            channel.monitor.wakeReceivers();
        }
    }

    /** The absolute deadline ({@code System.nanoTime}) of a synchronous send; {@code Long.MAX_VALUE}: none. */
    static long synchronousDeadline(boolean hasTimeout, long timeout100ns) {
        if (!hasTimeout) {
            return Long.MAX_VALUE;
        }
        long relative100ns = timeout100ns < 0 ? -timeout100ns : timeout100ns - nowFileTime();
        return System.nanoTime() + Math.max(0, Math.min(relative100ns, Long.MAX_VALUE / 200)) * 100;
    }

    private static long nowFileTime() {
        return (System.currentTimeMillis() + 11_644_473_600_000L) * 10_000L;
    }

    int sendSynchronous(byte[] payload, byte[] external, int flags, ByteBuffer completionOut, int[] inOutSize,
                        boolean hasTimeout, long timeout100ns, long deadlineNanos) throws InterruptedException {
        int capacity = inOutSize[0];
        if (capacity < 0 || capacity % 8 != 0) {
            return NtStatus.INVALID_PARAMETER.value(); // B125
        }
        if (!channel.lifecycle.isOpen() || channel.lifecycle.isSuspended() || channel.lifecycle.isClosing()) {
            return NtStatus.DEVICE_REMOVED.value(); // B130
        }
        boolean wait = (flags & WireFormat.FORMAT_FLAG_WAIT_FOR_COMPLETION) != 0;
        boolean fireAndForget = hasTimeout && timeout100ns == 0 && !wait;
        if (channel.server && !fireAndForget) {
            return NtStatus.INVALID_PARAMETER.value(); // B131
        }
        int v = validate(payload, external, external == null ? ExternalForm.NONE : ExternalForm.MDL, flags, true);
        if (v != SUCCESS) {
            return v;
        }
        if (channel.faults.takeAllocationFailure()) {
            return NtStatus.INSUFFICIENT_RESOURCES.value();
        }
        OutgoingTransaction tx = new OutgoingTransaction(0, channel.shared.nextTransactionId(), payload, external,
                !fireAndForget, true);
        if (hasTimeout && timeout100ns == 0) {
            // B129: with a zero timeout a packet that does not fit is not queued
            if (forcedStall || channel.faults.takeRingFull() || !sendQueue.isEmpty() || !ring.fits(tx.onRingSize())) {
                channel.statistics.ringFullEvents++;
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
            if (left <= 0 || channel.lifecycle.isCleaned()) {
                // B128: the packet is cancelled
                sendQueue.remove(tx);
                releaseQueuedPages(tx);
                inFlight.remove(tx.txId);
                finish(tx, NtStatus.CANCELLED.value(), EMPTY);
                break;
            }
            channel.monitor.awaitChangeUpTo(left);
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
    }

    private void releaseQueuedPages(OutgoingTransaction tx) {
        long[] pfns = queuedPfns.remove(tx.txId);
        if (pfns != null) {
            channel.shared.memory().release(pfns);
        }
    }

    /** The peer reads the next packet off our outgoing ring; null when the ring is empty (or was never opened). */
    PacketFraming.Frame readByPeer() {
        return ring == null ? null : ring.read();
    }

    /** The peer completed our transaction {@code txId} (B64/B109); ids not in flight are ignored. */
    void completedByPeer(long txId, byte[] reply) {
        OutgoingTransaction tx = inFlight.remove(txId);
        if (tx != null) {
            finish(tx, SUCCESS, reply.clone());
        }
    }

    /** Every transmitted transaction ends with STATUS_CANCELLED (Q8). */
    void cancelInFlight() {
        List<OutgoingTransaction> txs = inFlight.values();
        txs.sort(Comparator.comparingLong(tx -> tx.txId)); // in the order they were sent (ids increase)
        inFlight.clear();
        for (OutgoingTransaction tx : txs) {
            finish(tx, NtStatus.CANCELLED.value(), EMPTY);
        }
    }

    /** The connection closed: its ring goes away with what is on it, and so do the completions not yet written. */
    void dropConnection() {
        sendQueue.removeIf(tx -> tx.completion);
        ring.discardAll();
    }

    /** Disable: queued and in-flight sends end with STATUS_CANCELLED (Q7/Q8); a slow peer no longer holds the ring. */
    void cancelAll() {
        for (OutgoingTransaction tx : sendQueue) {
            if (tx.completion) {
                continue; // the connection is gone; the peer never sees this completion
            }
            releaseQueuedPages(tx);
            finish(tx, NtStatus.CANCELLED.value(), EMPTY);
        }
        sendQueue.clear();
        cancelInFlight();
        forcedStall = false;
    }

    /** Cleanup: whatever is still queued or in flight is forgotten, its guest pages released. */
    void discardAll() {
        for (OutgoingTransaction tx : sendQueue) {
            if (!tx.completion) {
                releaseQueuedPages(tx);
            }
        }
        sendQueue.clear();
        inFlight.clear();
    }

    /** A peer action: a slow peer (RingFull fault) catches up. */
    void peerCaughtUp() {
        forcedStall = false;
    }

    /** Sends wait for the ring: a slow peer holds it or earlier sends are still queued. */
    boolean stalled() {
        return forcedStall || !sendQueue.isEmpty();
    }

    int queued() {
        return sendQueue.size();
    }

    /** Bytes of the open ring; the configured size while closed. */
    int ringSize() {
        return ring != null && channel.lifecycle.isOpen() ? ring.size() : channel.settings.outgoingPages() * PacketFraming.PAGE_SIZE;
    }

    /** Bytes in use on the open ring (0 while closed). */
    int ringUsed() {
        return ring != null && channel.lifecycle.isOpen() ? ring.used() : 0;
    }

    /** Free bytes on the open ring; the configured size while closed. */
    long ringFree() {
        return ring != null && channel.lifecycle.isOpen() ? ring.free() : (long) channel.settings.outgoingPages() * PacketFraming.PAGE_SIZE;
    }
}
