package dev.kmclbridge.spi;

import dev.kmclbridge.spi.WireFormat.Event;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One reusable buffer of channel events, filled by {@link Backend#receive} in a single call (one native
 * crossing per batch) and read by the typed layer. The byte layout is the wire format of the driver's receive
 * IOCTL output ({@code kmclb_event} in driver/include/kmclbridge_protocol.h; offsets and codes in
 * {@link Event}):
 *
 * <pre>
 * offset size field
 *      0    2 kind            KIND_*
 *      2    2 flags           PACKET: PACKET_FLAG_*; STATE: STATE_* code; STATE_OVERFLOW: the newest's code
 *      4    4 payloadLength   inline payload bytes that follow the header
 *      8    8 id              PACKET: packet id; SEND_COMPLETE: the send's tag; STATE_OVERFLOW: 1 &lt;&lt; STATE_* bits
 *     16    4 status          PACKET: IRQL (0 passive, 2 dispatch); STATE/SEND_COMPLETE/STATE_OVERFLOW: NTSTATUS
 *     20    4 aux             PACKET: external data bytes after the payload; PROCESSING_COMPLETE: packet count;
 *                             STATE_OVERFLOW: state callbacks merged
 *     24      payload, then external data; the record is padded with zeros to a multiple of 8
 * </pre>
 * All fields are little-endian. The buffer is direct so a native backend can fill it in place.
 */
public final class EventBatch {
    private static final byte[] NO_BYTES = new byte[0];
    private ByteBuffer buffer;
    private int count;

    /** A batch with room for {@code capacity} bytes (grown by {@link #ensureCapacity}). */
    public EventBatch(int capacity) {
        this.buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** On-wire size of a record carrying {@code bodyBytes} bytes of payload and external data. */
    public static int recordSize(int bodyBytes) {
        int pad = Event.ALIGNMENT - 1;
        return Event.HEADER_SIZE + ((bodyBytes + pad) & ~pad);
    }

    /** Empties the batch for reuse. */
    public void clear() {
        buffer.clear();
        count = 0;
    }

    /** Replaces the buffer with a larger one (contents dropped) when it holds fewer than {@code bytes}. */
    public void ensureCapacity(int bytes) {
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        clear();
    }

    /** The underlying direct buffer, for a native backend to fill; call {@link #setFilled} afterwards. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Capacity in bytes. */
    public int capacity() {
        return buffer.capacity();
    }

    /** For native backends: records how many bytes and records the native side wrote. */
    public void setFilled(int bytes, int records) {
        buffer.limit(buffer.capacity());
        buffer.position(bytes);
        count = records;
    }

    /** Number of records in the batch. */
    public int count() {
        return count;
    }

    /** Bytes used. */
    public int size() {
        return buffer.position();
    }

    /** Bytes still free. */
    public int remaining() {
        return buffer.capacity() - buffer.position();
    }

    /**
     * Appends a record; returns false (and writes nothing) when it does not fit. {@code body}'s remaining bytes
     * are the payload, {@code external}'s (may be null) the external data.
     */
    public boolean append(int kind, int flags, long id, int status, int aux, ByteBuffer body, ByteBuffer external) {
        int payload = body == null ? 0 : body.remaining();
        int ext = external == null ? 0 : external.remaining();
        int size = recordSize(payload + ext);
        if (size > remaining()) {
            return false;
        }
        int start = buffer.position();
        writeHeader(start, kind, flags, id, status, kind == Event.KIND_PACKET ? ext : aux, payload);
        buffer.position(start + Event.HEADER_SIZE);
        if (body != null) {
            buffer.put(body.duplicate());
        }
        if (external != null) {
            buffer.put(external.duplicate());
        }
        while (buffer.position() < start + size) {
            buffer.put((byte) 0);
        }
        count++;
        return true;
    }

    /**
     * Appends a record whose payload is all of {@code body} and whose external data is all of {@code external}
     * (may be null), without wrapping either; false (and nothing written) when it does not fit.
     */
    public boolean appendBytes(int kind, int flags, long id, int status, int aux, byte[] body, byte[] external) {
        int payload = body == null ? 0 : body.length;
        int ext = external == null ? 0 : external.length;
        int size = recordSize(payload + ext);
        if (size > remaining()) {
            return false;
        }
        int start = buffer.position();
        writeHeader(start, kind, flags, id, status, kind == Event.KIND_PACKET ? ext : aux, payload);
        int at = start + Event.HEADER_SIZE;
        if (payload > 0) {
            buffer.put(at, body);
            at += payload;
        }
        if (ext > 0) {
            buffer.put(at, external);
            at += ext;
        }
        while (at < start + size) {
            buffer.put(at++, (byte) 0);
        }
        buffer.position(start + size);
        count++;
        return true;
    }

    private void writeHeader(int start, int kind, int flags, long id, int status, int aux, int payloadLength) {
        buffer.putShort(start + Event.KIND_OFFSET, (short) kind)
                .putShort(start + Event.FLAGS_OFFSET, (short) flags)
                .putInt(start + Event.PAYLOAD_LENGTH_OFFSET, payloadLength)
                .putLong(start + Event.ID_OFFSET, id)
                .putInt(start + Event.STATUS_OFFSET, status)
                .putInt(start + Event.AUX_OFFSET, aux);
    }

    /** A cursor over the records, from the first. */
    public Reader reader() {
        return readerOver(buffer, buffer.position(), count);
    }

    /** A cursor over {@code records} records in the first {@code bytes} bytes of {@code buffer} (another owner's records in this layout). */
    public static Reader readerOver(ByteBuffer buffer, int bytes, int records) {
        return new Reader(buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN), bytes, records);
    }

    /** Sequential reader; {@link #next()} moves to the next record. */
    public static final class Reader {
        private final ByteBuffer b;
        private final int end;
        private final int records;
        private int seen;
        private int at = -1;
        private int nextAt = 0;

        private Reader(ByteBuffer b, int end, int records) {
            this.b = b;
            this.end = end;
            this.records = records;
        }

        /** Advances to the next record; false at the end. Throws if the layout is corrupt. */
        public boolean next() {
            if (seen == records) {
                return false;
            }
            if (nextAt + Event.HEADER_SIZE > end) {
                throw new IllegalStateException("event batch truncated at record " + seen + " (offset " + nextAt + ")");
            }
            at = nextAt;
            int body = payloadLength() + (kind() == Event.KIND_PACKET ? externalLength() : 0);
            if (body < 0 || at + recordSize(body) > end) {
                throw new IllegalStateException("event record " + seen + " overruns the batch");
            }
            nextAt = at + recordSize(body);
            seen++;
            return true;
        }

        public int kind() {
            return Short.toUnsignedInt(b.getShort(at + Event.KIND_OFFSET));
        }

        public int flags() {
            return Short.toUnsignedInt(b.getShort(at + Event.FLAGS_OFFSET));
        }

        public int payloadLength() {
            return b.getInt(at + Event.PAYLOAD_LENGTH_OFFSET);
        }

        public long id() {
            return b.getLong(at + Event.ID_OFFSET);
        }

        public int status() {
            return b.getInt(at + Event.STATUS_OFFSET);
        }

        public int aux() {
            return b.getInt(at + Event.AUX_OFFSET);
        }

        /** External data length (PACKET records). */
        public int externalLength() {
            return kind() == Event.KIND_PACKET ? aux() : 0;
        }

        /** The buffer the records are read from (little-endian; valid until the batch is filled again). */
        public ByteBuffer buffer() {
            return b;
        }

        /** Offset of the current record's payload in {@link #buffer()} (its external data follows the payload). */
        public int payloadOffset() {
            return at + Event.HEADER_SIZE;
        }

        /** A copy of the payload bytes (one shared empty array when there are none). */
        public byte[] payload() {
            if (payloadLength() == 0) {
                return NO_BYTES;
            }
            byte[] out = new byte[payloadLength()];
            b.get(at + Event.HEADER_SIZE, out);
            return out;
        }

        /** A copy of the external data bytes (one shared empty array when none). */
        public byte[] external() {
            if (externalLength() == 0) {
                return NO_BYTES;
            }
            byte[] out = new byte[externalLength()];
            b.get(at + Event.HEADER_SIZE + payloadLength(), out);
            return out;
        }
    }
}
