package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelState;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.WireFormat.Event;

/**
 * The state machine of docs/kmcl-api.md section 4.0: Enable, Opened, Started/PostStarted, Suspend (pause or
 * peer close), Closed, Disable and Cleanup, with the state events each transition queues. Every method runs with
 * the channel lock held; pause and disable wait on the channel's monitor until the pending packets are ended.
 */
final class ChannelLifecycle {
    private static final int SUCCESS = NtStatus.SUCCESS.value();

    private final FakeChannel channel;
    private ChannelState state = ChannelState.DISABLED;
    private boolean everEnabled;
    private boolean runPaused;
    private boolean open;
    private boolean running;
    private boolean suspended;
    private boolean closing;
    private boolean pnpFailed;
    private boolean cleaned;
    private boolean offerVisible;
    private long mmioSize;
    private long mmioOfferMegabytes;
    /** The thread running the Closed callback (it received the CLOSED record), or null. */
    private Thread closedCallbackThread;

    ChannelLifecycle(FakeChannel channel) {
        this.channel = channel;
        this.runPaused = channel.server; // B44: a server starts paused until VmbChannelStart
    }

    boolean isEnabledAndUnbound() {
        return state == ChannelState.ENABLED && !channel.server && !pnpFailed && !cleaned;
    }

    /** Enable, channel part (the bus binds client channels afterwards). */
    int enable() {
        if (state != ChannelState.DISABLED) {
            return NtStatus.INVALID_DEVICE_STATE.value();
        }
        everEnabled = true;
        channel.incoming.resetForEnable();
        pnpFailed = false;
        state = ChannelState.ENABLED;
        offerVisible = channel.server;
        channel.monitor.signalChange();
        return SUCCESS;
    }

    /** Client: opens the connection to the offer the bus bound this channel to. */
    void openToOffer(Offer offer) {
        mmioOfferMegabytes = offer.options.mmioMegabytes();
        openConnection(channel.settings.incomingPages(), channel.settings.outgoingPages());
    }

    /** Client: the PnP target was found but connecting failed (B156). */
    void pnpFailure(int status) {
        pnpFailed = true;
        channel.events.state(Event.STATE_PNP_FAILURE, status);
        channel.monitor.signalChange();
    }

    /** Guest peer opens our server channel's offer. */
    void peerOpen() {
        if (!channel.server) {
            throw new IllegalStateException("channel " + channel.id + " is a client channel; the host peer opens it by offering");
        }
        if (!offerVisible || (state != ChannelState.ENABLED && state != ChannelState.CLOSED)) {
            throw new IllegalStateException("channel " + channel.id + " has no visible offer (state " + state + ")");
        }
        int targetVtl = channel.settings.targetVtl();
        if (targetVtl != 0) {
            throw new IllegalStateException("channel " + channel.id + " is offered to VTL " + targetVtl + "; the guest peer runs in VTL 0");
        }
        mmioOfferMegabytes = channel.settings.offeredMmioMegabytes();
        openConnection(FakeDefaults.GUEST_PEER_RING_PAGES, FakeDefaults.GUEST_PEER_RING_PAGES);
    }

    private void openConnection(int inPages, int outPages) {
        channel.incoming.openRing(inPages);
        channel.outgoing.openRing(outPages);
        open = true;
        closing = false;
        mmioSize = mmioOfferMegabytes * 1024L * 1024L;
        state = ChannelState.OPEN;
        channel.events.state(Event.STATE_OPENED, 0);
        if (!runPaused) {
            startRunning();
        }
        channel.outgoing.pump();
        channel.monitor.signalChange();
    }

    private void startRunning() {
        channel.events.state(Event.STATE_STARTED, 0);
        running = true;
        suspended = false;
        state = ChannelState.ACTIVE;
        // Q9: delivery is enabled first (receive may hand out packets from here on), then PostStarted
        channel.events.state(Event.STATE_POST_STARTED, 0);
        channel.monitor.signalChange();
    }

    private void suspendRunning() {
        if (!running) {
            return;
        }
        channel.incoming.endBatchBeforeSuspend();
        channel.events.state(Event.STATE_SUSPEND, 0);
        running = false;
        suspended = true;
        state = ChannelState.OPEN;
        channel.monitor.signalChange();
    }

    int start() {
        if (state == ChannelState.DISABLED) {
            return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B92: outside Enable..Disable
        }
        runPaused = false;
        if (open && !running && !closing) {
            startRunning();
        }
        return SUCCESS;
    }

    int pause() throws InterruptedException {
        runPaused = true;
        if (state == ChannelState.DISABLED) {
            return SUCCESS; // B88: auto-pause, no callbacks, no blocking
        }
        suspendRunning();
        awaitNothingPending();
        return SUCCESS;
    }

    private void awaitNothingPending() throws InterruptedException {
        while (channel.incoming.hasPending() && !cleaned) {
            channel.monitor.awaitChange();
        }
    }

    /** The peer closed (guest close of our server channel, or host rescind of our client's offer). */
    void peerClose() {
        if (!open) {
            return;
        }
        suspendRunning();
        closing = true;
        offerVisible = channel.server; // the server keeps its offer (B96)
        finishCloseIfDrained();
    }

    /** A peer close waits for the last pending packet to end; this finishes it once none is pending. */
    void finishCloseIfDrained() {
        if (closing && !channel.incoming.hasPending()) {
            finishClose(true);
        }
    }

    private void finishClose(boolean peerInitiated) {
        if (!open) {
            return;
        }
        channel.events.state(Event.STATE_CLOSED, 0);
        open = false;
        running = false;
        suspended = false;
        closing = false;
        mmioSize = 0;
        // the connection's rings go away with everything still in them, including completions not yet written
        channel.incoming.dropAll();
        channel.outgoing.dropConnection();
        channel.peer.forgetConnection();
        channel.gpadls.dropPeerOwnedAndUnmap();
        if (peerInitiated && !channel.server) {
            // Q8 (client): the host is gone; transmitted transactions can never complete
            channel.outgoing.cancelInFlight();
        }
        if (peerInitiated) {
            state = channel.server ? ChannelState.CLOSED : ChannelState.DISABLED;
        }
        // queued (untransmitted) sends stay queued (B99) until the next open or Disable
        channel.monitor.signalChange();
    }

    /** Disable, channel part: blocks until teardown is done. The bus unbinds the offer afterwards. */
    int disable() throws InterruptedException {
        if (state == ChannelState.DISABLED) {
            // no state change, but Q8 still holds: sends queued before Enable or after Closed (B42, B99) end
            // with STATUS_CANCELLED
            channel.outgoing.cancelAll();
            channel.monitor.signalChange();
            return SUCCESS;
        }
        offerVisible = false;
        suspendRunning();
        awaitNothingPending();
        if (open) {
            finishClose(false);
        }
        // Q7/Q8: queued and in-flight sends end with STATUS_CANCELLED
        channel.outgoing.cancelAll();
        state = ChannelState.DISABLED;
        closing = false;
        suspended = false;
        channel.monitor.signalChange();
        return SUCCESS;
    }

    int cleanup() {
        if (state != ChannelState.DISABLED) {
            return NtStatus.BRIDGE_CONTRACT_VIOLATION.value(); // B35
        }
        cleaned = true;
        state = ChannelState.CLEANED_UP;
        channel.incoming.dropAll();
        channel.outgoing.discardAll();
        channel.events.clear();
        channel.gpadls.clear();
        channel.monitor.signalChange();
        return SUCCESS;
    }

    /** B53: latency may be set from Opened through the end of Closed, i.e. until the Closed callback returns. */
    boolean latencySettable() {
        return open || Thread.currentThread() == closedCallbackThread;
    }

    /** The calling thread received the CLOSED record: the Closed callback runs on it until it asks for more. */
    void closedCallbackStarted() {
        closedCallbackThread = Thread.currentThread();
    }

    /** The calling thread asks for the next batch: if it ran the Closed callback, that callback has returned. */
    void closedCallbackReturned() {
        if (closedCallbackThread == Thread.currentThread()) {
            closedCallbackThread = null;
        }
    }

    /** A peer action that needs the connection: misuse by a test script, so an exception. */
    void requireOpen(String what) {
        if (!open) {
            throw new IllegalStateException("channel " + channel.id + " is not open: cannot " + what);
        }
    }

    ChannelState state() {
        return state;
    }

    boolean everEnabled() {
        return everEnabled;
    }

    boolean runPaused() {
        return runPaused;
    }

    boolean isOpen() {
        return open;
    }

    boolean isRunning() {
        return running;
    }

    boolean isSuspended() {
        return suspended;
    }

    boolean isClosing() {
        return closing;
    }

    boolean isCleaned() {
        return cleaned;
    }

    long mmioSize() {
        return mmioSize;
    }
}
