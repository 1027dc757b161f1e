package dev.kmclbridge;

/**
 * Receives state-change callbacks on the channel's dispatcher thread, in order, interleaved with packets as
 * KMCL delivered them. Do not call {@link Channel#pause()}, {@link Channel#start()} or {@link Channel#disable()}
 * from here (KMCL forbids it; the bridge throws IllegalStateException).
 */
@FunctionalInterface
public interface StateChangeListener {
    /** Called once per callback. */
    void onStateChange(StateChange change);
}
