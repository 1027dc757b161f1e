package dev.kmclbridge.conformance;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.kmclbridge.conformance.LifecycleRecorder.awaitEvent;
import static dev.kmclbridge.conformance.PacketFlow.next;
import static dev.kmclbridge.conformance.PacketFlow.outcome;
import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog section 5.2 (B13, B15, B27, B28): {@code Channel.configure} after creation: the effective configuration
 * {@code config()} reports, the settings a later configure leaves alone, and the process-packet callbacks Enable
 * closes.
 */
@KmclTest
@Timeout(60)
public class ConfigureAfterCreationContract extends EndsLeftoverPackets {

    /** B13: config() is the effective configuration: the creation settings with every later configure on top. */
    @Test
    void B13_configIsTheMergeOfEveryConfigure(TestChannels t) {
        ClientChannel ch = t.client(ChannelConfig.builder().friendlyName("first").maximumPacketSize(4096).build());
        ch.configure(ChannelConfig.builder().clientContextSize(16).friendlyName("second").build());
        ChannelConfig c = ch.config();
        assertEquals(Optional.of("second"), c.friendlyName(), "the later value wins");
        assertEquals(OptionalInt.of(4096), c.maximumPacketSize(), "the creation's value stays");
        assertEquals(OptionalInt.of(16), c.clientContextSize());
        assertTrue(c.targetPnp().isPresent(), "the creation's target stays");
    }

    /** B15: VmbChannelInitSetProcessPacketCallbacks after Enable returns STATUS_INVALID_PARAMETER_1, with or without the end-of-batch callback. */
    @Test
    void B15_processPacketCallbacksAfterEnableReturnInvalidParameter1(TestChannels t) {
        ClientChannel ch = t.openClient(ChannelConfig.defaults());
        for (boolean register : new boolean[] {false, true}) {
            KmclException e = assertThrows(KmclException.class,
                    () -> ch.configure(ChannelConfig.builder().processingCompleteCallback(register).build()),
                    "processingCompleteCallback(" + register + ") after enable");
            assertEquals(NtStatus.INVALID_PARAMETER_1, e.status(), e.getMessage());
            assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS, e.function(), e.getMessage());
        }
    }

    /** B27: a channel created without the end-of-batch callback keeps it off through a configure that does not mention it. */
    @Test
    void B27_laterConfigureLeavesTheProcessingCompleteCallbackAlone(TestChannels t) throws InterruptedException {
        ClientChannel ch = t.client(ChannelConfig.builder().processingCompleteCallback(false).build());
        ch.configure(ChannelConfig.builder().friendlyName("later").build());
        assertEquals(Optional.of(false), ch.config().processingCompleteCallback());
        assertEquals(List.of(), batchEndsAfterOnePacket(t, ch));
    }

    /** B28: a later configure can register the end-of-batch callback again on a channel created without it. */
    @Test
    void B28_laterConfigureRegistersTheProcessingCompleteCallbackAgain(TestChannels t) throws InterruptedException {
        ClientChannel ch = t.client(ChannelConfig.builder().processingCompleteCallback(false).build());
        ch.configure(ChannelConfig.builder().processingCompleteCallback(true).build());
        assertEquals(Optional.of(true), ch.config().processingCompleteCallback());
        assertEquals(List.of(1), batchEndsAfterOnePacket(t, ch));
    }

    /** Enables {@code ch}, lets the peer send one packet, completes it and returns the batch ends seen by then. */
    private static List<Integer> batchEndsAfterOnePacket(TestChannels t, ClientChannel ch) throws InterruptedException {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        ch.onProcessingComplete(batches::add);
        ch.enable();
        awaitEvent(ch, StateEvent.POST_STARTED, 1);
        Peer peer = t.peer();
        long tx = peer.send(ch.id(), seq(1), true, Optional.empty());
        next(ch).complete();
        assertEquals(PeerOutcome.Kind.COMPLETED, outcome(peer, ch, tx).kind());
        Thread.sleep(TestChannels.QUIET.toMillis()); // an end-of-batch would have been dispatched by now
        return List.copyOf(batches);
    }
}
