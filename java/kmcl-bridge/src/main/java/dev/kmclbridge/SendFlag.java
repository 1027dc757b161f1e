package dev.kmclbridge;

import java.util.Set;

/** {@code VMBUS_CHANNEL_FORMAT_FLAG_*} values for sends. */
public enum SendFlag {
    /** The transaction stays open until the peer completes it; the completion carries the peer's payload. */
    WAIT_FOR_COMPLETION(0x1),
    /** Use the given external length even beyond the MDL's byte count (to the end of the page). */
    FORCE_MDL_LENGTH(0x2),
    /** The inline buffer is pageable; KMCL copies it first. (The bridge always copies, so reuse is safe.) */
    PAGED_BUFFER(0x4);

    private final int value;

    SendFlag(int value) {
        this.value = value;
    }

    /** The flag's bit. */
    public int value() {
        return value;
    }

    /** OR of the flags' bits. */
    public static int bits(Set<SendFlag> flags) {
        int v = 0;
        for (SendFlag f : flags) {
            v |= f.value;
        }
        return v;
    }
}
