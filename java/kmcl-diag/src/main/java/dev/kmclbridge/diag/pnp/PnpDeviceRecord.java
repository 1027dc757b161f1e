package dev.kmclbridge.diag.pnp;

import java.util.List;
import java.util.Optional;

/**
 * What the PnP manager says about one device node, as read (nothing derived): its device instance id, hardware and
 * compatible ids, description, the service (function driver) bound to it, upper and lower filter drivers, and the
 * devnode status flags and problem code of CM_Get_DevNode_Status.
 *
 * @param statusFlags DN_* flags (DN_STARTED 0x8, DN_HAS_PROBLEM 0x400, ...)
 * @param problemCode CM_PROB_* code, meaningful when DN_HAS_PROBLEM is set
 */
public record PnpDeviceRecord(String instanceId, List<String> hardwareIds, List<String> compatibleIds,
                              Optional<String> description, Optional<String> service, List<String> upperFilters,
                              List<String> lowerFilters, int statusFlags, int problemCode) {
    public PnpDeviceRecord {
        hardwareIds = List.copyOf(hardwareIds);
        compatibleIds = List.copyOf(compatibleIds);
        upperFilters = List.copyOf(upperFilters);
        lowerFilters = List.copyOf(lowerFilters);
    }
}
