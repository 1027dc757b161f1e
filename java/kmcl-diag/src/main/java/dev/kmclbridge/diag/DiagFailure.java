package dev.kmclbridge.diag;

/**
 * A failure kmcl-diag reports as exactly one line on stderr with a specific {@link ExitCode}; thrown by commands
 * and option parsing, caught in {@link KmclDiag}.
 */
public final class DiagFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;

    public DiagFailure(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public DiagFailure(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static DiagFailure usage(String message) {
        return new DiagFailure(ExitCode.USAGE, message);
    }

    public static DiagFailure badInput(String message) {
        return new DiagFailure(ExitCode.BAD_INPUT, message);
    }

    public static DiagFailure badInput(String message, Throwable cause) {
        return new DiagFailure(ExitCode.BAD_INPUT, message, cause);
    }

    public static DiagFailure backendUnavailable(String message) {
        return new DiagFailure(ExitCode.BACKEND_UNAVAILABLE, message);
    }

    public static DiagFailure timeout(String message) {
        return new DiagFailure(ExitCode.TIMEOUT, message);
    }
}
