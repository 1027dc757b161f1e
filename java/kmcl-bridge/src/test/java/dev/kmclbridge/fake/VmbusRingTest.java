package dev.kmclbridge.fake;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmbusRingTest {
    private static byte[] packet(int payloadLength, int fill) {
        byte[] payload = new byte[payloadLength];
        java.util.Arrays.fill(payload, (byte) fill);
        return PacketFraming.encode(0, fill, payload, null, 0);
    }

    @Test
    void dataAreaIsPageCountTimes4096() {
        assertEquals(16 * 4096, new VmbusRing(16).size());
        assertEquals(4096, new VmbusRing(1).free());
    }

    @Test
    void ringIsNeverFilledCompletely() {
        VmbusRing ring = new VmbusRing(1);
        int written = 0;
        while (ring.write(packet(100, written), 100)) {
            written++;
        }
        // 128 bytes each: after 31 packets 128 bytes are free, and 128 < 128 is false
        assertEquals(31, written);
        assertEquals(31 * 128, ring.used());
        assertEquals(128, ring.free());
        assertFalse(ring.fits(128));
        assertTrue(ring.fits(120));
        assertTrue(ring.write(packet(96, 99), 96)); // 120 bytes on ring
        assertEquals(8, ring.free());
        assertFalse(ring.write(packet(0, 1), 0)); // even the smallest packet (24) does not fit
    }

    @Test
    void packetOfDataSizeMinusEightNeverFits() {
        VmbusRing ring = new VmbusRing(1);
        assertFalse(VmbusRing.everFits(4096 - 8, 4096));
        assertTrue(VmbusRing.everFits(4096 - 16, 4096));
        // 4096 - 8 on ring = 16 + 4064 + 8
        assertFalse(ring.write(packet(4064, 1), 4064));
        assertTrue(ring.isEmpty());
        assertTrue(ring.write(packet(4056, 1), 4056));
        assertEquals(4080, ring.used()); // the largest packet a 1-page ring takes
    }

    @Test
    void wrapsAroundWithManyPacketsOfMixedSizes() {
        VmbusRing ring = new VmbusRing(2);
        Random rnd = new Random(7);
        ArrayDeque<byte[]> expected = new ArrayDeque<>();
        int written = 0;
        int read = 0;
        for (int step = 0; step < 20_000; step++) {
            if (rnd.nextInt(3) != 0) {
                int len = rnd.nextInt(700);
                byte[] payload = new byte[len];
                rnd.nextBytes(payload);
                byte[] enc = PacketFraming.encode(0, written, payload, null, 0);
                if (ring.write(enc, len)) {
                    expected.addLast(payload);
                    written++;
                } else {
                    assertFalse(ring.fits(PacketFraming.inBandSize(len)));
                }
            } else if (!ring.isEmpty()) {
                PacketFraming.Frame f = ring.read();
                assertNull(f.rejected());
                assertEquals(read, f.txId());
                assertArrayEquals(expected.pollFirst(), f.payload());
                read++;
            }
            assertEquals(0, ring.writeIndex() % 8);
            assertEquals(0, ring.readIndex() % 8);
            assertTrue(ring.used() < ring.size());
            assertEquals(expected.size(), ring.packets());
        }
        assertTrue(ring.totalWritten() > 100L * ring.size(), "ring wrapped many times: " + ring.totalWritten());
        while (!ring.isEmpty()) {
            assertArrayEquals(expected.pollFirst(), ring.read().payload());
        }
        assertTrue(expected.isEmpty());
    }

    @Test
    void trailerHoldsStartOffsetInUpperBits() {
        VmbusRing ring = new VmbusRing(1);
        ring.write(packet(8, 1), 8); // 32 bytes at offset 0
        ring.write(packet(8, 2), 8); // starts at 32
        ring.read();
        assertEquals(32, ring.readIndex());
        assertEquals(64, ring.writeIndex());
    }

    @Test
    void readerSkipsAPacketWithAnUnknownTypeAndKeepsGoing() {
        VmbusRing ring = new VmbusRing(1);
        byte[] bad = packet(16, 1);
        PacketFraming.corruptType(bad, FaultPlan.MALFORMED_TYPE);
        ring.write(bad, 16);
        ring.write(packet(16, 2), 16);
        PacketFraming.Frame f = ring.read();
        assertNotNull(f.rejected());
        PacketFraming.Frame good = ring.read();
        assertNull(good.rejected());
        assertEquals(2, good.txId());
        assertTrue(ring.isEmpty());
    }

    /** writeInband puts exactly the bytes write(encode(...)) puts, also across the ring's end, and reads back alike. */
    @Test
    void writeInbandWritesTheSameBytesAsWritingTheEncodedPacket() {
        VmbusRing viaEncode = new VmbusRing(1);
        VmbusRing direct = new VmbusRing(1);
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] payload = new byte[r.nextInt(200)];
            r.nextBytes(payload);
            long tx = r.nextLong();
            int flags = r.nextBoolean() ? PacketFraming.FLAG_COMPLETION_REQUESTED : 0;
            boolean a = viaEncode.write(PacketFraming.encode(flags, tx, payload, null, 0), payload.length);
            boolean b = direct.writeInband(PacketFraming.TYPE_INBAND, flags, tx, payload);
            assertEquals(a, b, "fits alike");
            assertEquals(viaEncode.used(), direct.used());
            assertEquals(viaEncode.writeIndex(), direct.writeIndex());
            if (r.nextInt(3) > 0 || !a) {
                PacketFraming.Frame x = viaEncode.read();
                PacketFraming.Frame y = direct.read();
                if (x == null) {
                    assertEquals(null, y);
                    continue;
                }
                assertEquals(x.type(), y.type());
                assertEquals(x.flags(), y.flags());
                assertEquals(x.txId(), y.txId());
                assertArrayEquals(x.payload(), y.payload());
                assertEquals(x.rejected(), y.rejected());
            }
        }
    }
}
