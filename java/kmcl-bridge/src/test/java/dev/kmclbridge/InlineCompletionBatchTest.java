package dev.kmclbridge;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Completions made inline in the packet handler are queued and reach the backend as one completeBatch per batch,
 * still exactly once and in order with every other ending; and the payload view a handler gets ends with its call
 * unless the packet is still held.
 */
class InlineCompletionBatchTest extends ScriptedChannelFixture {
    private List<String> endings() {
        return backend.calls.stream().filter(c -> c.startsWith("complete") || c.startsWith("fail")
                || c.startsWith("requeue") || c.startsWith("defer")).toList();
    }

    @Test
    void inlineCompletionsOfOneBatchReachTheBackendAsOneCompleteBatch() throws Exception {
        ch.onPacket(IncomingPacket::complete);
        backend.script(ScriptedBackend.packets(1, 2, 3, 4, 5));
        awaitCall("completeBatch");
        assertEquals(List.of("completeBatch:1:2:3:4:5"), endings());
    }

    @Test
    void failAfterInlineCompletionsDoesNotOvertakeThem() throws Exception {
        ch.onPacket(p -> {
            if (p.id() == 3) {
                p.fail();
            } else {
                p.complete();
            }
        });
        backend.script(ScriptedBackend.packets(1, 2, 3, 4, 5));
        awaitCall("requeue");
        assertEquals(List.of("completeBatch:1:2", "fail:3", "requeue:4:5"), endings(),
                "completions made before the fail reach the backend before it; the fail still stops the queue");
    }

    @Test
    void sendFromTheHandlerAfterInlineCompletionsDoesNotOvertakeThem() throws Exception {
        ch.onPacket(p -> {
            p.complete();
            if (p.id() == 2) {
                ch.send(new byte[] {7});
            }
        });
        backend.script(ScriptedBackend.packets(1, 2, 3));
        awaitCall("completeBatch:3");
        List<String> order = backend.calls.stream().filter(c -> c.startsWith("complete") || c.startsWith("send"))
                .map(c -> c.startsWith("send") ? "send" : c).toList();
        assertEquals(List.of("completeBatch:1:2", "send", "completeBatch:3"), order,
                "the peer sees the handler's completions before the packet it sends after them");
    }

    @Test
    void deferAfterInlineCompletionsDoesNotOvertakeThem() throws Exception {
        ch.onPacket(p -> {
            if (p.id() == 2) {
                p.deferToPassive();
            } else {
                p.complete();
            }
        });
        backend.script(ScriptedBackend.packets(1, 2, 3));
        awaitCall("completeBatch:3");
        assertEquals(List.of("completeBatch:1", "defer:2", "completeBatch:3"), endings());
    }

    @Test
    void completeFromAnotherThreadAfterTheHandlerReturnedGoesToTheBackendAtOnce() throws Exception {
        LinkedBlockingQueue<IncomingPacket> kept = new LinkedBlockingQueue<>();
        ch.onPacket(p -> {
            if (p.id() == 2) {
                kept.add(p); // held beyond the handler call
            } else {
                p.complete();
                kept.add(p);
            }
        });
        backend.script(ScriptedBackend.packets(1, 2));
        IncomingPacket first = kept.poll(5, TimeUnit.SECONDS);
        IncomingPacket held = kept.poll(5, TimeUnit.SECONDS);
        assertNotNull(held);
        awaitCall("completeBatch:1");
        assertArrayEquals(new byte[]{2}, held.payloadBytes(), "a held packet keeps its payload after the handler");
        assertThrows(IllegalStateException.class, first::payload,
                "the view of a packet that ended in its handler ends with the handler call");
        assertEquals(1, first.payloadLength(), "the length stays known");
        CompletableFuture.runAsync(() -> held.complete(new byte[]{7, 7})).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("completeBatch:1", "complete:2:2"), endings());
        assertThrows(PacketRetiredException.class, held::complete, "still exactly once");
    }

    @Test
    void aSecondInlineCompletionIsRefusedAndNotQueued() throws Exception {
        List<Throwable> second = new CopyOnWriteArrayList<>();
        ch.onPacket(p -> {
            p.complete();
            try {
                p.complete();
            } catch (PacketRetiredException e) {
                second.add(e);
            }
        });
        backend.script(ScriptedBackend.packets(1, 2));
        awaitCall("completeBatch");
        assertEquals(2, second.size());
        assertEquals(List.of("completeBatch:1:2"), endings());
    }

    /**
     * Handlers complete inline while another thread completes the packets they hold and a third fails one:
     * every packet reaches the backend exactly once, and nothing completed before the fail comes after it.
     */
    @RepeatedTest(20)
    void concurrentEndingsReachTheBackendExactlyOnceAndInOrderWithTheFail() throws Exception {
        LinkedBlockingQueue<IncomingPacket> handedOver = new LinkedBlockingQueue<>();
        ch.onPacket(p -> {
            if (p.id() % 3 == 0) {
                handedOver.add(p);
            } else {
                p.complete();
            }
        });
        int n = 60;
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
        }
        backend.script(ScriptedBackend.packets(ids));
        Thread completer = new Thread(() -> {
            boolean failed = false;
            while (true) {
                try {
                    IncomingPacket p = handedOver.poll(failed ? 200 : 5000, TimeUnit.MILLISECONDS);
                    if (p == null) {
                        return; // after the fail nothing more is handed out
                    }
                    if (p.id() == 30) {
                        p.fail();
                        failed = true;
                    } else {
                        p.complete();
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        completer.start();
        completer.join(10_000);
        assertFalse(completer.isAlive());
        awaitCall("fail:30");
        long end = System.nanoTime() + WAIT.toNanos();
        while (ch.outstandingPackets().size() > 0 && System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
        List<String> endings = endings();
        java.util.Map<Long, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < endings.size(); i++) {
            String[] parts = endings.get(i).split(":");
            int idsFrom = parts[0].equals("completeBatch") || parts[0].equals("requeue") ? 1 : -1;
            if (parts[0].equals("complete") || parts[0].equals("fail")) {
                assertTrue(seen.put(Long.parseLong(parts[1]), i) == null, "packet " + parts[1] + " twice: " + endings);
            }
            for (int k = Math.max(idsFrom, 1); idsFrom > 0 && k < parts.length; k++) {
                assertTrue(seen.put(Long.parseLong(parts[k]), i) == null, "packet " + parts[k] + " twice: " + endings);
            }
        }
        assertTrue(endings.contains("fail:30"), endings.toString());
        int failAt = endings.indexOf("fail:30");
        for (int i = failAt + 1; i < endings.size(); i++) {
            assertFalse(endings.get(i).startsWith("completeBatch") && endings.get(i).contains(":29"),
                    "packet 29 was completed inline before packet 30 was handed to the other thread: " + endings);
        }
        assertEquals(n, seen.size(), "every packet ended or was handed back exactly once: " + endings);
    }
}
