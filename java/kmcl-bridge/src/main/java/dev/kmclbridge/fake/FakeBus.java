package dev.kmclbridge.fake;

import dev.kmclbridge.peer.OfferOptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The fake VMBus: host offers (the endpoints) and which client channel is bound to which offer. At most one client
 * channel binds to an offer at a time; waiting channels bind in allocation order when it frees. Lock order: the bus
 * lock before any channel lock; nothing here blocks while holding it.
 */
final class FakeBus {
    private final Monitor monitor = new Monitor();
    private final Map<Long, Offer> offers = new LinkedHashMap<>();
    private final TreeMap<Long, FakeChannel> channels = new TreeMap<>();
    private final ArrayDeque<Integer> pnpFailures = new ArrayDeque<>();

    Offer addOffer(long id, UUID type, UUID instance, OfferOptions options) {
        return monitor.get(() -> {
            Offer o = new Offer(id, type, instance, options);
            offers.put(id, o);
            bindWaiting(o);
            return o;
        });
    }

    /** Withdraws an offer; a bound client channel gets Suspend (if running) and Closed. False if unknown. */
    boolean rescind(long offerId) {
        return monitor.get(() -> rescindLocked(offerId));
    }

    private boolean rescindLocked(long offerId) {
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
    }

    List<Offer> offers() {
        return monitor.get(() -> new ArrayList<>(offers.values()));
    }

    Offer offer(long id) {
        return monitor.get(() -> offers.get(id));
    }

    void register(FakeChannel ch) {
        monitor.run(() -> channels.put(ch.id, ch));
    }

    void armPnpFailure(int status) {
        monitor.run(() -> pnpFailures.addLast(status));
    }

    int enable(FakeChannel ch) {
        return monitor.call(() -> {
            int st = ch.enable();
            if (st == 0 && !ch.isServer()) {
                for (Offer o : offers.values()) {
                    if (tryBind(ch, o)) {
                        break;
                    }
                }
            }
            return st;
        });
    }

    /** After a client's Disable finished: free its offer for the next waiting channel. */
    void unbind(FakeChannel ch) {
        monitor.run(() -> {
            Offer o = ch.bound;
            if (o != null) {
                ch.bound = null;
                o.bound = null;
                bindWaiting(o);
            }
        });
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
        monitor.run(() -> {
            Offer o = ch.bound;
            if (o == null) {
                throw new IllegalStateException("client channel " + ch.id + " is not bound to an offer");
            }
            rescindLocked(o.id);
        });
    }

    int cleanup(FakeChannel ch) {
        return monitor.call(() -> {
            int st = ch.cleanup();
            if (st == 0) {
                channels.remove(ch.id);
            }
            return st;
        });
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
                || ch.bound != null || !o.matches(ch.settings.targetType, ch.settings.targetInstance)) {
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
