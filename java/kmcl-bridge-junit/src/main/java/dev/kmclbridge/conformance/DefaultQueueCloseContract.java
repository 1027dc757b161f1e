package dev.kmclbridge.conformance;

import dev.kmclbridge.Channel;
import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.IncomingPacket;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.kmclbridge.conformance.PacketFlow.seq;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catalog 5.5, B94, as the bridge realises it: Disable waits for packets the driver still owes a completion, but
 * packets the bridge holds in a channel's default queue were never handed to user code, so closing the channel
 * must not wait for the user to complete them.
 */
@KmclTest
@Timeout(60)
public class DefaultQueueCloseContract extends EndsLeftoverPackets {
    /** close() returns although packets sit unread in the default queue (they were never handed to user code). */
    @Test
    void B94_closeDoesNotWaitForPacketsNeverHandedOut(TestChannels t) throws Exception {
        Peer peer = t.peer();
        Channel ch = t.openClient(ChannelConfig.defaults());
        for (int i = 0; i < 3; i++) {
            peer.send(ch.id(), seq(i), false, Optional.empty());
        }
        PacketFlow.awaitStatistics(ch, s -> s.packetsIn() == 3, "packets delivered into the default queue");
        CompletableFuture<Void> close = CompletableFuture.runAsync(ch::close);
        boolean returned;
        try {
            close.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            returned = true;
        } catch (TimeoutException e) {
            returned = false;
            // unblock the stuck disable so the fixture can shut down: complete what the queue holds
            Optional<IncomingPacket> p;
            while ((p = ch.nextPacket(TestChannels.QUIET)).isPresent()) {
                p.get().complete();
            }
            close.get(TestChannels.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertTrue(returned, "close() blocked on packets that were never handed to user code");
    }
}
