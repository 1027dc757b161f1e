package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Completions made inline in a packet handler, held until the channel's dispatcher ends the batch and then sent
 * as one {@code Backend.completeBatch} (one native crossing for the batch instead of one per packet). The packets
 * have already ended in Java (exactly once, through the {@link DeliveryGate}); this only delays the backend call.
 * Every other ending of the channel ({@code fail}, {@code deferToPassive}, a complete from another thread,
 * {@code completeAll}) sends the queue first, so the backend sees the endings in the order user code made them.
 * The queue sends itself when it holds {@link #MAXIMUM_PACKETS} packets or its payload buffer is full.
 */
final class CompletionQueue {
    private static final System.Logger LOG = System.getLogger(CompletionQueue.class.getName());
    /** Packets held at most before the queue sends itself. */
    static final int MAXIMUM_PACKETS = 256;
    private static final int PAYLOAD_BYTES = 64 * 1024;

    private final Backend backend;
    private final long channelId;
    private final long[] ids = new long[MAXIMUM_PACKETS];
    private final int[] offsets = new int[MAXIMUM_PACKETS];
    private final int[] lengths = new int[MAXIMUM_PACKETS];
    private final int[] statuses = new int[MAXIMUM_PACKETS];
    private final ByteBuffer payloads = ByteBuffer.allocateDirect(PAYLOAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private int count;
    private int used;

    CompletionQueue(Backend backend, long channelId) {
        this.backend = backend;
        this.channelId = channelId;
    }

    /**
     * Queues the completion of {@code packetId} with {@code payload}'s remaining bytes (copied now, so the caller
     * may reuse the buffer). A payload larger than the queue's buffer is sent at once, after what is queued.
     */
    synchronized void add(long packetId, ByteBuffer payload) {
        int length = payload.remaining();
        if (length > PAYLOAD_BYTES) {
            flush();
            Channel.check(KmclFunction.VMB_CHANNEL_PACKET_COMPLETE, backend.complete(packetId, payload.duplicate()),
                    "packet " + packetId);
            return;
        }
        if (count == MAXIMUM_PACKETS || used + length > PAYLOAD_BYTES) {
            flush();
        }
        ids[count] = packetId;
        offsets[count] = used;
        lengths[count] = length;
        if (length > 0) {
            payloads.put(used, payload, payload.position(), length);
            used += length;
        }
        count++;
    }

    /** Sends everything queued in one {@code completeBatch}; a refusal is logged (the packets already ended in Java). */
    synchronized void flush() {
        if (count == 0) {
            return;
        }
        int n = count;
        count = 0;
        used = 0;
        int st = backend.completeBatch(ids, n, payloads, offsets, lengths, statuses);
        if (!NtStatus.isSuccess(st)) {
            for (int i = 0; i < n; i++) {
                if (!NtStatus.isSuccess(statuses[i])) {
                    LOG.log(Level.ERROR, "channel {0}: the backend refused the completion of packet {1}: {2}",
                            channelId, ids[i], NtStatus.describe(statuses[i]));
                }
            }
        }
        Arrays.fill(statuses, 0, n, 0);
    }

    /** Packets queued and not yet sent. */
    synchronized int size() {
        return count;
    }
}
