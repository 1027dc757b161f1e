package dev.kmclbridge.ic;

/** Status values carried in the IC header (HRESULT-style, as Linux's include/uapi/linux/hyperv.h names them). */
public final class IcStatus {
    /** Success. */
    public static final int OK = 0;
    /** Generic failure (HV_E_FAIL). */
    public static final int FAIL = 0x80004005;
    /** No more items: KVP enumeration past the end (HV_S_CONT; OpenVMM calls it NO_MORE_ITEMS). */
    public static final int NO_MORE_ITEMS = 0x80070103;
    /** Not supported (HV_ERROR_NOT_SUPPORTED). */
    public static final int NOT_SUPPORTED = 0x80070032;
    /** Machine locked: refuse an interactive shutdown (HV_ERROR_MACHINE_LOCKED). */
    public static final int MACHINE_LOCKED = 0x800704F7;

    private IcStatus() {
    }

    /** A short name for a status, or its hex value. */
    public static String describe(int status) {
        return switch (status) {
            case OK -> "OK";
            case FAIL -> "FAIL";
            case NO_MORE_ITEMS -> "NO_MORE_ITEMS";
            case NOT_SUPPORTED -> "NOT_SUPPORTED";
            case MACHINE_LOCKED -> "MACHINE_LOCKED";
            default -> String.format("0x%08x", status);
        };
    }
}
