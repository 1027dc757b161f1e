package dev.kmclbridge.fake;

import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.LongTable;

import java.util.ArrayList;
import java.util.List;

/**
 * The backend's incoming packets by id: a packet gets its backend-unique id at its first delivery and leaves when
 * it is retired (completed, failed, or dropped with its connection). Thread safe (one lock, held only for a table
 * operation); shared by every channel.
 */
final class PacketRegistry {
    private final LongTable<IncomingPacket> packets = new LongTable<>();
    private long nextId = 1;

    synchronized long register(IncomingPacket p) {
        long id = nextId++;
        packets.put(id, p);
        return id;
    }

    synchronized void forget(long id) {
        packets.remove(id);
    }

    /** The live packet with this id, or null. */
    synchronized IncomingPacket get(long id) {
        return packets.get(id);
    }

    /** Status for an id with no live packet: one handed out earlier is retired; anything else was never a packet. */
    synchronized int missingStatus(long id) {
        return id > 0 && id < nextId ? NtStatus.BRIDGE_PACKET_RETIRED.value() : NtStatus.INVALID_HANDLE.value();
    }

    /** The packets delivered on {@code channel} and not yet ended. */
    synchronized List<IncomingPacket> deliveredOn(FakeChannel channel) {
        List<IncomingPacket> delivered = new ArrayList<>();
        packets.forEachValue(p -> {
            if (p.channel == channel && p.state == IncomingPacket.DELIVERED) {
                delivered.add(p);
            }
        });
        return delivered;
    }
}
