package dev.kmclbridge.jna;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Per-thread reusable direct buffers, so hot paths (send, receive, complete) hand the shim a native address without
 * allocating per call. Each slot grows to the largest size seen on its thread and knows its native address.
 */
final class DirectScratch {
    static final int PAYLOAD = 0;
    static final int EXTERNAL = 1;
    static final int OUTPUT = 2;
    /** Small results of a primitive-only call (receive's bytes, records, needed). */
    static final int RESULT = 3;
    /** The arrays of a primitive-only completeBatch (ids, offsets, lengths, statuses). */
    static final int ARRAYS = 4;
    private static final int SLOTS = 5;

    /** One thread's slots, their addresses, and the last caller buffer whose address was asked for. */
    static final class Slots {
        private final ByteBuffer[] buffers = new ByteBuffer[SLOTS];
        private final long[] addresses = new long[SLOTS];
        private ByteBuffer lastBuffer;
        private long lastAddress;

        /** This thread's receive result area (bytes, records, needed), zeroed; at least 12 bytes. */
        ByteBuffer receiveResult() {
            ByteBuffer b = buffers[RESULT];
            if (b == null) {
                b = ofSize(RESULT, 12);
            }
            return b.putInt(0, 0).putInt(4, 0).putInt(8, 0);
        }

        /** The native address of this thread's buffer in {@code slot} (after it was sized). */
        long address(int slot) {
            return addresses[slot];
        }

        /** The native address of a caller's direct buffer (its start); the last one asked for is remembered. */
        long addressOf(ByteBuffer direct) {
            if (lastBuffer != direct) {
                lastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(direct));
                lastBuffer = direct;
            }
            return lastAddress;
        }
    }

    private static final ThreadLocal<Slots> SLOTS_OF_THREAD = ThreadLocal.withInitial(Slots::new);

    private DirectScratch() {
    }

    /** A direct buffer holding a copy of {@code src}'s remaining bytes (position 0, limit = length). */
    static ByteBuffer copyOf(int slot, ByteBuffer src) {
        ByteBuffer b = ofSize(slot, src.remaining());
        b.put(src.duplicate());
        b.flip();
        return b;
    }

    /** A direct buffer of at least {@code size} bytes, cleared, limit = size. */
    static ByteBuffer ofSize(int slot, int size) {
        Slots slots = SLOTS_OF_THREAD.get();
        ByteBuffer b = slots.buffers[slot];
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.max(size, 4096)).order(ByteOrder.LITTLE_ENDIAN);
            slots.buffers[slot] = b;
            slots.addresses[slot] = Pointer.nativeValue(Native.getDirectBufferPointer(b));
        }
        b.clear();
        b.limit(size);
        return b;
    }

    /** This thread's slots (one ThreadLocal lookup for a call that needs several). */
    static Slots slots() {
        return SLOTS_OF_THREAD.get();
    }

    /** The native address of this thread's buffer in {@code slot} (after {@link #ofSize}). */
    static long address(int slot) {
        return SLOTS_OF_THREAD.get().addresses[slot];
    }
}
