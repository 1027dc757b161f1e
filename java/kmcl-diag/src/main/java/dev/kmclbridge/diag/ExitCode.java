package dev.kmclbridge.diag;

/** The process exit codes of kmcl-diag (documented in docs/kmcl-diag.md; stable, scripts rely on them). */
public enum ExitCode {
    /** The command did what was asked (health: healthy; selftest: every test passed; replay: everything matched). */
    OK(0, "success"),
    /** The command ran, and its verdict is negative: unhealthy channel, selftest failures, replay mismatch. */
    CHECK_FAILED(1, "check failed: unhealthy, selftest failure, replay mismatch"),
    /** Unknown command or option, missing option argument, option given twice, option not allowed on this backend. */
    USAGE(2, "usage error: unknown command or option, missing argument, option given twice"),
    /**
     * Malformed GUID, bad hex, bad number, filter or pattern, unknown channel or endpoint; a file that is missing,
     * unreadable, not a regular file or too large; an output file that cannot be written; a payload larger than the
     * largest packet; a bad capture file; a replay that would not finish in time.
     */
    BAD_INPUT(3, "bad input: malformed GUID, hex or number, unknown channel or endpoint, bad or unwritable file,"
            + " payload too large"),
    /** The backend asked for cannot be opened here (no driver, no native library, no peer for replay). */
    BACKEND_UNAVAILABLE(4, "backend unavailable"),
    /** A KMCL call failed (the message names the call and the NTSTATUS). */
    KMCL_FAILURE(5, "KMCL call failed"),
    /** Nothing happened in time: no matching packet, channel did not open, no completion. */
    TIMEOUT(6, "timed out waiting"),
    /** A bug in kmcl-diag (rerun with --verbose and report the stack trace). */
    INTERNAL_ERROR(9, "internal error");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The numeric process exit code. */
    public int code() {
        return code;
    }

    /** One-line meaning, for help and docs. */
    public String meaning() {
        return meaning;
    }
}
