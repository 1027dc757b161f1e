package dev.kmclbridge.diag;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Names of the well-known VMBus device classes, by class (interface type) GUID: the same set of devices Linux's
 * lsvmbus names (integration services, synthetic devices, PCI pass-through).
 */
public final class WellKnownDevices {
    private static final Map<UUID, String> NAMES = new LinkedHashMap<>();

    static {
        add("0e0b6031-5213-4934-818b-38d90ced39db", "shutdown integration service");
        add("9527e630-d0ae-497b-adce-e80ab0175caf", "time synchronization");
        add("57164f39-9115-4e78-ab55-382f3bd5422d", "heartbeat");
        add("a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", "key-value data exchange (KVP)");
        add("35fa2e29-ea23-4236-96ae-3a6ebacba440", "volume snapshot (backup)");
        add("34d14be3-dee4-41c8-9ae7-6b174977c192", "guest services");
        add("525074dc-8985-46e2-8057-a307dc18a502", "dynamic memory");
        add("cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", "synthetic mouse");
        add("f912ad6d-2b17-48ea-bd65-f927a61c7684", "synthetic keyboard");
        add("da0a7802-e377-4aac-8e77-0558eb1073f8", "synthetic video");
        add("f8615163-df3e-46c5-913f-f2d2f965ed0e", "synthetic network adapter");
        add("32412632-86cb-44a2-9b5c-50d1417354f5", "synthetic IDE controller");
        add("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "synthetic SCSI controller");
        add("2f9bcc4a-0069-4af3-b76b-6fd0be528cda", "synthetic Fibre Channel adapter");
        add("8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501", "synthetic RDMA adapter");
        add("44c4f61d-4444-4400-9d52-802e27ede19f", "PCI Express pass-through");
    }

    private WellKnownDevices() {
    }

    private static void add(String guid, String name) {
        NAMES.put(UUID.fromString(guid), name);
    }

    /** The well-known name of a device class, if it is one. */
    public static Optional<String> nameOf(UUID classGuid) {
        return Optional.ofNullable(NAMES.get(classGuid));
    }

    /** Every known class GUID and its name, in table order. */
    public static Map<UUID, String> all() {
        return Map.copyOf(NAMES);
    }
}
