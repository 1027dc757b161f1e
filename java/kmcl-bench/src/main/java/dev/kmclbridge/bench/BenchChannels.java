package dev.kmclbridge.bench;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.ClientChannel;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.PacketHandler;
import dev.kmclbridge.StateEvent;
import dev.kmclbridge.peer.OfferOptions;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A backend with running client channels bound to peer offers: what every packet benchmark starts from. */
final class BenchChannels implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Ring pages per direction: room for a 64 KiB packet several times over. */
    static final int RING_PAGES = 128;
    /** Largest payload the benchmarks send. */
    static final int MAXIMUM_PAYLOAD = 64 * 1024;

    final Kmcl kmcl;
    final Peer peer;
    final List<ClientChannel> channels = new ArrayList<>();

    BenchChannels(String backend, int count, PacketHandler handler) {
        kmcl = Kmcl.open(backend);
        peer = kmcl.peer().orElseThrow(() -> new IllegalStateException(backend + " has no peer"));
        for (int i = 0; i < count; i++) {
            PeerOffer offer = peer.offer(UUID.randomUUID(), UUID.randomUUID(), OfferOptions.defaults());
            ClientChannel ch = kmcl.createClientChannel(kmcl.endpoint(offer.endpointId()), ChannelConfig.builder()
                    .maximumPacketSize(MAXIMUM_PAYLOAD).ringBufferPages(RING_PAGES, RING_PAGES)
                    .targetPnp(offer.interfaceType(), offer.interfaceInstance()).build());
            if (handler != null) {
                ch.onPacket(handler);
            }
            ch.enable();
            if (!ch.awaitStateEvent(StateEvent.POST_STARTED, WAIT)) {
                throw new IllegalStateException("channel did not start on " + backend);
            }
            channels.add(ch);
        }
    }

    ClientChannel first() {
        return channels.get(0);
    }

    /** {@code count} payloads of {@code size} bytes (one list reused for every batch). */
    static List<byte[]> payloads(int count, int size) {
        List<byte[]> out = new ArrayList<>(count);
        byte[] p = new byte[size];
        for (int i = 0; i < count; i++) {
            out.add(p);
        }
        return out;
    }

    @Override
    public void close() {
        kmcl.close();
    }
}
