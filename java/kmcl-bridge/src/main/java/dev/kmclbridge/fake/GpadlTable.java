package dev.kmclbridge.fake;

import java.util.HashMap;
import java.util.Map;

/**
 * The GPADLs of one channel (handles are per channel, B144). Each entry is the shared memory itself: the
 * creator's buffer and the mapper's view are the same bytes (B143). The channel lock guards it.
 */
final class GpadlTable {
    /** One GPADL. */
    static final class Gpadl {
        final int handle;
        final byte[] memory;
        final boolean readOnly;
        /** True when our side created it (client channel); false when the guest peer created it (server channel). */
        final boolean ours;
        boolean mapped;

        Gpadl(int handle, int size, boolean readOnly, boolean ours) {
            this.handle = handle;
            this.memory = new byte[size];
            this.readOnly = readOnly;
            this.ours = ours;
        }
    }

    private final Map<Integer, Gpadl> entries = new HashMap<>();
    private int nextHandle = 1;

    Gpadl create(int size, boolean readOnly, boolean ours) {
        Gpadl g = new Gpadl(nextHandle++, size, readOnly, ours);
        entries.put(g.handle, g);
        return g;
    }

    Gpadl get(int handle) {
        return entries.get(handle);
    }

    void remove(int handle) {
        entries.remove(handle);
    }

    /** Drops the GPADLs the peer created (their owner went away) and unmaps every mapping. */
    void dropPeerOwnedAndUnmap() {
        entries.values().removeIf(g -> !g.ours);
        entries.values().forEach(g -> g.mapped = false);
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
