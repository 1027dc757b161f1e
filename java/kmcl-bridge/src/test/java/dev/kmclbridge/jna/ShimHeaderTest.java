package dev.kmclbridge.jna;

import dev.kmclbridge.spi.CHeader;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JNA binding's copies of native/include/kmclshim.h values match the header. */
class ShimHeaderTest {
    private static final CHeader SHIM = CHeader.read("native/include/kmclshim.h");

    @Test
    void configureValueIndicesMatchKmclshimCfg() throws IllegalAccessException {
        List<String> wrong = new ArrayList<>();
        List<String> macros = new ArrayList<>(SHIM.macroNames("KMCLSHIM_CFG_"));
        for (Field f : Shim.ConfigureValues.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getName().equals("GUID_BYTES")) {
                continue;
            }
            String macro = "KMCLSHIM_CFG_" + f.getName();
            macros.remove(macro);
            if (!SHIM.macroNames().contains(macro)) {
                wrong.add(f.getName() + " has no " + macro);
            } else if (SHIM.value(macro) != f.getInt(null)) {
                wrong.add(f.getName() + " = " + f.getInt(null) + " but " + macro + " = " + SHIM.value(macro));
            }
        }
        macros.forEach(m -> wrong.add(m + " has no Java constant in Shim.ConfigureValues"));
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void guidArrayHoldsFourGuidsAndTransportsMatch() {
        assertEquals(64, Shim.ConfigureValues.GUID_BYTES, "kmclshim_configure takes guids64");
        assertEquals(SHIM.value("KMCLSHIM_TRANSPORT_LOOPBACK"), Shim.TRANSPORT_LOOPBACK);
        assertEquals(SHIM.value("KMCLSHIM_TRANSPORT_WIN32"), Shim.TRANSPORT_WIN32);
    }
}
