package dev.kmclbridge.peer;

/** The host peer's mapping of one of our GPADLs; close to unmap. */
public interface PeerMapping extends AutoCloseable {
    /** Reads {@code length} bytes at {@code offset}. */
    byte[] read(int offset, int length);

    /** Writes bytes at {@code offset} (shared memory: our GPADL sees them). */
    void write(int offset, byte[] data);

    /** Unmaps; a blocked VmbChannelDeleteGpadl on our side then returns. */
    @Override
    void close();
}
