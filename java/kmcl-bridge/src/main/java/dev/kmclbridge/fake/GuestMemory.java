package dev.kmclbridge.fake;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fake's physical memory for external data: external bytes are copied into 4 KiB pages named by page frame
 * numbers, the ring carries the PFNs (GPA-direct, type 9), and the reader copies the pages back out. Thread safe.
 */
final class GuestMemory {
    /** First PFN handed out (an arbitrary, recognizable value). */
    static final long FIRST_PFN = 0x10_0000L;

    private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();
    private final AtomicLong nextPfn = new AtomicLong(FIRST_PFN);

    /** Copies {@code bytes} into fresh pages and returns their PFNs. */
    long[] store(byte[] bytes) {
        int count = (int) PacketFraming.pagesSpanned(0, bytes.length);
        long[] pfns = new long[count];
        for (int i = 0; i < count; i++) {
            byte[] page = new byte[PacketFraming.PAGE_SIZE];
            int off = i * PacketFraming.PAGE_SIZE;
            System.arraycopy(bytes, off, page, 0, Math.min(PacketFraming.PAGE_SIZE, bytes.length - off));
            long pfn = nextPfn.getAndIncrement();
            pages.put(pfn, page);
            pfns[i] = pfn;
        }
        return pfns;
    }

    /** Reads {@code length} bytes from the pages and releases them; null if a PFN is unknown. */
    byte[] take(long[] pfns, int length) {
        byte[] out = new byte[length];
        boolean ok = true;
        for (int i = 0; i < pfns.length; i++) {
            byte[] page = pages.remove(pfns[i]);
            if (page == null) {
                ok = false;
                continue;
            }
            int off = i * PacketFraming.PAGE_SIZE;
            System.arraycopy(page, 0, out, off, Math.min(PacketFraming.PAGE_SIZE, length - off));
        }
        return ok ? out : null;
    }

    /** Releases pages without reading them (packet dropped). */
    void release(long[] pfns) {
        for (long pfn : pfns) {
            pages.remove(pfn);
        }
    }

    /** Pages currently held (leak checks in tests). */
    int pagesInUse() {
        return pages.size();
    }
}
