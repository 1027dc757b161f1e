package dev.kmclbridge;

import java.nio.ByteBuffer;

/**
 * A GPADL over a buffer the bridge owns (VmbChannelCreateGpadlFromBuffer). Hand {@link #handle()} to the
 * server in your own protocol. {@link #close()} deletes it (VmbChannelDeleteGpadl), blocking while the server
 * still has it mapped.
 */
public final class Gpadl implements AutoCloseable {
    private final Channel channel;
    private final int handle;
    private final int size;
    private final boolean readOnly;
    private volatile boolean closed;

    Gpadl(Channel channel, int handle, int size, boolean readOnly) {
        this.channel = channel;
        this.handle = handle;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** The UINT32 GPADL handle, meaningful only on this channel. */
    public int handle() {
        return handle;
    }

    /** Buffer size in bytes. */
    public int size() {
        return size;
    }

    /** Created with VMBUS_CHANNEL_GPADL_FLAG_READ_ONLY (a hint for the server, not a protection). */
    public boolean readOnly() {
        return readOnly;
    }

    /** Reads {@code length} bytes at {@code offset}. */
    public byte[] read(int offset, int length) {
        checkRange(offset, length);
        ByteBuffer b = ByteBuffer.allocate(length);
        channel.gpadlAccess(handle, false, offset, b, false);
        return b.array();
    }

    /** Writes {@code data} at {@code offset}. */
    public void write(int offset, byte[] data) {
        checkRange(offset, data.length);
        channel.gpadlAccess(handle, false, offset, ByteBuffer.wrap(data), true);
    }

    private void checkRange(int offset, int length) {
        if (closed) {
            throw new IllegalStateException("GPADL " + handle + " was deleted");
        }
        if (offset < 0 || length < 0 || (long) offset + length > size) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long) offset + length)
                    + ") is outside GPADL " + handle + " of " + size + " bytes");
        }
    }

    /** VmbChannelDeleteGpadl; blocks until the server unmaps it. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            channel.deleteGpadl(handle);
            closed = true;
        }
    }
}
