package dev.kmclbridge.diag.pnp;

import java.util.Map;

/**
 * A device node's state in words, from its DN_* status flags and CM_PROB_* problem code (values of the Windows
 * SDK's cfg.h; the problem texts are the meanings Device Manager shows as "Code N").
 *
 * @param summary "started", "not started" or "problem N"
 * @param detail  what the problem code means; empty when there is no problem
 */
public record DeviceState(String summary, String detail) {
    /** DN_STARTED: the device is started. */
    public static final int DN_STARTED = 0x8;
    /** DN_HAS_PROBLEM: the problem code says why the device is not working. */
    public static final int DN_HAS_PROBLEM = 0x400;

    private static final Map<Integer, String> PROBLEMS = Map.ofEntries(
            Map.entry(1, "not configured"),
            Map.entry(3, "driver may be corrupted (out of memory)"),
            Map.entry(10, "the device cannot start"),
            Map.entry(12, "not enough free resources"),
            Map.entry(14, "restart the computer to make the device work"),
            Map.entry(18, "reinstall the drivers"),
            Map.entry(19, "registry information is incomplete or damaged"),
            Map.entry(21, "Windows is removing the device"),
            Map.entry(22, "the device is disabled"),
            Map.entry(24, "the device is not present or not working"),
            Map.entry(28, "the drivers for this device are not installed"),
            Map.entry(31, "a driver could not be loaded for it (failed to add)"),
            Map.entry(32, "a driver (service) for it is disabled"),
            Map.entry(37, "its driver failed its initialization (DriverEntry)"),
            Map.entry(38, "a previous instance of its driver is still in memory"),
            Map.entry(39, "its driver could not be loaded (missing or corrupt)"),
            Map.entry(40, "its service key in the registry is missing or wrong"),
            Map.entry(41, "its driver loaded but the device was not found"),
            Map.entry(43, "its driver reported a failure and stopped it"),
            Map.entry(45, "the device is not connected"),
            Map.entry(47, "prepared for safe removal"),
            Map.entry(48, "its driver is blocked from starting"),
            Map.entry(52, "its driver's digital signature cannot be verified"));

    /** The state of a node with these flags and problem code. */
    public static DeviceState of(int statusFlags, int problemCode) {
        if ((statusFlags & DN_HAS_PROBLEM) != 0) {
            return new DeviceState("problem " + problemCode,
                    PROBLEMS.getOrDefault(problemCode, "problem code " + problemCode + " (not in kmcl-diag's list)"));
        }
        return new DeviceState((statusFlags & DN_STARTED) != 0 ? "started" : "not started", "");
    }
}
