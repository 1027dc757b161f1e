package dev.kmclbridge.fake;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class PacketFramingTest {
    @Test
    void hundredBytePayloadTakes128BytesOnTheRing() {
        assertEquals(128, PacketFraming.inBandSize(100));
    }

    @Test
    void emptyPayloadTakesDescriptorPlusTrailer() {
        assertEquals(24, PacketFraming.inBandSize(0));
    }

    @Test
    void payloadIsPaddedToEightBytes() {
        assertEquals(32, PacketFraming.inBandSize(7));
        assertEquals(32, PacketFraming.inBandSize(8));
        assertEquals(40, PacketFraming.inBandSize(9));
        assertEquals(16 + 4096 + 8, PacketFraming.inBandSize(4096));
    }

    @Test
    void gpaDirectHeaderCountsRangeHeaderRangesAndPfns() {
        assertEquals(16 + 8 + 8 + 8, PacketFraming.gpaDirectHeaderSize(1, 1));
        assertEquals(16 + 8 + 2 * 8 + 5 * 8, PacketFraming.gpaDirectHeaderSize(2, 5));
        // 100 inline bytes + one page of external data: 40 header + 104 payload + 8 trailer
        assertEquals(152, PacketFraming.gpaDirectSize(100, 4096));
        // 4097 external bytes span two pages
        assertEquals(16 + 8 + 8 + 16 + 0 + 8, PacketFraming.gpaDirectSize(0, 4097));
        assertEquals(PacketFraming.inBandSize(10), PacketFraming.onRingSize(10, 0));
    }

    @Test
    void pagesSpannedDependsOnOffset() {
        assertEquals(0, PacketFraming.pagesSpanned(0, 0));
        assertEquals(1, PacketFraming.pagesSpanned(0, 4096));
        assertEquals(2, PacketFraming.pagesSpanned(1, 4096));
        assertEquals(2, PacketFraming.pagesSpanned(4095, 2));
        assertEquals(3, PacketFraming.pagesSpanned(0, 8193));
    }

    @Test
    void encodedDescriptorFieldsAreInEightByteUnits() {
        byte[] e = PacketFraming.encode(PacketFraming.FLAG_COMPLETION_REQUESTED, 0x1122334455L, new byte[100], null, 0);
        assertEquals(PacketFraming.inBandSize(100) - PacketFraming.TRAILER_SIZE, e.length);
        assertEquals(6, e[0]);
        assertEquals(2, e[2]); // data offset: 16 bytes = 2 units
        assertEquals(15, e[4]); // length: 120 bytes = 15 units
        assertEquals(1, e[6]);
        PacketFraming.Frame f = PacketFraming.decode(e, 100);
        assertNull(f.rejected());
        assertEquals(0x1122334455L, f.txId());
        assertEquals(100, f.payload().length);
    }

    @Test
    void gpaDirectRoundTripKeepsPfnsAndRange() {
        byte[] payload = {1, 2, 3};
        long[] pfns = {77, 78};
        byte[] e = PacketFraming.encode(0, 9, payload, pfns, 5000);
        assertEquals(PacketFraming.gpaDirectSize(3, 5000) - 8, e.length);
        PacketFraming.Frame f = PacketFraming.decode(e, 3);
        assertNull(f.rejected());
        assertEquals(PacketFraming.TYPE_GPA_DIRECT, f.type());
        assertArrayEquals(pfns, f.pfns());
        assertEquals(5000, f.rangeBytes());
        assertArrayEquals(payload, f.payload());
    }

    @Test
    void hardenedReaderRejectsBadDescriptors() {
        assertNotNull(PacketFraming.validate(6, 1, 4, 0, 64)); // data offset < 2 units
        assertNotNull(PacketFraming.validate(6, 3, 2, 0, 64)); // length < data offset
        assertNotNull(PacketFraming.validate(6, 2, 20, 0, 64)); // longer than available
        assertNotNull(PacketFraming.validate(0x3F, 2, 4, 0, 64)); // unknown type
        assertNotNull(PacketFraming.validate(6, 2, 4, 2, 64)); // invalid flag bit
        assertNull(PacketFraming.validate(6, 2, 4, 1, 64));
        byte[] e = PacketFraming.encode(0, 1, new byte[0], new long[] {1}, 0);
        e[DESCRIPTOR_RANGE_COUNT] = 0;
        assertNotNull(PacketFraming.decode(e, 0).rejected()); // zero range count
    }

    private static final int DESCRIPTOR_RANGE_COUNT = PacketFraming.DESCRIPTOR_SIZE + 4;
}
