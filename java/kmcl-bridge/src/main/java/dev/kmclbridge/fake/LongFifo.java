package dev.kmclbridge.fake;

import java.util.NoSuchElementException;

/** A first-in first-out queue of {@code long}s in one growing array (no boxing). Not thread safe. */
final class LongFifo {
    private long[] items = new long[16];
    private int head;
    private int size;

    void add(long v) {
        if (size == items.length) {
            long[] bigger = new long[items.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = items[(head + i) & (items.length - 1)];
            }
            items = bigger;
            head = 0;
        }
        items[(head + size) & (items.length - 1)] = v;
        size++;
    }

    long poll() {
        if (size == 0) {
            throw new NoSuchElementException("empty");
        }
        long v = items[head];
        head = (head + 1) & (items.length - 1);
        size--;
        return v;
    }

    /** The oldest value, left in the queue. */
    long peek() {
        if (size == 0) {
            throw new NoSuchElementException("empty");
        }
        return items[head];
    }

    void clear() {
        head = 0;
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }
}
