package dev.kmclbridge.spi;

import dev.kmclbridge.spi.WireFormat.Event;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventBatchTest {

    @Test
    void recordSizeIsHeaderPlusBodyPaddedToEight() {
        assertEquals(24, EventBatch.recordSize(0));
        assertEquals(32, EventBatch.recordSize(1));
        assertEquals(32, EventBatch.recordSize(8));
        assertEquals(40, EventBatch.recordSize(9));
        assertEquals(24 + 104, EventBatch.recordSize(100));
    }

    @Test
    void packetRecordRoundTripsPayloadExternalAndFields() {
        EventBatch b = new EventBatch(256);
        assertTrue(b.append(Event.KIND_PACKET, Event.PACKET_FLAG_EXTERNAL_DATA, 0x1122334455667788L,
                Event.IRQL_DISPATCH, 0, ByteBuffer.wrap(new byte[]{1, 2, 3}), ByteBuffer.wrap(new byte[]{9, 8})));
        assertTrue(b.append(Event.KIND_PROCESSING_COMPLETE, 0, 0, 0, 1, null, null));
        assertEquals(2, b.count());
        assertEquals(EventBatch.recordSize(5) + EventBatch.recordSize(0), b.size());

        EventBatch.Reader r = b.reader();
        assertTrue(r.next());
        assertEquals(Event.KIND_PACKET, r.kind());
        assertEquals(Event.PACKET_FLAG_EXTERNAL_DATA, r.flags());
        assertEquals(0x1122334455667788L, r.id());
        assertEquals(Event.IRQL_DISPATCH, r.status());
        assertArrayEquals(new byte[]{1, 2, 3}, r.payload());
        assertArrayEquals(new byte[]{9, 8}, r.external());
        assertTrue(r.next());
        assertEquals(Event.KIND_PROCESSING_COMPLETE, r.kind());
        assertEquals(1, r.aux());
        assertEquals(0, r.external().length);
        assertFalse(r.next());
    }

    @Test
    void appendRefusesARecordThatDoesNotFitAndWritesNothing() {
        EventBatch b = new EventBatch(40);
        assertTrue(b.append(Event.KIND_STATE, Event.STATE_OPENED, 0, 0, 0, null, null));
        int before = b.size();
        assertFalse(b.append(Event.KIND_SEND_COMPLETE, 0, 7, 0, 0, ByteBuffer.wrap(new byte[1]), null));
        assertEquals(before, b.size());
        assertEquals(1, b.count());
    }

    @Test
    void paddingBytesAreZero() {
        EventBatch b = new EventBatch(64);
        b.append(Event.KIND_SEND_COMPLETE, 0, 1, 0, 0, ByteBuffer.wrap(new byte[]{(byte) 0xFF}), null);
        ByteBuffer raw = b.buffer();
        for (int i = 25; i < 32; i++) {
            assertEquals(0, raw.get(i), "padding byte " + i);
        }
    }

    @Test
    void layoutIsLittleEndianAsTheWireHeaderSays() {
        EventBatch b = new EventBatch(64);
        b.append(Event.KIND_STATE, Event.STATE_PNP_FAILURE, 0x0102030405060708L, 0xC0000120, 0, null, null);
        ByteBuffer raw = b.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, raw.get(0));
        assertEquals(0, raw.get(1));
        assertEquals(6, raw.get(2));
        assertEquals(0x08, raw.get(8));
        assertEquals(0x01, raw.get(15));
        assertEquals(0xC0000120, raw.getInt(16));
    }

    @Test
    void readerRejectsARecordThatOverrunsTheFilledBytes() {
        EventBatch b = new EventBatch(128);
        ByteBuffer raw = b.buffer();
        raw.putShort((short) Event.KIND_PACKET).putShort((short) 0).putInt(500).putLong(1).putInt(0).putInt(0);
        b.setFilled(24, 1);
        EventBatch.Reader r = b.reader();
        assertThrows(IllegalStateException.class, r::next);
    }

    @Test
    void readerRejectsACountLargerThanTheRecordsPresent() {
        EventBatch b = new EventBatch(128);
        b.append(Event.KIND_STATE, Event.STATE_OPENED, 0, 0, 0, null, null);
        b.setFilled(b.size(), 2);
        EventBatch.Reader r = b.reader();
        assertTrue(r.next());
        assertThrows(IllegalStateException.class, r::next);
    }

    @Test
    void ensureCapacityGrowsAndClears() {
        EventBatch b = new EventBatch(32);
        b.append(Event.KIND_STATE, Event.STATE_OPENED, 0, 0, 0, null, null);
        b.ensureCapacity(4096);
        assertEquals(4096, b.capacity());
        assertEquals(0, b.count());
        assertEquals(0, b.size());
    }

    /** appendBytes writes the same record as append over buffers: header, payload, external data, zero padding. */
    @Test
    void appendBytesWritesTheSameRecordAsAppend() {
        byte[] payload = {1, 2, 3};
        byte[] external = {9, 8, 7, 6, 5};
        EventBatch viaBuffers = new EventBatch(256);
        EventBatch viaBytes = new EventBatch(256);
        for (int i = 0; i < 256; i++) {
            viaBytes.buffer().put(i, (byte) 0xEE); // stale bytes: padding must be zeroed, not left
        }
        assertTrue(viaBuffers.append(WireFormat.Event.KIND_PACKET, 1, 42, 2, 0, ByteBuffer.wrap(payload), ByteBuffer.wrap(external)));
        assertTrue(viaBytes.appendBytes(WireFormat.Event.KIND_PACKET, 1, 42, 2, 0, payload, external));
        assertEquals(viaBuffers.size(), viaBytes.size());
        assertEquals(viaBuffers.count(), viaBytes.count());
        for (int i = 0; i < viaBuffers.size(); i++) {
            assertEquals(viaBuffers.buffer().get(i), viaBytes.buffer().get(i), "byte " + i);
        }
        EventBatch.Reader r = viaBytes.reader();
        assertTrue(r.next());
        assertArrayEquals(payload, r.payload());
        assertArrayEquals(external, r.external());
        assertEquals(r.payloadOffset() + 3, r.payloadOffset() + r.payloadLength());
        assertEquals(1, r.buffer().get(r.payloadOffset()));
        assertFalse(viaBytes.appendBytes(WireFormat.Event.KIND_PACKET, 0, 1, 0, 0, new byte[300], null), "does not fit");
    }
}
