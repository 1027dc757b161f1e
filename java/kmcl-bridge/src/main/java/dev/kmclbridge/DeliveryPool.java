package dev.kmclbridge;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;

/**
 * The delivery threads of a channel configured with more than one ({@link ChannelConfig#deliveryThreads()}): a run
 * of packets from one batch is shared among them, each thread taking the next packet until none is left. One task
 * per thread and one latch per run, not per packet.
 */
final class DeliveryPool {
    private final ExecutorService threads;
    private final int size;

    DeliveryPool(long channelId, int size) {
        this.size = size;
        this.threads = Executors.newFixedThreadPool(size, r -> {
            Thread t = new Thread(r, "kmcl-delivery-" + channelId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Calls {@code deliver} with every packet of {@code packets} and its index, on the pool's threads, and returns when
     * all calls returned. An interrupt of the caller does not cut the wait short.
     */
    void deliverAll(List<IncomingPacket> packets, ObjIntConsumer<IncomingPacket> deliver) {
        int n = packets.size();
        if (n == 0) {
            return;
        }
        int workers = Math.min(size, n);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(workers);
        Runnable worker = () -> {
            try {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    deliver.accept(packets.get(i), i);
                }
            } finally {
                done.countDown();
            }
        };
        for (int w = 0; w < workers; w++) {
            threads.execute(worker);
        }
        boolean finished = false;
        while (!finished) {
            try {
                done.await();
                finished = true;
            } catch (InterruptedException e) {
                // the dispatcher ignores interrupts (see ChannelDispatcher); keep waiting for the handlers
            }
        }
    }

    void shutdown() {
        threads.shutdownNow();
    }
}
