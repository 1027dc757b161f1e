package dev.kmclbridge;

import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The per-channel thread that blocks in {@code Backend.receive} (the inverted call, through the channel's
 * {@link ChannelInbox}) and runs the channel's callbacks in the order the batch carries them. A packet record
 * becomes an {@link IncomingPacket} that the inbox ends; it goes to the packet handler, or is parked in the inbox
 * when none is set, or is handed back while a fail keeps the queue stopped.
 *
 * <p>A callback that throws does not stop the dispatcher: any {@link Exception} or {@link Error} is logged and
 * the next event is dispatched; a packet the handler did not end stays held ({@link Channel#outstandingPackets()}).
 * Only a {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal JVM error)
 * is fatal: it is logged and ends the thread that ran the callback. Interrupts do not stop the dispatcher either
 * (it clears and logs them; {@link #stop()} is the only way to stop it).
 */
final class ChannelDispatcher implements Runnable {
    private static final System.Logger LOG = System.getLogger(ChannelDispatcher.class.getName());
    private static final long POLL_MILLIS = 250;

    private final Channel channel;
    private final ChannelInbox inbox;
    private final ChannelListeners listeners;
    private final PendingSends sends;
    /** The delivery threads, or null when handlers run on the dispatcher thread (one delivery thread). */
    private final DeliveryPool pool;
    /** Packets of the current run waiting for the delivery pool, in batch order (dispatcher thread only). */
    private final List<IncomingPacket> pooled = new ArrayList<>();
    /** Packets a stopped queue refused in the current run, by batch position. */
    private final Map<Integer, IncomingPacket> refused = new TreeMap<>();
    /** Batch position of the current run's first pooled packet. */
    private int runStart;
    /** Position of the next packet record in the batch being dispatched. */
    private int nextPosition;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ThreadLocal<IncomingPacket> inHandler = new ThreadLocal<>();
    private final ThreadLocal<StateEvent> inStateCallback = new ThreadLocal<>();
    private int closedEvents;

    ChannelDispatcher(Channel channel, ChannelInbox inbox, ChannelListeners listeners, PendingSends sends,
                      int deliveryThreads) {
        this.channel = channel;
        this.inbox = inbox;
        this.listeners = listeners;
        this.sends = sends;
        this.pool = deliveryThreads > 1 ? new DeliveryPool(channel.id(), deliveryThreads) : null;
        this.thread = new Thread(this, "kmcl-dispatch-" + channel.id());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() {
        running.set(false);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.shutdown();
        }
    }

    boolean onDispatcher() {
        return Thread.currentThread() == thread || inHandler.get() != null || inStateCallback.get() != null;
    }

    void checkNotOnDispatcher(String call) {
        if (inStateCallback.get() != null) {
            throw new IllegalStateException(call + " may not be called from a state-change callback ("
                    + inStateCallback.get() + "); KMCL forbids it");
        }
        if (onDispatcher()) {
            throw new IllegalStateException(call + " may not be called from this channel's packet or batch callback: "
                    + "it waits for the callbacks to finish");
        }
    }

    void checkNotInStartedCallback() {
        if (inStateCallback.get() == StateEvent.STARTED) {
            throw new IllegalStateException("VmbChannelSendSynchronousRequest from EvtChannelStarted never returns "
                    + "(incoming delivery is not on yet); send it from POST_STARTED instead");
        }
    }

    synchronized int closedEvents() {
        return closedEvents;
    }

    synchronized void awaitClosedEvent(int before, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closedEvents <= before && running.get()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.log(Level.WARNING, "channel {0}: Closed callback not seen {1} after disable", channel.id(), timeout);
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void run() {
        try {
            receiveUntilStopped();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "channel " + channel.id() + ": dispatcher stops on " + e
                    + "; the channel delivers nothing more (close it)", e);
            throw e;
        }
    }

    private void receiveUntilStopped() {
        EventBatch batch = new EventBatch(64 * 1024);
        int[] needed = new int[1];
        while (running.get()) {
            batch.clear();
            int st = inbox.receive(batch, POLL_MILLIS, needed);
            NtStatus s = NtStatus.of(st);
            if (clearInterrupt("while receiving") && s == NtStatus.CANCELLED) {
                continue; // the wait was interrupted, nothing was taken: receive again
            }
            if (s == NtStatus.TIMEOUT) {
                continue;
            }
            if (s == NtStatus.CANCELLED || s == NtStatus.BRIDGE_STALE_ID) {
                break;
            }
            if (s == NtStatus.BUFFER_TOO_SMALL) {
                batch.ensureCapacity(Math.max(needed[0], batch.capacity() * 2));
                continue;
            }
            if (!s.isSuccess()) {
                LOG.log(Level.ERROR, "channel {0}: receive failed with {1}; dispatcher stops", channel.id(),
                        NtStatus.describe(st));
                break;
            }
            dispatch(batch);
        }
    }

    /**
     * Runs one batch's records in order. Packet records become handler calls (on the delivery pool in runs between
     * other records, when it has more than one thread); before any other record and at the batch's end the
     * completions the handlers made inline go to the backend as one completeBatch, and what a fail kept from user
     * code goes back to the backend.
     */
    private void dispatch(EventBatch batch) {
        EventBatch.Reader r = batch.reader();
        nextPosition = 0;
        try {
            while (r.next()) {
                switch (r.kind()) {
                    case Event.KIND_PACKET:
                        deliver(incomingPacket(r));
                        break;
                    case Event.KIND_PROCESSING_COMPLETE:
                        endRun();
                        if (!inbox.stoppedByFail()) {
                            processingComplete(r.aux());
                        }
                        break;
                    case Event.KIND_STATE:
                        endRun();
                        stateChanged(StateEvent.ofCode(r.flags()), r.status());
                        break;
                    case Event.KIND_STATE_OVERFLOW:
                        endRun();
                        stateOverflow(r.aux(), r.id());
                        stateChanged(StateEvent.ofCode(r.flags()), r.status());
                        break;
                    case Event.KIND_SEND_COMPLETE:
                        sends.ended(r.id(), r.status(), r.payload());
                        break;
                    default:
                        LOG.log(Level.WARNING, "channel {0}: unknown event kind {1} ignored", channel.id(), r.kind());
                }
            }
        } finally {
            endRun();
        }
    }

    /**
     * Ends the current run of packet records: runs the pooled handler calls, sends the inline completions (one
     * backend call) and hands back, in batch order, the packets a stopped queue refused.
     */
    private void endRun() {
        if (pool != null && !pooled.isEmpty()) {
            PacketHandler h = listeners.packetHandlerOrNull();
            int base = runStart;
            if (h == null) {
                for (int i = 0; i < pooled.size(); i++) {
                    runHandlerOrPark(null, pooled.get(i), base + i); // parking keeps batch order
                }
            } else {
                pool.deliverAll(pooled, (p, i) -> runHandlerOrPark(h, p, base + i));
            }
            pooled.clear();
        }
        inbox.flushCompletions();
        List<IncomingPacket> back;
        synchronized (refused) {
            if (refused.isEmpty()) {
                return;
            }
            back = new ArrayList<>(refused.values());
            refused.clear();
        }
        inbox.handBack(back); // what a fail kept from user code stays in the ring
    }

    private IncomingPacket incomingPacket(EventBatch.Reader r) {
        int f = r.flags();
        return new IncomingPacket(channel, inbox, r.id(), r.buffer(), r.payloadOffset(), r.payloadLength(),
                r.externalLength(), f,
                r.status() == Event.IRQL_PASSIVE ? Irql.PASSIVE : Irql.DISPATCH,
                (f & Event.PACKET_FLAG_REDELIVERY) != 0,
                (f & Event.PACKET_FLAG_COMPLETION_REQUESTED) != 0);
    }

    private void processingComplete(int packets) {
        for (ProcessingCompleteListener l : listeners.batchListeners()) {
            safely(() -> l.onProcessingComplete(packets), "processing-complete listener");
        }
    }

    private void stateChanged(StateEvent ev, int status) {
        applyStateEffects(ev == StateEvent.SUSPEND || ev == StateEvent.CLOSED, ev == StateEvent.CLOSED);
        notifyStateListeners(new StateChange(ev,
                ev == StateEvent.PNP_FAILURE ? NtStatus.of(status) : NtStatus.SUCCESS,
                ev == StateEvent.PNP_FAILURE ? status : 0));
        if (ev == StateEvent.CLOSED) {
            countClosed();
        }
    }

    /**
     * A STATE_OVERFLOW record: {@code merged} callbacks of the kinds in {@code kinds} (bit per wire code) reached
     * nobody in time and were merged by the driver. What they would have done here still happens; the listeners
     * learn how many they missed, and the newest of them follows as a normal state change.
     */
    private void stateOverflow(int merged, long kinds) {
        int missed = merged - 1;
        if (missed <= 0) {
            return;
        }
        boolean closed = (kinds & (1L << Event.STATE_CLOSED)) != 0;
        applyStateEffects(closed || (kinds & (1L << Event.STATE_SUSPEND)) != 0, closed);
        notifyStateListeners(new StateChange(StateEvent.OVERFLOW, NtStatus.SUCCESS, 0, missed));
        if (closed) {
            countClosed();
        }
    }

    private void applyStateEffects(boolean suspended, boolean closed) {
        if (suspended) {
            // B86: nothing is handed out after Suspend; packets still waiting in the default queue were
            // never given to user code, so they go back (Pause/Disable would otherwise wait for them)
            inbox.handBackUnread();
        }
        if (closed) {
            inbox.clearStop(); // re-enable after disable clears the stop (B73: "until disable")
        }
    }

    private void notifyStateListeners(StateChange change) {
        inStateCallback.set(change.event());
        try {
            for (StateChangeListener l : listeners.stateListeners()) {
                safely(() -> l.onStateChange(change), "state listener");
            }
        } finally {
            inStateCallback.remove();
        }
        listeners.recordStateChange(change);
    }

    private synchronized void countClosed() {
        closedEvents++;
        notifyAll();
    }

    /**
     * Hands {@code p} to the handler or the default queue (a stopped queue refuses it: it is handed back); with a
     * delivery pool it joins the current run, delivered when the run ends.
     */
    private void deliver(IncomingPacket p) {
        int position = nextPosition++;
        if (pool == null) {
            runHandlerOrPark(listeners.packetHandlerOrNull(), p, position);
            return;
        }
        if (pooled.isEmpty()) {
            runStart = position;
        }
        pooled.add(p);
    }

    private void runHandlerOrPark(PacketHandler h, IncomingPacket p, int position) {
        if (h == null) {
            if (!inbox.park(p)) {
                refuse(p, position);
            }
            return;
        }
        p.enterHandlerCall();
        if (!inbox.handOut(p)) {
            p.leaveHandlerCall();
            refuse(p, position);
            return;
        }
        inHandler.set(p);
        try {
            handle(h, p);
        } finally {
            p.leaveHandlerCall();
            inHandler.set(null); // not remove(): that clears a weak reference natively, once per packet
        }
    }

    private void refuse(IncomingPacket p, int position) {
        synchronized (refused) {
            refused.put(position, p);
        }
    }

    /** Runs a user callback; anything it throws is logged, except the fatal errors {@link #isFatal} names. */
    private void safely(Runnable r, String what) {
        try {
            r.run();
        } catch (Throwable e) {
            callbackThrew(e, what);
        } finally {
            clearInterruptAfter(what);
        }
    }

    /** {@link #safely} for the packet handler, without a lambda per packet. */
    private void handle(PacketHandler h, IncomingPacket p) {
        try {
            h.onPacket(p);
        } catch (Throwable e) {
            callbackThrew(e, "packet handler");
        } finally {
            clearInterruptAfter("packet handler");
        }
    }

    private void callbackThrew(Throwable e, String what) {
        if (isFatal(e)) {
            LOG.log(Level.ERROR, "channel " + channel.id() + ": " + what + " threw " + e
                    + ", a fatal JVM error: it is not caught", e);
            throw (Error) e;
        }
        LOG.log(Level.ERROR, "channel " + channel.id() + ": " + what + " threw; the channel keeps running", e);
    }

    private void clearInterruptAfter(String what) {
        if (Thread.currentThread().isInterrupted()) {
            clearInterrupt("by the " + what);
        }
    }

    /**
     * The errors a callback may throw that the dispatcher does not survive: {@link VirtualMachineError}s (out
     * of memory, internal JVM errors) except {@link StackOverflowError}, after which the stack has unwound and
     * the dispatcher's state is intact.
     */
    static boolean isFatal(Throwable e) {
        return e instanceof VirtualMachineError && !(e instanceof StackOverflowError);
    }

    /** Clears this thread's interrupt flag; true (and logged) if it was set. */
    private boolean clearInterrupt(String when) {
        if (!Thread.interrupted()) {
            return false;
        }
        LOG.log(Level.WARNING, "channel {0}: the dispatcher thread was interrupted {1}; it keeps delivering "
                + "(close the channel to stop it)", channel.id(), when);
        return true;
    }
}
