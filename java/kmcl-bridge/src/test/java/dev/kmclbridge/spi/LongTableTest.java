package dev.kmclbridge.spi;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongTableTest {
    @Test
    void storesReplacesAndRemovesLikeAMap() {
        LongTable<String> t = new LongTable<>();
        assertNull(t.put(5, "a"));
        assertEquals("a", t.put(5, "b"));
        assertEquals("b", t.get(5));
        assertNull(t.get(6));
        assertEquals("b", t.remove(5));
        assertNull(t.remove(5));
        assertTrue(t.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> t.put(1, null));
    }

    /** Random puts and removes (many colliding keys, growth, shift-back deletion) agree with a HashMap. */
    @Test
    void agreesWithAHashMapUnderRandomPutsAndRemoves() {
        Random r = new Random(42);
        LongTable<Long> t = new LongTable<>();
        Map<Long, Long> reference = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            long key = r.nextInt(3000) * (r.nextBoolean() ? 1L : 1L << 40);
            if (r.nextInt(3) == 0) {
                assertEquals(reference.remove(key), t.remove(key), "remove " + key);
            } else {
                long v = r.nextLong();
                assertEquals(reference.put(key, v), t.put(key, v), "put " + key);
            }
            if (step % 997 == 0) {
                for (Map.Entry<Long, Long> e : reference.entrySet()) {
                    assertEquals(e.getValue(), t.get(e.getKey()));
                }
            }
            assertEquals(reference.size(), t.size());
        }
        assertEquals(reference.size(), t.values().size());
        t.clear();
        assertEquals(0, t.size());
        assertNull(t.get(reference.keySet().iterator().next()));
    }
}
