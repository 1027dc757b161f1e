package dev.kmclbridge.fake;

import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat;

import java.util.ArrayDeque;

/**
 * A channel's FIFO of state events, processing-complete records and send completions, in the order they
 * happened. Incoming packets are not stored here: {@link IncomingPath} moves them from the ring into a batch only
 * inside receive. Not thread safe (the channel lock guards it).
 */
final class EventQueue {
    /** One queued record. */
    record Event(int kind, int flags, long id, int status, int aux, byte[] payload) {
        int recordSize() {
            return EventBatch.recordSize(payload.length);
        }

        boolean appendTo(EventBatch batch) {
            return batch.appendBytes(kind, flags, id, status, aux, payload, null);
        }
    }

    private static final byte[] EMPTY = new byte[0];
    private final ArrayDeque<Event> events = new ArrayDeque<>();

    void state(int code, int status) {
        events.addLast(new Event(WireFormat.Event.KIND_STATE, code, 0, status, 0, EMPTY));
    }

    void processingComplete(int count) {
        events.addLast(new Event(WireFormat.Event.KIND_PROCESSING_COMPLETE, 0, 0, 0, count, EMPTY));
    }

    void sendComplete(long tag, int status, byte[] payload) {
        events.addLast(new Event(WireFormat.Event.KIND_SEND_COMPLETE, 0, tag, status, 0,
                payload == null ? EMPTY : payload));
    }

    Event peek() {
        return events.peekFirst();
    }

    Event poll() {
        return events.pollFirst();
    }

    void clear() {
        events.clear();
    }
}
