package dev.kmclbridge;

import java.nio.ByteBuffer;

/** A server channel's mapping of a client GPADL (VmbChannelMapGpadl); close to unmap (VmbChannelUnmapGpadl). */
public final class GpadlMapping implements AutoCloseable {
    private final ServerChannel channel;
    private final int handle;
    private final boolean readOnly;
    private volatile boolean closed;

    GpadlMapping(ServerChannel channel, int handle, boolean readOnly) {
        this.channel = channel;
        this.handle = handle;
        this.readOnly = readOnly;
    }

    /** The GPADL handle. */
    public int handle() {
        return handle;
    }

    /** Mapped with READ_ONLY (which does not prevent writes; KMCL documents it as a hint). */
    public boolean readOnly() {
        return readOnly;
    }

    /** Reads {@code length} bytes at {@code offset} of the client's buffer. */
    public byte[] read(int offset, int length) {
        checkOpen();
        ByteBuffer b = ByteBuffer.allocate(length);
        channel.gpadlAccess(handle, true, offset, b, false);
        return b.array();
    }

    /** Writes into the client's buffer (shared memory). */
    public void write(int offset, byte[] data) {
        checkOpen();
        channel.gpadlAccess(handle, true, offset, ByteBuffer.wrap(data), true);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("GPADL mapping " + handle + " was unmapped");
        }
    }

    /** VmbChannelUnmapGpadl. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            channel.unmapGpadl(handle);
            closed = true;
        }
    }
}
