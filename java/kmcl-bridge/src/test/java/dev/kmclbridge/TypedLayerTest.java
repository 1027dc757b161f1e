package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat;
import dev.kmclbridge.spi.WireFormat.Event;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed layer over a scripted SPI double: dispatch order, packet lifetime, futures, misuse checks. */
class TypedLayerTest extends ScriptedChannelFixture {
    @Test
    void handlerSeesPacketsInBatchOrder() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(4);
        ch.onPacket(p -> {
            seen.add(p.id());
            p.complete();
            done.countDown();
        });
        backend.script(ScriptedBackend.packets(4, 3, 9, 1));
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(4L, 3L, 9L, 1L), seen);
    }

    @Test
    void failMidBatchStopsHandlerCallsAndRequeuesTheRestInOrder() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        ch.onPacket(p -> {
            seen.add(p.id());
            if (p.id() == 2) {
                p.fail();
            }
        });
        backend.script(ScriptedBackend.packets(1, 2, 3, 4));
        awaitCall("requeue");
        assertEquals(List.of(1L, 2L), seen);
        assertTrue(backend.calls.contains("fail:2"));
        assertTrue(backend.calls.contains("requeue:3:4"), backend.calls.toString());
    }

    @Test
    void failInQueueModeHandsBackPacketsStillInTheQueue() throws Exception {
        backend.script(ScriptedBackend.packets(10, 11, 12));
        IncomingPacket first = ch.nextPacket(WAIT).orElseThrow();
        awaitQueued(2);
        first.fail();
        assertTrue(backend.calls.contains("requeue:11:12"), backend.calls.toString());
        assertTrue(ch.nextPacket(Duration.ofMillis(50)).isEmpty());
    }

    private void awaitQueued(int n) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (ch.inbox.unreadCount() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("queue never reached " + n);
            }
            Thread.sleep(2);
        }
    }

    @Test
    void secondCompleteAndCompleteAfterFailThrowPacketRetired() throws Exception {
        backend.script(ScriptedBackend.packets(1, 2));
        IncomingPacket a = ch.nextPacket(WAIT).orElseThrow();
        IncomingPacket b = ch.nextPacket(WAIT).orElseThrow();
        a.complete(new byte[]{7});
        PacketRetiredException again = assertThrows(PacketRetiredException.class, a::complete);
        assertTrue(again.getMessage().contains("already completed"), again.getMessage());
        b.fail();
        assertThrows(PacketRetiredException.class, b::complete);
        assertEquals(1, backend.calls.stream().filter(c -> c.equals("complete:1:1")).count());
    }

    @Test
    void deferToPassiveIsRejectedOutsideTheHandlerAndForwardedInline() throws Exception {
        backend.script(ScriptedBackend.packets(5));
        IncomingPacket queued = ch.nextPacket(WAIT).orElseThrow();
        IllegalStateException e = assertThrows(IllegalStateException.class, queued::deferToPassive);
        assertTrue(e.getMessage().contains("only valid inline"), e.getMessage());
        queued.complete();

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        ch.onPacket(p -> {
            try {
                p.deferToPassive();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        backend.script(ScriptedBackend.packets(6));
        awaitCall("defer:6");
        assertEquals(null, thrown.get());
    }

    @Test
    void processingCompleteRunsAfterTheBatchHandlersWithTheCount() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch batchEnd = new CountDownLatch(1);
        ch.onPacket(p -> {
            order.add("p" + p.id());
            p.complete();
        });
        ch.onProcessingComplete(n -> {
            order.add("batch" + n);
            batchEnd.countDown();
        });
        backend.script(ScriptedBackend.packets(1, 2, 3).andThen(b ->
                b.append(Event.KIND_PROCESSING_COMPLETE, 0, 0, 0, 3, null, null)));
        assertTrue(batchEnd.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("p1", "p2", "p3", "batch3"), order);
    }

    @Test
    void concurrentDeliveryStillEndsTheBatchAfterAllHandlers() throws Exception {
        reopenWith(ChannelConfig.builder().deliveryThreads(4).build());
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger atBatchEnd = new AtomicInteger(-1);
        CountDownLatch end = new CountDownLatch(1);
        ch.onPacket(p -> {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.incrementAndGet();
            p.complete();
        });
        ch.onProcessingComplete(n -> {
            atBatchEnd.set(handled.get());
            end.countDown();
        });
        backend.script(ScriptedBackend.packets(1, 2, 3, 4, 5, 6, 7, 8).andThen(b ->
                b.append(Event.KIND_PROCESSING_COMPLETE, 0, 0, 0, 8, null, null)));
        assertTrue(end.await(5, TimeUnit.SECONDS));
        assertEquals(8, atBatchEnd.get());
    }

    @Test
    void sendFutureCompletesWithThePayloadOfItsSendCompleteEvent() throws Exception {
        CompletableFuture<Completion> f = ch.send(new byte[]{1, 2}, EnumSet.of(SendFlag.WAIT_FOR_COMPLETION));
        assertTrue(backend.calls.contains("send:1:2:0:1"), backend.calls.toString());
        backend.script(b -> b.append(Event.KIND_SEND_COMPLETE, 0, 1, 0, 0, ByteBuffer.wrap(new byte[]{9, 9, 9}), null));
        assertArrayEquals(new byte[]{9, 9, 9}, f.get(5, TimeUnit.SECONDS).payloadBytes());
    }

    @Test
    void sendEndingWithAFailureStatusFailsTheFutureWithThatStatus() {
        CompletableFuture<Completion> f = ch.send(new byte[]{1});
        backend.script(b -> b.append(Event.KIND_SEND_COMPLETE, 0, 1, NtStatus.CANCELLED.value(), 0, null, null));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        KmclException k = assertInstanceOf(KmclException.class, e.getCause());
        assertEquals(NtStatus.CANCELLED, k.status());
    }

    @Test
    void sendRejectedByTheBackendThrowsNamingTheKmclCall() {
        backend.nextStatus = NtStatus.INVALID_PARAMETER.value();
        KmclException e = assertThrows(KmclException.class, () -> ch.send(ByteBuffer.wrap(new byte[3]),
                EnumSet.noneOf(SendFlag.class), Optional.of(ExternalData.pfns(new byte[16]))));
        assertEquals(KmclFunction.VMB_PACKET_SEND_WITH_EXTERNAL_PFNS, e.function());
        assertTrue(e.getMessage().contains("STATUS_INVALID_PARAMETER"), e.getMessage());
        assertTrue(backend.calls.stream().anyMatch(c -> c.endsWith(":" + WireFormat.ExternalForm.PFNS + ":0")));
    }

    @Test
    void pauseFromAStateListenerIsRejectedAsKmclForbidsIt() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch called = new CountDownLatch(1);
        ch.onStateChange(c -> {
            try {
                ch.pause();
            } catch (Throwable t) {
                thrown.set(t);
            }
            called.countDown();
        });
        backend.script(b -> b.append(Event.KIND_STATE, Event.STATE_STARTED, 0, 0, 0, null, null));
        assertTrue(called.await(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, thrown.get());
        assertTrue(thrown.get().getMessage().contains("state-change callback"), thrown.get().getMessage());
    }

    @Test
    void synchronousRequestFromStartedIsRejectedAndFromPostStartedGoesThrough() throws Exception {
        AtomicReference<Throwable> inStarted = new AtomicReference<>();
        AtomicReference<Completion> inPost = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        ch.onStateChange(c -> {
            try {
                Completion r = ch.sendSynchronous(SyncRequest.builder(new byte[]{1}).build());
                if (c.event() == StateEvent.POST_STARTED) {
                    inPost.set(r);
                }
            } catch (Throwable t) {
                if (c.event() == StateEvent.STARTED) {
                    inStarted.set(t);
                }
            }
            done.countDown();
        });
        backend.script(b -> {
            b.append(Event.KIND_STATE, Event.STATE_STARTED, 0, 0, 0, null, null);
            b.append(Event.KIND_STATE, Event.STATE_POST_STARTED, 0, 0, 0, null, null);
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, inStarted.get());
        assertArrayEquals(new byte[]{0x5A}, inPost.get().payloadBytes());
    }

    @Test
    void synchronousTimeoutIsPassedAsRelative100nsUnits() {
        ch.sendSynchronous(SyncRequest.builder(new byte[]{1}).completionCapacity(16).timeout(Duration.ofMillis(3)).build());
        ch.sendSynchronous(SyncRequest.builder(new byte[]{1}).build());
        assertTrue(backend.calls.contains("sync:true:-30000:16"), backend.calls.toString());
        assertTrue(backend.calls.contains("sync:false:0:64"), backend.calls.toString());
    }

    @Test
    void stateListenerSeesEventsAndHistoryRecordsThem() {
        backend.script(b -> {
            b.append(Event.KIND_STATE, Event.STATE_OPENED, 0, 0, 0, null, null);
            b.append(Event.KIND_STATE, Event.STATE_PNP_FAILURE, 0, NtStatus.NO_SUCH_DEVICE.value(), 0, null, null);
        });
        assertTrue(ch.awaitStateEvent(StateEvent.PNP_FAILURE, WAIT));
        assertEquals(List.of(new StateChange(StateEvent.OPENED, NtStatus.SUCCESS, 0),
                new StateChange(StateEvent.PNP_FAILURE, NtStatus.NO_SUCH_DEVICE, NtStatus.NO_SUCH_DEVICE.value())),
                ch.stateHistory());
    }

    /** A STATE_OVERFLOW record: listeners hear how many callbacks were merged, then the newest as usual. */
    @Test
    void stateOverflowRecordReportsTheMissedCallbacksThenTheNewest() {
        long kinds = (1L << Event.STATE_SUSPEND) | (1L << Event.STATE_CLOSED) | (1L << Event.STATE_OPENED)
                | (1L << Event.STATE_STARTED) | (1L << Event.STATE_POST_STARTED);
        backend.script(b -> {
            b.append(Event.KIND_STATE, Event.STATE_SUSPEND, 0, 0, 0, null, null);
            b.append(Event.KIND_STATE_OVERFLOW, Event.STATE_POST_STARTED, kinds, 0, 9, null, null);
        });
        assertTrue(ch.awaitStateEvent(StateEvent.POST_STARTED, WAIT));
        assertEquals(List.of(new StateChange(StateEvent.SUSPEND, NtStatus.SUCCESS, 0),
                new StateChange(StateEvent.OVERFLOW, NtStatus.SUCCESS, 0, 8),
                new StateChange(StateEvent.POST_STARTED, NtStatus.SUCCESS, 0)), ch.stateHistory());
    }

    @Test
    void closeCleansUpAndFailsSendsStillPending() {
        CompletableFuture<Completion> f = ch.send(new byte[]{1});
        ch.close();
        assertTrue(backend.calls.contains("cleanup"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertEquals(NtStatus.CANCELLED, ((KmclException) e.getCause()).status());
        IllegalStateException closed = assertThrows(IllegalStateException.class, ch::enable);
        assertTrue(closed.getMessage().contains("is closed"));
    }

    @Test
    void onlyVirtualMachineErrorsOtherThanStackOverflowAreFatalToTheDispatcher() {
        assertTrue(ChannelDispatcher.isFatal(new OutOfMemoryError()));
        assertTrue(ChannelDispatcher.isFatal(new InternalError()));
        assertFalse(ChannelDispatcher.isFatal(new StackOverflowError()));
        assertFalse(ChannelDispatcher.isFatal(new AssertionError("a failed assertion in a handler")));
        assertFalse(ChannelDispatcher.isFatal(new NoClassDefFoundError("x")));
        assertFalse(ChannelDispatcher.isFatal(new IllegalStateException()));
    }

    @Test
    void completeAllChecksTheWholeBatchBeforeEndingAnyPacket() throws Exception {
        backend.script(ScriptedBackend.packets(1, 2));
        IncomingPacket a = ch.nextPacket(WAIT).orElseThrow();
        IncomingPacket b = ch.nextPacket(WAIT).orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> ch.completeAll(List.of(a, b, a), new byte[0]));
        b.complete();
        assertThrows(PacketRetiredException.class, () -> ch.completeAll(List.of(a, b), new byte[0]));
        assertFalse(a.isRetired());
        assertTrue(backend.calls.stream().noneMatch(c -> c.startsWith("completeBatch")), backend.calls.toString());
        assertEquals(List.of(a), ch.outstandingPackets());
        a.complete();
    }

    @Test
    void completeAllUsesOneBatchCall() throws Exception {
        backend.script(ScriptedBackend.packets(1, 2, 3));
        List<IncomingPacket> got = List.of(ch.nextPacket(WAIT).orElseThrow(), ch.nextPacket(WAIT).orElseThrow(),
                ch.nextPacket(WAIT).orElseThrow());
        ch.completeAll(got, new byte[0]);
        assertTrue(backend.calls.contains("completeBatch:1:2:3"), backend.calls.toString());
        assertThrows(PacketRetiredException.class, () -> got.get(0).complete());
    }

    @Test
    void enableFailureCarriesStatusAndCall() {
        backend.nextStatus = NtStatus.INVALID_DEVICE_STATE.value();
        KmclException e = assertThrows(KmclException.class, ch::enable);
        assertEquals(KmclFunction.VMB_CHANNEL_ENABLE, e.function());
        assertEquals(NtStatus.INVALID_DEVICE_STATE, e.status());
    }

    @Test
    void interruptLatencyOutsideUint16IsRejectedBeforeTheBackend() {
        assertThrows(IllegalArgumentException.class, () -> ch.setInterruptLatency(0x10000));
        backend.nextStatus = NtStatus.INVALID_DEVICE_STATE.value();
        KmclException e = assertThrows(KmclException.class, () -> ch.setInterruptLatency(10));
        assertTrue(e.getMessage().contains("only while the channel is open"), e.getMessage());
    }
}
