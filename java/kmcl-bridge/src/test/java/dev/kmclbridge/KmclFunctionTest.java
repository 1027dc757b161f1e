package dev.kmclbridge;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KmclFunctionTest {

    private static List<KmclFunction> table(KmclFunction.Table t) {
        return Arrays.stream(KmclFunction.values()).filter(f -> f.table() == t).collect(Collectors.toList());
    }

    @Test
    void clientTableHas41MembersAt0x20Through0x160() {
        List<KmclFunction> client = table(KmclFunction.Table.CLIENT);
        assertEquals(41, client.size());
        assertEquals(0x20, client.get(0).offset64());
        assertEquals(0x160, client.get(40).offset64());
        assertEquals("VmbChannelAllocate", client.get(0).memberName());
        assertEquals("VmbPacketSetPointer", client.get(40).memberName());
        assertEquals(0x168, client.get(40).offset64() + 8, "sizeof(KMCL_CLIENT_INTERFACE_V1) = 360");
    }

    @Test
    void clientSlotOrderIsAlphabeticalAsInTheDdiSyntaxBlock() {
        List<String> names = table(KmclFunction.Table.CLIENT).stream().map(KmclFunction::memberName).collect(Collectors.toList());
        List<String> sorted = names.stream().sorted().collect(Collectors.toList());
        assertEquals(sorted, names);
        assertEquals(6, KmclFunction.VMB_CHANNEL_ENABLE.slot());
        assertEquals(0x50, KmclFunction.VMB_CHANNEL_ENABLE.offset64());
        assertEquals(28, KmclFunction.VMB_CHANNEL_START.slot());
    }

    @Test
    void serverOnlyTableHas14MembersEndingAt0x1D8() {
        List<KmclFunction> server = table(KmclFunction.Table.SERVER_ONLY);
        assertEquals(14, server.size());
        assertEquals(0x168, server.get(0).offset64());
        assertEquals("VmbChannelMapGpadl", server.get(0).memberName());
        assertEquals(0x1D8, server.get(13).offset64() + 8, "sizeof(KMCL_SERVER_INTERFACE_V1) = 472");
    }

    @Test
    void wireCodesRoundTripAndAreUnique() {
        for (KmclFunction f : KmclFunction.values()) {
            assertEquals(f, KmclFunction.ofCode(f.code()));
        }
        assertEquals(KmclFunction.values().length,
                Arrays.stream(KmclFunction.values()).mapToInt(KmclFunction::code).distinct().count());
    }
}
