package dev.kmclbridge;

import dev.kmclbridge.spi.ChannelQuery;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelStatusTest {

    @Test
    void decodesStateFlagsInstanceAndMmioFromTheQueryArray() {
        long[] q = new long[ChannelQuery.LENGTH];
        UUID id = UUID.randomUUID();
        q[ChannelQuery.STATE] = ChannelState.ACTIVE.code();
        q[ChannelQuery.FLAGS] = ChannelQuery.FLAG_SERVER | ChannelQuery.FLAG_QUEUE_STOPPED | ChannelQuery.FLAG_OPEN
                | ChannelQuery.FLAG_MMIO_VALID;
        q[ChannelQuery.INSTANCE_MSB] = id.getMostSignificantBits();
        q[ChannelQuery.INSTANCE_LSB] = id.getLeastSignificantBits();
        q[ChannelQuery.MMIO_ADDRESS] = 0xF000_0000L;
        q[ChannelQuery.MMIO_SIZE] = 1 << 20;
        q[ChannelQuery.CONTEXT] = 42;
        ChannelStatus s = ChannelStatus.fromQuery(q);
        assertEquals(ChannelState.ACTIVE, s.state());
        assertTrue(s.server());
        assertTrue(s.queueStopped());
        assertTrue(s.open());
        assertFalse(s.paused());
        assertEquals(id, s.interfaceInstance().get());
        assertEquals(new MmioSpace(0xF000_0000L, 1 << 20), s.mmio().get());
        assertEquals(42, s.context());
    }

    @Test
    void zeroInstanceAndNoMmioFlagMeanEmpty() {
        long[] q = new long[ChannelQuery.LENGTH];
        ChannelStatus s = ChannelStatus.fromQuery(q);
        assertEquals(ChannelState.DISABLED, s.state());
        assertTrue(s.interfaceInstance().isEmpty());
        assertTrue(s.mmio().isEmpty());
    }

    @Test
    void statisticsDecodeEveryCounterSlot() {
        long[] q = new long[ChannelQuery.LENGTH];
        for (int i = ChannelQuery.PACKETS_IN; i <= ChannelQuery.BATCHES; i++) {
            q[i] = 1000 + i;
        }
        ChannelStatistics st = ChannelStatistics.fromQuery(q);
        assertEquals(1000 + ChannelQuery.PACKETS_IN, st.packetsIn());
        assertEquals(1000 + ChannelQuery.RING_FULL_EVENTS, st.ringFullEvents());
        assertEquals(1000 + ChannelQuery.BATCHES, st.batches());
        assertEquals(1000 + ChannelQuery.QUEUE_HIGH_WATER, st.queueHighWater());
    }

    @Test
    void sendFlagBitsMatchTheHeaderValues() {
        assertEquals(0x7, SendFlag.bits(java.util.EnumSet.allOf(SendFlag.class)));
        assertEquals(0x1, SendFlag.WAIT_FOR_COMPLETION.value());
        assertEquals(0x4, SendFlag.PAGED_BUFFER.value());
    }
}
