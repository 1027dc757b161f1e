package dev.kmclbridge.junit.example;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Completion;
import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.KmclException;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.junit.KmclTest;
import dev.kmclbridge.junit.TestChannels;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;
import dev.kmclbridge.peer.PeerPacket;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Example: testing your own VMBus protocol with {@code @KmclTest}, unchanged in CI and on Hyper-V.
 *
 * <p>The protocol here is a heartbeat-style exchange: the guest sends a little-endian u64 sequence number with
 * WAIT_FOR_COMPLETION and the host completes it with sequence + 1.
 * <ul>
 *   <li>CI: {@code mvn verify} runs it on the fake ({@code kmcl.backend} defaults to fake). The fake's peer makes
 *       an offer and plays the host: {@link HostSide} answers every heartbeat.</li>
 *   <li>Hyper-V lab: {@code mvn verify -Dkmcl.backend=native -Dexample.device=YOUR-DEVICE-CLASS-GUID
 *       -Dtest=HeartbeatStyleExampleTest} runs the same class against the real endpoint of your device; your host
 *       side (the VSP) answers.</li>
 * </ul>
 * Only {@link HostSide} knows which case it is in; the test methods are the same code for both.
 */
@KmclTest
class HeartbeatStyleExampleTest {
    /** Device class of the protocol under test; on native pass yours with -Dexample.device=GUID. */
    static final UUID DEVICE_CLASS = Optional.ofNullable(System.getProperty("example.device")).map(UUID::fromString)
            .orElse(TestChannels.TEST_TYPE);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    static byte[] heartbeat(long seq) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(seq).array();
    }

    static long sequenceOf(byte[] payload) {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void hostAnswersEveryHeartbeatWithTheNextSequenceNumber(Kmcl kmcl, TestChannels channels) throws Exception {
        try (HostSide host = HostSide.connect(kmcl, channels, ChannelConfig.defaults())) {
            for (long seq = 1; seq <= 5; seq++) {
                Completion reply = host.channel().send(heartbeat(seq), EnumSet.of(SendFlag.WAIT_FOR_COMPLETION))
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(seq + 1, sequenceOf(reply.payloadBytes()), "reply to heartbeat " + seq);
            }
            assertEquals(5, host.channel().statistics().completionsReceived());
        }
    }

    @Test
    void oversizedHeartbeatIsRejectedByKmcl(Kmcl kmcl, TestChannels channels) {
        try (HostSide host = HostSide.connect(kmcl, channels, ChannelConfig.builder().maximumPacketSize(8).build())) {
            KmclException e = assertThrows(KmclException.class,
                    () -> host.channel().send(new byte[9], EnumSet.of(SendFlag.WAIT_FOR_COMPLETION)));
            assertEquals(NtStatus.INVALID_PARAMETER, e.status(), e.getMessage());
            assertTrue(host.channel().status().open(), "a rejected send leaves the channel open");
        }
    }

    /**
     * The other end of the protocol. With a scriptable peer (fake, loopback) it makes an offer of
     * {@link #DEVICE_CLASS} and answers heartbeats from a thread; on native it connects to the real endpoint of that
     * class, whose host side is your own VSP.
     */
    static final class HostSide implements AutoCloseable {
        private final ClientChannel channel;
        private final Thread responder;
        private volatile boolean running = true;

        private HostSide(ClientChannel channel, Optional<Peer> peer) {
            this.channel = channel;
            this.responder = peer.map(p -> new Thread(() -> answer(p), "example-host")).orElse(null);
            if (responder != null) {
                responder.setDaemon(true);
                responder.start();
            }
        }

        static HostSide connect(Kmcl kmcl, TestChannels channels, ChannelConfig config) {
            ClientChannel ch;
            if (kmcl.peer().isPresent()) {
                PeerOffer offer = kmcl.peer().get().offer(DEVICE_CLASS, UUID.randomUUID(), dev.kmclbridge.peer.OfferOptions.defaults());
                ch = channels.client(offer, config);
            } else {
                Endpoint ep = kmcl.endpoint(DEVICE_CLASS);
                ch = kmcl.createClientChannel(ep, config.toBuilder().targetPnp(ep.interfaceType(), ep.interfaceInstance()).build());
            }
            ch.enable();
            if (!ch.awaitStateEvent(StateEvent.POST_STARTED, TIMEOUT)) {
                throw new AssertionError("channel did not open: " + ch.stateHistory());
            }
            return new HostSide(ch, kmcl.peer());
        }

        private void answer(Peer peer) {
            while (running) {
                Optional<PeerPacket> p = peer.awaitReceived(channel.id(), Duration.ofMillis(50));
                if (p.isPresent() && p.get().completionRequested()) {
                    peer.complete(channel.id(), p.get().txId(), heartbeat(sequenceOf(p.get().payload()) + 1));
                }
            }
        }

        ClientChannel channel() {
            return channel;
        }

        @Override
        public void close() {
            running = false;
            if (responder != null) {
                try {
                    responder.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            channel.close();
        }
    }
}
