package dev.kmclbridge.diag.pnp;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Device registry properties as CfgMgr32 returns them through JNA (a String for REG_SZ, a String[] for
 * REG_MULTI_SZ, null when the property is not set) turned into plain values.
 */
final class RegistryValues {
    private RegistryValues() {
    }

    /** A REG_MULTI_SZ (or single REG_SZ) property as a list, empty entries dropped; empty when unset or another type. */
    static List<String> strings(Object value) {
        if (value instanceof String[] many) {
            return Arrays.stream(many).filter(s -> !s.isEmpty()).toList();
        }
        return text(value).stream().toList();
    }

    /** A REG_SZ property; empty when unset, empty or another type. */
    static Optional<String> text(Object value) {
        return value instanceof String s && !s.isEmpty() ? Optional.of(s) : Optional.empty();
    }
}
