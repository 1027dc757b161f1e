package dev.kmclbridge;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NtStatusTest {

    @Test
    void documentedKmclValuesAreExact() {
        assertEquals(0x00000103, NtStatus.PENDING.value());
        assertEquals(0x80000005, NtStatus.BUFFER_OVERFLOW.value());
        assertEquals(0xC000000D, NtStatus.INVALID_PARAMETER.value());
        assertEquals(0xC0000016, NtStatus.MORE_PROCESSING_REQUIRED.value());
        assertEquals(0xC0000023, NtStatus.BUFFER_TOO_SMALL.value());
        assertEquals(0xC000009A, NtStatus.INSUFFICIENT_RESOURCES.value());
        assertEquals(0xC00000BB, NtStatus.NOT_SUPPORTED.value());
        assertEquals(0xC00000EF, NtStatus.INVALID_PARAMETER_1.value());
        assertEquals(0xC00000F0, NtStatus.INVALID_PARAMETER_2.value());
        assertEquals(0xC00000F1, NtStatus.INVALID_PARAMETER_3.value());
        assertEquals(0xC0000120, NtStatus.CANCELLED.value());
        assertEquals(0xC00002B6, NtStatus.DEVICE_REMOVED.value());
    }

    @Test
    void successFollowsNtSuccessSoWarningsAndMoreProcessingAreNotSuccess() {
        assertTrue(NtStatus.SUCCESS.isSuccess());
        assertTrue(NtStatus.PENDING.isSuccess());
        assertTrue(NtStatus.TIMEOUT.isSuccess());
        assertFalse(NtStatus.BUFFER_OVERFLOW.isSuccess());
        assertFalse(NtStatus.MORE_PROCESSING_REQUIRED.isSuccess());
        assertFalse(NtStatus.BRIDGE_STALE_ID.isSuccess());
    }

    @Test
    void valuesAreUniqueAndRoundTrip() {
        Set<Integer> seen = new HashSet<>();
        for (NtStatus s : NtStatus.values()) {
            assertTrue(seen.add(s.value()), "duplicate value for " + s);
            assertEquals(s, NtStatus.of(s.value()));
        }
    }

    @Test
    void unknownValuesAreDescribedWithTheirHexValue() {
        assertEquals(NtStatus.BRIDGE_UNKNOWN_STATUS, NtStatus.of(0xC0001234));
        assertEquals("NTSTATUS 0xC0001234", NtStatus.describe(0xC0001234));
        assertEquals("STATUS_INVALID_PARAMETER_2 (0xC00000F0)", NtStatus.describe(0xC00000F0));
        assertEquals("KMCLB_STATUS_STALE_ID (0xE0000001)", NtStatus.describe(0xE0000001));
    }

    @Test
    void exceptionMessageNamesCallStatusAndProblem() {
        KmclException e = new KmclException(KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE, 0xC00000F0, "size 0");
        assertEquals("VmbChannelInitSetMaximumPacketSize failed with STATUS_INVALID_PARAMETER_2 (0xC00000F0): size 0",
                e.getMessage());
        assertEquals(NtStatus.INVALID_PARAMETER_2, e.status());
        assertEquals(KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE, e.function());
    }
}
