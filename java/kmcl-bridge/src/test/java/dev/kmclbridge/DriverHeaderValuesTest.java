package dev.kmclbridge;

import dev.kmclbridge.spi.CHeader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed layer's own copies of driver values (NTSTATUS, send flags, function codes) match the driver's headers. */
class DriverHeaderValuesTest {
    private static final CHeader STATUS = CHeader.read("driver/include/kmclbridge_status.h");
    private static final CHeader PROTOCOL = CHeader.read("driver/include/kmclbridge_protocol.h");
    private static final String PREFIX = "KMCLB_STATUS_";

    @Test
    void everyDriverStatusExistsInNtStatusWithTheSameValue() {
        List<String> names = STATUS.macroNames(PREFIX);
        assertTrue(names.size() >= 30, "found only " + names.size() + " statuses in kmclbridge_status.h");
        List<String> wrong = new ArrayList<>();
        for (String macro : names) {
            String name = macro.substring(PREFIX.length());
            int value = (int) STATUS.value(macro);
            NtStatus java = Arrays.stream(NtStatus.values())
                    .filter(s -> s.name().equals(name) || s.name().equals("BRIDGE_" + name)).findFirst().orElse(null);
            if (java == null) {
                wrong.add(macro + " is missing from NtStatus");
            } else if (java.value() != value) {
                wrong.add(String.format("%s is 0x%08X in C but %s is 0x%08X", macro, value, java, java.value()));
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void sendFlagsMatchTheFormatFlagsTheDriverAccepts() {
        assertEquals(PROTOCOL.value("KMCLB_FORMAT_FLAG_WAIT_FOR_COMPLETION"), SendFlag.WAIT_FOR_COMPLETION.value());
        int all = 0;
        for (SendFlag f : SendFlag.values()) {
            all |= f.value();
        }
        assertEquals(PROTOCOL.value("KMCLB_SEND_FLAGS_VALID"), all);
    }

    @Test
    void kmclFunctionCodesFollowTheDriversTableMacros() {
        for (KmclFunction f : KmclFunction.values()) {
            switch (f.table()) {
                case CLIENT:
                    assertEquals(PROTOCOL.call("KMCLB_FUNC_CLIENT", f.slot()), f.code(), f.name());
                    break;
                case SERVER_ONLY:
                    assertEquals(PROTOCOL.call("KMCLB_FUNC_SERVER", f.slot()), f.code(), f.name());
                    break;
                default:
                    assertTrue(f.code() != PROTOCOL.value("KMCLB_FUNC_NONE"), f.name());
            }
        }
    }
}
