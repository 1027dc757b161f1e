package dev.kmclbridge.junit;

import dev.kmclbridge.Channel;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.PacketRetiredException;
import dev.kmclbridge.PacketsHeldException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a test's backend is closed when the test ends. Closing disables every channel, and a disable waits until
 * every packet handed to user code has ended (B94), so a test that failed (or whose handler threw) while it held
 * a packet would wait for ever. Instead every packet user code still holds outside a running handler call is
 * failed at once; packets whose handler call still runs get {@link #CLOSE_TIMEOUT} to end (the backend is closed
 * with {@link Kmcl#close(Duration)}, which fails them after that). An {@link AssertionError} then names every
 * packet that had to be failed.
 */
final class HeldPacketCleanup {
    /**
     * How long closing waits for packets whose handler call still ran when the test ended (or that were handed
     * out after the sweep) before it fails them: a handler about to end its packet needs far less.
     */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

    private HeldPacketCleanup() {
    }

    /**
     * Fails the packets user code holds on {@code kmcl}'s channels, closes {@code kmcl}, and throws an
     * {@link AssertionError} naming those packets if there were any (other close failures are suppressed in it).
     */
    static void close(Kmcl kmcl) {
        List<String> failed = new ArrayList<>();
        for (Channel ch : kmcl.channels()) {
            for (IncomingPacket p : ch.outstandingPackets()) {
                if (!p.inHandlerCall()) {
                    failHeld(ch, p, failed);
                }
            }
        }
        RuntimeException closeError = null;
        try {
            kmcl.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            closeError = e;
        }
        List<Throwable> otherErrors = new ArrayList<>();
        if (closeError != null) {
            sortOut(closeError, failed, otherErrors);
            for (Throwable s : closeError.getSuppressed()) {
                sortOut(s, failed, otherErrors);
            }
        }
        if (!failed.isEmpty()) {
            AssertionError report = new AssertionError("the test ended while user code held " + failed.size()
                    + " incoming packet(s) it never completed or failed; they were failed so that the channels "
                    + "could close: " + failed);
            otherErrors.forEach(report::addSuppressed);
            throw report;
        }
        if (closeError != null) {
            throw closeError;
        }
    }

    private static void failHeld(Channel ch, IncomingPacket p, List<String> failed) {
        try {
            p.fail();
            failed.add(describe(ch, p));
        } catch (PacketRetiredException endedMeanwhile) {
            // the test's own threads ended it after all
        } catch (RuntimeException e) {
            failed.add(describe(ch, p) + " (the backend refused the fail: " + e.getMessage() + ")");
        }
    }

    private static void sortOut(Throwable t, List<String> failed, List<Throwable> otherErrors) {
        if (t instanceof PacketsHeldException) {
            PacketsHeldException held = (PacketsHeldException) t;
            for (IncomingPacket p : held.packets()) {
                failed.add(describe(p.channel(), p));
            }
        } else if (!otherErrors.contains(t)) {
            otherErrors.add(t);
        }
    }

    private static String describe(Channel ch, IncomingPacket p) {
        return "channel " + ch.id() + ": held " + p;
    }
}
