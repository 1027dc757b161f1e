package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.PacketHandler;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The packet handler of watch/fail/capture/health: applies a {@link PacketPolicy} to each incoming packet (inline,
 * on the dispatcher thread), remembers held packets and their age, and reports every packet to a listener.
 * Every packet is ended (or held) even when the listener throws: the first such failure is kept for the command
 * ({@link #listenerFailure}) instead of leaving the packet un-ended, which would make closing the channel wait.
 */
public final class PolicyHandler implements PacketHandler {
    private final PacketPolicy policy;
    private final Consumer<HandledPacket> listener;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<IncomingPacket, Long> held = new ConcurrentHashMap<>();
    private final AtomicReference<RuntimeException> listenerFailure = new AtomicReference<>();
    /** Set by {@link #completeHeld}: from then on nothing is held, so closing the channel cannot wait forever. */
    private boolean holdingStopped;

    public PolicyHandler(PacketPolicy policy, Consumer<HandledPacket> listener) {
        this.policy = policy;
        this.listener = listener;
    }

    @Override
    public void onPacket(IncomingPacket p) {
        long index = seen.incrementAndGet();
        long at = System.nanoTime();
        byte[] payload = p.payloadBytes();
        ByteBuffer ext = p.externalData();
        byte[] external = new byte[ext.remaining()];
        ext.get(external);
        PacketPolicy.Decision d = policy.decide(index, payload);
        byte[] completion = d == PacketPolicy.Decision.COMPLETE ? policy.completionPayload() : new byte[0];
        // report first, then end the packet: whoever waits for the verdict (the peer) sees the report already made
        try {
            listener.accept(new HandledPacket(index, at, payload, external, p.completionRequested(), d, completion));
        } catch (RuntimeException e) {
            listenerFailure.compareAndSet(null, e);
        }
        switch (d) {
            case COMPLETE -> {
                p.complete(completion);
                completed.incrementAndGet();
            }
            case FAIL -> {
                p.fail();
                failed.incrementAndGet();
            }
            case HOLD -> hold(p, at);
        }
        // counted only once the packet is completed, failed or held, so a caller that waits for the count and
        // then completes the held packets cannot miss one
        delivered.incrementAndGet();
    }

    private void hold(IncomingPacket p, long at) {
        synchronized (held) {
            if (!holdingStopped) {
                held.put(p, at);
                return;
            }
        }
        p.complete(policy.completionPayload());
    }

    /** What the listener threw first, if it ever did (the packets were ended all the same). */
    public Optional<RuntimeException> listenerFailure() {
        return Optional.ofNullable(listenerFailure.get());
    }

    /** Packets delivered and handled (completed, failed or held) so far. */
    public long delivered() {
        return delivered.get();
    }

    public long completed() {
        return completed.get();
    }

    public long failed() {
        return failed.get();
    }

    /** How long each held packet has been held, in nanoseconds, oldest first. */
    public List<Long> heldAgesNanos() {
        long now = System.nanoTime();
        List<Long> ages = new ArrayList<>();
        held.values().forEach(t -> ages.add(now - t));
        ages.sort((a, b) -> Long.compare(b, a));
        return ages;
    }

    /**
     * Completes every held packet (with the policy's completion payload) and stops holding: packets that arrive
     * later are completed at once. Returns how many held packets it completed.
     */
    public int completeHeld() {
        List<IncomingPacket> toComplete;
        synchronized (held) {
            holdingStopped = true;
            toComplete = List.copyOf(held.keySet());
        }
        int n = 0;
        for (IncomingPacket p : toComplete) {
            held.remove(p);
            p.complete(policy.completionPayload());
            n++;
        }
        return n;
    }
}
