package dev.kmclbridge.fake;

import dev.kmclbridge.NtStatus;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The GPADLs of one channel (handles are per channel, B144) and the rules for creating, mapping, accessing and
 * deleting them from our side and from the peer's. Each entry is the shared memory itself: the creator's buffer and
 * the mapper's view are the same bytes (B143). Every method runs with the channel lock held; delete waits on the
 * channel's monitor while the peer has the GPADL mapped (B142).
 */
final class ChannelGpadls {
    private static final int SUCCESS = NtStatus.SUCCESS.value();
    private static final int READ_ONLY = 0x1;

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

    private final FakeChannel channel;
    private final Map<Integer, Gpadl> entries = new HashMap<>();
    private int nextHandle = 1;

    ChannelGpadls(FakeChannel channel) {
        this.channel = channel;
    }

    private Gpadl add(int size, boolean readOnly, boolean ours) {
        Gpadl g = new Gpadl(nextHandle++, size, readOnly, ours);
        entries.put(g.handle, g);
        return g;
    }

    // ---- our side (KMCL calls)

    int create(int size, int flags, int[] outHandle) {
        if (channel.server) {
            return NtStatus.INVALID_DEVICE_REQUEST.value();
        }
        if (!channel.lifecycle.isOpen()) {
            return NtStatus.INVALID_DEVICE_STATE.value();
        }
        if (size <= 0 || (flags & ~READ_ONLY) != 0) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        outHandle[0] = add(size, (flags & READ_ONLY) != 0, true).handle;
        return SUCCESS;
    }

    int delete(int handle) throws InterruptedException {
        Gpadl g = entries.get(handle);
        if (g == null || !g.ours) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        while (g.mapped && !channel.lifecycle.isCleaned()) {
            channel.monitor.awaitChange(); // B142
        }
        entries.remove(handle);
        return SUCCESS;
    }

    int map(int handle, int flags) {
        if (!channel.server) {
            return NtStatus.INVALID_DEVICE_REQUEST.value();
        }
        if ((flags & ~READ_ONLY) != 0) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        Gpadl g = entries.get(handle);
        if (g == null || g.ours) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if ((flags & READ_ONLY) == 0 && g.readOnly) {
            return NtStatus.ACCESS_DENIED.value(); // B138
        }
        if (g.mapped) {
            return NtStatus.INVALID_DEVICE_STATE.value(); // B140
        }
        g.mapped = true;
        return SUCCESS;
    }

    int unmap(int handle) {
        if (!channel.server) {
            return NtStatus.INVALID_DEVICE_REQUEST.value();
        }
        Gpadl g = entries.get(handle);
        if (g == null || g.ours) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (!g.mapped) {
            return NtStatus.INVALID_DEVICE_STATE.value();
        }
        g.mapped = false;
        channel.monitor.signalChange();
        return SUCCESS;
    }

    /** Reads or writes our GPADL's buffer ({@code mapped} false), or the peer's GPADL we mapped ({@code mapped} true). */
    int access(int handle, boolean mapped, long offset, ByteBuffer data, boolean write) {
        Gpadl g = entries.get(handle);
        if (g == null) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (mapped) {
            if (!channel.server) {
                return NtStatus.INVALID_DEVICE_REQUEST.value();
            }
            if (g.ours || !g.mapped) {
                return NtStatus.INVALID_DEVICE_STATE.value();
            }
        } else if (!g.ours) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        int len = data.remaining();
        if (offset < 0 || offset + len > g.memory.length) {
            return NtStatus.INVALID_PARAMETER.value();
        }
        if (write) {
            data.duplicate().get(g.memory, (int) offset, len);
        } else {
            data.duplicate().put(g.memory, (int) offset, len);
        }
        return SUCCESS;
    }

    // ---- the peer's side (misuse is a test bug: exceptions, not statuses)

    /** Host peer maps our GPADL. */
    Gpadl peerMap(int handle, boolean readOnly) {
        Gpadl g = entries.get(handle);
        if (g == null || !g.ours) {
            throw new IllegalStateException("channel " + channel.id + " has no GPADL " + handle + " created by our side");
        }
        if (!readOnly && g.readOnly) {
            throw new IllegalStateException("GPADL " + handle + " was created read-only; a writable map fails (B138)");
        }
        if (g.mapped) {
            throw new IllegalStateException("GPADL " + handle + " is already mapped (B140)");
        }
        g.mapped = true;
        return g;
    }

    void peerUnmap(Gpadl g) {
        g.mapped = false;
        channel.monitor.signalChange();
    }

    /** Reads (data null) or writes GPADL memory; {@code requireMapped} checks the peer mapping is live. */
    byte[] peerAccess(Gpadl g, int offset, byte[] data, int length, boolean requireMapped) {
        if (requireMapped && (!g.mapped || entries.get(g.handle) != g)) {
            throw new IllegalStateException("GPADL " + g.handle + " is no longer mapped");
        }
        int len = data != null ? data.length : length;
        if (offset < 0 || len < 0 || (long) offset + len > g.memory.length) {
            throw new IllegalArgumentException("GPADL " + g.handle + " has " + g.memory.length + " bytes; access "
                    + offset + "+" + len);
        }
        if (data != null) {
            System.arraycopy(data, 0, g.memory, offset, len);
            return null;
        }
        return Arrays.copyOfRange(g.memory, offset, offset + len);
    }

    /** Guest peer creates a GPADL on our server channel's connection. */
    int peerCreate(int size, boolean readOnly) {
        if (!channel.server) {
            throw new IllegalStateException("channel " + channel.id + " is a client channel; the host peer cannot create GPADLs on it");
        }
        channel.lifecycle.requireOpen("create a guest GPADL");
        if (size <= 0) {
            throw new IllegalArgumentException("GPADL size must be > 0, was " + size);
        }
        return add(size, readOnly, false).handle;
    }

    Gpadl peerOwned(int handle) {
        Gpadl g = entries.get(handle);
        if (g == null || g.ours) {
            throw new IllegalStateException("channel " + channel.id + " has no guest-created GPADL " + handle);
        }
        return g;
    }

    // ---- connection teardown

    /** The connection closed: the GPADLs the peer created go away with it, and every mapping ends. */
    void dropPeerOwnedAndUnmap() {
        entries.values().removeIf(g -> !g.ours);
        entries.values().forEach(g -> g.mapped = false);
    }

    void clear() {
        entries.clear();
    }
}
