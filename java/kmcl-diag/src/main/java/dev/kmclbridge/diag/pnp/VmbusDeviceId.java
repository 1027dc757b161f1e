package dev.kmclbridge.diag.pnp;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The two GUIDs in a VMBus child's PnP device instance id, {@code VMBUS\{class}\{instance}}: the class (interface
 * type) GUID of the channel offer and the instance GUID of this offer. Hardware and compatible ids of such a device
 * name the class alone, {@code VMBUS\{class}}. Public write-ups of Windows guests show this layout; it was never
 * read from a live PnP tree here.
 */
public record VmbusDeviceId(UUID classGuid, UUID instanceGuid) {
    /** The PnP enumerator (bus) name of VMBus children, the part of an id before the first backslash. */
    public static final String ENUMERATOR = "VMBUS";

    /** A GUID in braces, strictly 8-4-4-4-12 hex digits (UUID.fromString would take "{1-2-3-4-5}"). */
    private static final Pattern BRACED_GUID = Pattern.compile(
            "\\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}");

    /** True when {@code deviceId}'s enumerator is VMBUS (any case): a child device of the VMBus, well formed or not. */
    public static boolean isVmbusChild(String deviceId) {
        int slash = deviceId.indexOf('\\');
        return slash > 0 && deviceId.substring(0, slash).toUpperCase(Locale.ROOT).equals(ENUMERATOR);
    }

    /**
     * Parses a device instance id {@code VMBUS\{class}\{instance}} (enumerator and hex digits in any case).
     *
     * @throws MalformedDeviceIdException naming what is wrong: another enumerator, a missing or extra part, a part
     *                                    that is not a braced GUID
     */
    public static VmbusDeviceId parse(String deviceId) {
        if (!isVmbusChild(deviceId)) {
            throw new MalformedDeviceIdException("not a VMBus child: its enumerator is not " + ENUMERATOR);
        }
        String[] parts = deviceId.split("\\\\", -1);
        if (parts.length != 3) {
            throw new MalformedDeviceIdException("expected 3 parts VMBUS\\{class}\\{instance}, found " + parts.length);
        }
        UUID type = guid(parts[1]).orElseThrow(() -> notAGuid("class", parts[1]));
        UUID instance = guid(parts[2]).orElseThrow(() -> notAGuid("instance", parts[2]));
        return new VmbusDeviceId(type, instance);
    }

    /**
     * The class GUID a hardware or compatible id {@code VMBUS\{class}} names (also the first GUID of an id that
     * goes on with an instance); empty for any other id.
     */
    public static Optional<UUID> classOfHardwareId(String hardwareId) {
        if (!isVmbusChild(hardwareId)) {
            return Optional.empty();
        }
        String[] parts = hardwareId.split("\\\\", -1);
        return parts.length == 2 || parts.length == 3 ? guid(parts[1]) : Optional.empty();
    }

    private static Optional<UUID> guid(String part) {
        return BRACED_GUID.matcher(part).matches()
                ? Optional.of(UUID.fromString(part.substring(1, part.length() - 1)))
                : Optional.empty();
    }

    private static MalformedDeviceIdException notAGuid(String which, String part) {
        return new MalformedDeviceIdException("the " + which + " part " + (part.isEmpty() ? "is empty" : "is not a "
                + "{GUID} (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in braces)"));
    }
}
