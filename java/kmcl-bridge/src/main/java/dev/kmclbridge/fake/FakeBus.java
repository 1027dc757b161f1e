package dev.kmclbridge.fake;

import dev.kmclbridge.peer.OfferOptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fake VMBus: host offers (the endpoints) and which client channel is bound to which offer. At most one client
 * channel binds to an offer at a time; waiting channels bind in allocation order when it frees. Lock order: the bus
 * lock before any channel lock; nothing here blocks while holding it.
 */
final class FakeBus {
    final ReentrantLock lock = new ReentrantLock();
    private final Map<Long, Offer> offers = new LinkedHashMap<>();
    private final TreeMap<Long, FakeChannel> channels = new TreeMap<>();
    private final ArrayDeque<Integer> pnpFailures = new ArrayDeque<>();

    Offer addOffer(long id, UUID type, UUID instance, OfferOptions options) {
        lock.lock();
        try {
            Offer o = new Offer(id, type, instance, options);
            offers.put(id, o);
            bindWaiting(o);
            return o;
        } finally {
            lock.unlock();
        }
    }

    /** Withdraws an offer; a bound client channel gets Suspend (if running) and Closed. False if unknown. */
    boolean rescind(long offerId) {
        lock.lock();
        try {
            Offer o = offers.remove(offerId);
            if (o == null) {
                return false;
            }
            o.rescinded = true;
            FakeChannel ch = o.bound;
            if (ch != null) {
                o.bound = null;
                ch.bound = null;
                ch.peerClose();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    List<Offer> offers() {
        lock.lock();
        try {
            return new ArrayList<>(offers.values());
        } finally {
            lock.unlock();
        }
    }

    Offer offer(long id) {
        lock.lock();
        try {
            return offers.get(id);
        } finally {
            lock.unlock();
        }
    }

    void register(FakeChannel ch) {
        lock.lock();
        try {
            channels.put(ch.id, ch);
        } finally {
            lock.unlock();
        }
    }

    void armPnpFailure(int status) {
        lock.lock();
        try {
            pnpFailures.addLast(status);
        } finally {
            lock.unlock();
        }
    }

    int enable(FakeChannel ch) {
        lock.lock();
        try {
            int st = ch.enable();
            if (st == 0 && !ch.isServer()) {
                for (Offer o : offers.values()) {
                    if (tryBind(ch, o)) {
                        break;
                    }
                }
            }
            return st;
        } finally {
            lock.unlock();
        }
    }

    /** After a client's Disable finished: free its offer for the next waiting channel. */
    void unbind(FakeChannel ch) {
        lock.lock();
        try {
            Offer o = ch.bound;
            if (o != null) {
                ch.bound = null;
                o.bound = null;
                bindWaiting(o);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Peer close: the guest closes our server channel, or the host rescinds our client's offer. */
    void peerClose(FakeChannel ch) {
        if (ch.isServer()) {
            if (!ch.isOpen()) {
                throw new IllegalStateException("channel " + ch.id + " is not open");
            }
            ch.peerClose();
            return;
        }
        lock.lock();
        try {
            Offer o = ch.bound;
            if (o == null) {
                throw new IllegalStateException("client channel " + ch.id + " is not bound to an offer");
            }
            rescind(o.id);
        } finally {
            lock.unlock();
        }
    }

    int cleanup(FakeChannel ch) {
        lock.lock();
        try {
            int st = ch.cleanup();
            if (st == 0) {
                channels.remove(ch.id);
            }
            return st;
        } finally {
            lock.unlock();
        }
    }

    private void bindWaiting(Offer o) {
        for (FakeChannel ch : channels.values()) {
            if (o.bound != null) {
                return;
            }
            tryBind(ch, o);
        }
    }

    /** Binds {@code ch} to {@code o} if both are free and they match. Lock held. */
    private boolean tryBind(FakeChannel ch, Offer o) {
        if (o.bound != null || o.rescinded || o.options.targetVtl() != 0 || !ch.isEnabledAndUnbound()
                || ch.bound != null || !o.matches(ch.targetType, ch.targetInstance)) {
            return false;
        }
        Integer failure = ch.takePnpFailure();
        if (failure == null) {
            failure = pnpFailures.pollFirst();
        }
        if (failure != null) {
            ch.pnpFailure(failure);
            return true; // the channel found its target; the offer stays free
        }
        o.bound = ch;
        ch.bindAndOpen(o);
        return true;
    }
}
