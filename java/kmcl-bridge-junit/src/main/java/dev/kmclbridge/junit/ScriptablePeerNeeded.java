package dev.kmclbridge.junit;

import org.opentest4j.TestAbortedException;

/**
 * Ends a test that needs the backend's scriptable {@link dev.kmclbridge.peer.Peer} when the backend has none (native
 * on a real VM): the test is aborted, not failed, and reports such as {@code kmcl-diag selftest} show it as its own
 * outcome, {@value #REASON}, instead of a failure or an ordinary skip.
 */
public final class ScriptablePeerNeeded extends TestAbortedException {
    private static final long serialVersionUID = 1L;

    /** The outcome's words, first in every message of this exception. */
    public static final String REASON = "needs a scriptable peer (fake/loopback)";

    private final String backend;

    /** The abort of a test on {@code backend}, which has no scriptable peer. */
    public ScriptablePeerNeeded(String backend) {
        super(REASON + "; backend '" + backend + "' has none");
        this.backend = backend;
    }

    /** The backend that has no peer. */
    public String backend() {
        return backend;
    }
}
