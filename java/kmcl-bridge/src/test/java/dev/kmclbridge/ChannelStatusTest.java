package dev.kmclbridge;

import dev.kmclbridge.spi.WireFormat.Query;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelStatusTest {

    @Test
    void decodesStateFlagsInstanceAndMmioFromTheQueryArray() {
        long[] q = new long[Query.SLOTS];
        UUID id = UUID.randomUUID();
        q[Query.STATE] = ChannelState.ACTIVE.code();
        q[Query.FLAGS] = Query.FLAG_SERVER | Query.FLAG_QUEUE_STOPPED | Query.FLAG_OPEN
                | Query.FLAG_MMIO_VALID;
        q[Query.INSTANCE_MSB] = id.getMostSignificantBits();
        q[Query.INSTANCE_LSB] = id.getLeastSignificantBits();
        q[Query.MMIO_SIZE] = 1 << 20;
        q[Query.CONTEXT] = 42;
        ChannelStatus s = ChannelStatus.fromQuery(q);
        assertEquals(ChannelState.ACTIVE, s.state());
        assertTrue(s.server());
        assertTrue(s.queueStopped());
        assertTrue(s.open());
        assertFalse(s.paused());
        assertEquals(id, s.interfaceInstance().get());
        assertEquals(new MmioSpace(1 << 20), s.mmio().get());
        assertEquals(42, s.context());
    }

    @Test
    void zeroInstanceAndNoMmioFlagMeanEmpty() {
        long[] q = new long[Query.SLOTS];
        ChannelStatus s = ChannelStatus.fromQuery(q);
        assertEquals(ChannelState.DISABLED, s.state());
        assertTrue(s.interfaceInstance().isEmpty());
        assertTrue(s.mmio().isEmpty());
    }

    @Test
    void statisticsDecodeEveryCounterSlot() {
        long[] q = new long[Query.SLOTS];
        for (int i = Query.PACKETS_IN; i <= Query.BATCHES; i++) {
            q[i] = 1000 + i;
        }
        ChannelStatistics st = ChannelStatistics.fromQuery(q);
        assertEquals(1000 + Query.PACKETS_IN, st.packetsIn());
        assertEquals(1000 + Query.RING_FULL_EVENTS, st.ringFullEvents());
        assertEquals(1000 + Query.BATCHES, st.batches());
        assertEquals(1000 + Query.QUEUE_HIGH_WATER, st.queueHighWater());
    }

    @Test
    void sendFlagBitsMatchTheHeaderValues() {
        assertEquals(0x7, SendFlag.bits(java.util.EnumSet.allOf(SendFlag.class)));
        assertEquals(0x1, SendFlag.WAIT_FOR_COMPLETION.value());
        assertEquals(0x4, SendFlag.PAGED_BUFFER.value());
    }
}
