package dev.kmclbridge;

import java.util.HashMap;
import java.util.Map;

/**
 * Every NTSTATUS value that KMCL documents, the ones the bridge's driver returns for hostile or stale input,
 * and bridge-specific values (customer bit set, {@code 0xE...}) for conditions NTSTATUS has no name for.
 * Values are exact; {@link #isSuccess()} follows {@code NT_SUCCESS} (so {@link #MORE_PROCESSING_REQUIRED}
 * and {@link #BUFFER_OVERFLOW} are not successes, as in the kernel).
 */
public enum NtStatus {
    SUCCESS(0x00000000),
    TIMEOUT(0x00000102),
    PENDING(0x00000103),
    BUFFER_OVERFLOW(0x80000005),
    UNSUCCESSFUL(0xC0000001),
    INFO_LENGTH_MISMATCH(0xC0000004),
    INVALID_HANDLE(0xC0000008),
    INVALID_PARAMETER(0xC000000D),
    NO_SUCH_DEVICE(0xC000000E),
    INVALID_DEVICE_REQUEST(0xC0000010),
    MORE_PROCESSING_REQUIRED(0xC0000016),
    ACCESS_DENIED(0xC0000022),
    BUFFER_TOO_SMALL(0xC0000023),
    REVISION_MISMATCH(0xC0000059),
    INTEGER_OVERFLOW(0xC0000095),
    INSUFFICIENT_RESOURCES(0xC000009A),
    DEVICE_NOT_CONNECTED(0xC000009D),
    NOT_SUPPORTED(0xC00000BB),
    INVALID_PARAMETER_1(0xC00000EF),
    INVALID_PARAMETER_2(0xC00000F0),
    INVALID_PARAMETER_3(0xC00000F1),
    CANCELLED(0xC0000120),
    INVALID_DEVICE_STATE(0xC0000184),
    NOT_FOUND(0xC0000225),
    DEVICE_REMOVED(0xC00002B6),
    /** Bridge: the id names a slot whose generation has moved on (object closed or retired). */
    BRIDGE_STALE_ID(0xE0000001),
    /** Bridge: the id belongs to another handle (session) than the caller's. */
    BRIDGE_FOREIGN_ID(0xE0000002),
    /** Bridge: the incoming packet was already completed, failed or deferred. */
    BRIDGE_PACKET_RETIRED(0xE0000003),
    /** Bridge: the channel's incoming queue was stopped by VmbChannelPacketFail. */
    BRIDGE_QUEUE_STOPPED(0xE0000004),
    /** Bridge: the call breaks a documented KMCL precondition (the fake fails loudly instead of corrupting state). */
    BRIDGE_CONTRACT_VIOLATION(0xE0000005),
    /** Bridge: the device already has a channel; a VMBus offer admits one open at a time (native function driver). */
    BRIDGE_CHANNEL_ALREADY_OPEN(0xE0000006),
    /** Bridge: a status value this enum does not know; see {@link KmclException#rawStatus()}. */
    BRIDGE_UNKNOWN_STATUS(0xE00000FF);

    private static final Map<Integer, NtStatus> BY_VALUE = new HashMap<>();

    static {
        for (NtStatus s : values()) {
            BY_VALUE.put(s.value, s);
        }
    }

    private final int value;

    NtStatus(int value) {
        this.value = value;
    }

    /** The 32-bit NTSTATUS value. */
    public int value() {
        return value;
    }

    /** True exactly when {@code NT_SUCCESS(value)} is true (severity bits 00 or 01). */
    public boolean isSuccess() {
        return value >= 0;
    }

    /** The kernel's name, e.g. {@code STATUS_INVALID_PARAMETER_2}. */
    public String ntName() {
        return name().startsWith("BRIDGE_") ? "KMCLB_STATUS_" + name().substring(7) : "STATUS_" + name();
    }

    /** The constant for a raw value, or {@link #BRIDGE_UNKNOWN_STATUS} when the value is not listed. */
    public static NtStatus of(int value) {
        return BY_VALUE.getOrDefault(value, BRIDGE_UNKNOWN_STATUS);
    }

    /** True exactly when {@code NT_SUCCESS(raw)} is true. */
    public static boolean isSuccess(int raw) {
        return raw >= 0;
    }

    /** "STATUS_X (0xC00000EF)" for any raw value, listed or not. */
    public static String describe(int raw) {
        NtStatus s = BY_VALUE.get(raw);
        String hex = String.format("0x%08X", raw);
        return s == null ? "NTSTATUS " + hex : s.ntName() + " (" + hex + ")";
    }

    @Override
    public String toString() {
        return ntName();
    }
}
