package dev.kmclbridge.jna;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Per-thread reusable direct buffers, so hot paths (send, complete) hand the shim a native address without
 * allocating per call. Each slot grows to the largest size seen on its thread.
 */
final class DirectScratch {
    static final int PAYLOAD = 0;
    static final int EXTERNAL = 1;
    static final int OUTPUT = 2;

    private static final ThreadLocal<ByteBuffer[]> SLOTS = ThreadLocal.withInitial(() -> new ByteBuffer[3]);

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
        ByteBuffer[] slots = SLOTS.get();
        ByteBuffer b = slots[slot];
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.max(size, 4096)).order(ByteOrder.LITTLE_ENDIAN);
            slots[slot] = b;
        }
        b.clear();
        b.limit(size);
        return b;
    }
}
