package dev.kmclbridge.diag.pnp;

import dev.kmclbridge.diag.WellKnownDevices;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One VMBus child device as kmcl-diag lists it: the PnP record with what follows from it, class and instance GUID
 * (from the instance id; the class from a {@code VMBUS\{class}} hardware or compatible id when the instance id is
 * malformed), the well-known class name, the state in words and whether the kmclbridge driver is attached.
 *
 * @param idProblem why the instance id is not {@code VMBUS\{class}\{instance}}; empty when it is
 */
public record VmbusDevice(PnpDeviceRecord record, Optional<UUID> classGuid, Optional<UUID> instanceGuid,
                          Optional<String> idProblem, String name, boolean wellKnown, DeviceState state,
                          boolean kmclbridgeBound) {
    /** The service and filter name of our driver (driver/kmdf/kmclbridge.inf). */
    public static final String KMCLBRIDGE_SERVICE = "kmclbridge";

    /** The device {@code r} describes. */
    public static VmbusDevice of(PnpDeviceRecord r) {
        Optional<UUID> type;
        Optional<UUID> instance;
        Optional<String> problem;
        try {
            VmbusDeviceId id = VmbusDeviceId.parse(r.instanceId());
            type = Optional.of(id.classGuid());
            instance = Optional.of(id.instanceGuid());
            problem = Optional.empty();
        } catch (MalformedDeviceIdException e) {
            type = Stream.concat(r.hardwareIds().stream(), r.compatibleIds().stream())
                    .map(VmbusDeviceId::classOfHardwareId).flatMap(Optional::stream).findFirst();
            instance = Optional.empty();
            problem = Optional.of(e.getMessage());
        }
        Optional<String> known = type.flatMap(WellKnownDevices::nameOf);
        String name = known.or(r::description).orElse("unknown VMBus device");
        return new VmbusDevice(r, type, instance, problem, name, known.isPresent(),
                DeviceState.of(r.statusFlags(), r.problemCode()), bound(r));
    }

    /** kmclbridge is bound when it is the device's service or one of its filters (install-driver.ps1 adds it as an upper filter). */
    private static boolean bound(PnpDeviceRecord r) {
        return Stream.concat(Stream.concat(r.upperFilters().stream(), r.lowerFilters().stream()), r.service().stream())
                .anyMatch(s -> s.trim().toLowerCase(Locale.ROOT).equals(KMCLBRIDGE_SERVICE));
    }
}
