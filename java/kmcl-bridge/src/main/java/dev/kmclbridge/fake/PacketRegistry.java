package dev.kmclbridge.fake;

import dev.kmclbridge.NtStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend's incoming packets by id: a packet gets its backend-unique id at its first delivery and leaves when
 * it is retired (completed, failed, or dropped with its connection). Thread safe; shared by every channel.
 */
final class PacketRegistry {
    private final ConcurrentHashMap<Long, IncomingPacket> packets = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);

    long register(IncomingPacket p) {
        long id = nextId.getAndIncrement();
        packets.put(id, p);
        return id;
    }

    void forget(long id) {
        packets.remove(id);
    }

    /** The live packet with this id, or null. */
    IncomingPacket get(long id) {
        return packets.get(id);
    }

    /** Status for an id with no live packet: one handed out earlier is retired; anything else was never a packet. */
    int missingStatus(long id) {
        return id > 0 && id < nextId.get() ? NtStatus.BRIDGE_PACKET_RETIRED.value() : NtStatus.INVALID_HANDLE.value();
    }

    /** The packets delivered on {@code channel} and not yet ended. */
    List<IncomingPacket> deliveredOn(FakeChannel channel) {
        List<IncomingPacket> delivered = new ArrayList<>();
        for (IncomingPacket p : packets.values()) {
            if (p.channel == channel && p.state == IncomingPacket.DELIVERED) {
                delivered.add(p);
            }
        }
        return delivered;
    }
}
