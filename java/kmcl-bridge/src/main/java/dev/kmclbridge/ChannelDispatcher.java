package dev.kmclbridge;

import dev.kmclbridge.spi.EventBatch;
import dev.kmclbridge.spi.WireFormat.Event;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    private final ExecutorService pool;
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
        this.pool = deliveryThreads > 1 ? Executors.newFixedThreadPool(deliveryThreads, r -> {
            Thread t = new Thread(r, "kmcl-delivery-" + channel.id());
            t.setDaemon(true);
            return t;
        }) : null;
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
            pool.shutdownNow();
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

    private void dispatch(EventBatch batch) {
        EventBatch.Reader r = batch.reader();
        Map<Integer, IncomingPacket> refused = new ConcurrentSkipListMap<>(); // by position in the batch
        List<CountDownLatch> inFlight = new ArrayList<>();
        int position = 0;
        while (r.next()) {
            switch (r.kind()) {
                case Event.KIND_PACKET:
                    deliver(incomingPacket(r), position++, refused, inFlight);
                    break;
                case Event.KIND_PROCESSING_COMPLETE:
                    awaitAll(inFlight);
                    if (!inbox.stoppedByFail()) {
                        processingComplete(r.aux());
                    }
                    break;
                case Event.KIND_STATE:
                    awaitAll(inFlight);
                    stateChanged(StateEvent.ofCode(r.flags()), r.status());
                    break;
                case Event.KIND_STATE_OVERFLOW:
                    awaitAll(inFlight);
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
        awaitAll(inFlight);
        inbox.handBack(new ArrayList<>(refused.values())); // what a fail kept from user code stays in the ring
    }

    private IncomingPacket incomingPacket(EventBatch.Reader r) {
        int f = r.flags();
        return new IncomingPacket(channel, inbox, r.id(), r.payload(), r.external(), f,
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

    /** Hands {@code p} to the handler or the default queue; a stopped queue refuses it (it is handed back). */
    private void deliver(IncomingPacket p, int position, Map<Integer, IncomingPacket> refused,
                         List<CountDownLatch> inFlight) {
        PacketHandler h = listeners.packetHandler().orElse(null);
        if (h == null) {
            if (!inbox.park(p)) {
                refused.put(position, p);
            }
            return;
        }
        if (pool == null) {
            runHandler(h, p, position, refused);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        inFlight.add(done);
        pool.execute(() -> {
            try {
                runHandler(h, p, position, refused);
            } finally {
                done.countDown();
            }
        });
    }

    private void runHandler(PacketHandler h, IncomingPacket p, int position, Map<Integer, IncomingPacket> refused) {
        p.enterHandlerCall();
        if (!inbox.handOut(p)) {
            p.leaveHandlerCall();
            refused.put(position, p);
            return;
        }
        inHandler.set(p);
        try {
            safely(() -> h.onPacket(p), "packet handler");
        } finally {
            p.leaveHandlerCall();
            inHandler.remove();
        }
    }

    /** Waits for the batch's handler calls on the delivery pool; an interrupt does not cut the wait short. */
    private static void awaitAll(List<CountDownLatch> inFlight) {
        for (CountDownLatch l : inFlight) {
            boolean done = false;
            while (!done) {
                try {
                    l.await();
                    done = true;
                } catch (InterruptedException e) {
                    // the dispatcher ignores interrupts (see the class comment); the flag was consumed here
                }
            }
        }
        inFlight.clear();
    }

    /** Runs a user callback; anything it throws is logged, except the fatal errors {@link #isFatal} names. */
    private void safely(Runnable r, String what) {
        try {
            r.run();
        } catch (Throwable e) {
            if (isFatal(e)) {
                LOG.log(Level.ERROR, "channel " + channel.id() + ": " + what + " threw " + e
                        + ", a fatal JVM error: it is not caught", e);
                throw e;
            }
            LOG.log(Level.ERROR, "channel " + channel.id() + ": " + what + " threw; the channel keeps running", e);
        } finally {
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
