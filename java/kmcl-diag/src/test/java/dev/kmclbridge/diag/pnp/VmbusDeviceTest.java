package dev.kmclbridge.diag.pnp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What kmcl-diag derives from a PnP record: class, name, state, kmclbridge bound; and the walk of the devnode tree. */
class VmbusDeviceTest {
    private static final String HEARTBEAT_ID = "VMBUS\\{57164F39-9115-4E78-AB55-382F3BD5422D}\\{51F2B7A0-3D49-4B34-94F1-124E47135F52}";

    private static PnpDeviceRecord record(String id, List<String> upper, List<String> lower, Optional<String> service,
                                          Optional<String> description, int flags, int problem) {
        return new PnpDeviceRecord(id, List.of(), List.of(), description, service, upper, lower, flags, problem);
    }

    @Test
    void kmclbridgeIsBoundWhenItIsAnUpperOrLowerFilterOrTheServiceInAnyCase() {
        assertTrue(VmbusDevice.of(record(HEARTBEAT_ID, List.of("KmclBridge"), List.of(), Optional.of("vmicheartbeat"),
                Optional.empty(), 0, 0)).kmclbridgeBound());
        assertTrue(VmbusDevice.of(record(HEARTBEAT_ID, List.of(), List.of("kmclbridge"), Optional.empty(),
                Optional.empty(), 0, 0)).kmclbridgeBound());
        assertTrue(VmbusDevice.of(record(HEARTBEAT_ID, List.of(), List.of(), Optional.of("kmclbridge"),
                Optional.empty(), 0, 0)).kmclbridgeBound());
        assertFalse(VmbusDevice.of(record(HEARTBEAT_ID, List.of("kmclbridge2", "other"), List.of("xkmclbridge"),
                Optional.of("vmicheartbeat"), Optional.empty(), 0, 0)).kmclbridgeBound());
    }

    @Test
    void wellKnownClassesAreNamedOthersTakeTheDescription() {
        VmbusDevice heartbeat = VmbusDevice.of(record(HEARTBEAT_ID, List.of(), List.of(), Optional.empty(),
                Optional.of("Hyper-V Heartbeat"), 0, 0));
        assertEquals("heartbeat", heartbeat.name());
        assertTrue(heartbeat.wellKnown());
        String unknownClass = "VMBUS\\{C376C1C3-D276-48D2-90A9-C04748072C60}\\{51F2B7A0-3D49-4B34-94F1-124E47135F52}";
        assertEquals("Some device", VmbusDevice.of(record(unknownClass, List.of(), List.of(), Optional.empty(),
                Optional.of("Some device"), 0, 0)).name());
        VmbusDevice nameless = VmbusDevice.of(record(unknownClass, List.of(), List.of(), Optional.empty(), Optional.empty(), 0, 0));
        assertEquals("unknown VMBus device", nameless.name());
        assertFalse(nameless.wellKnown());
    }

    @Test
    void aMalformedInstanceIdTakesTheClassFromAHardwareOrCompatibleIdAndSaysWhy() {
        PnpDeviceRecord r = new PnpDeviceRecord("VMBUS\\{9527E630-D0AE-497B-ADCE-E80AB0175CAF}",
                List.of("PCI\\CC_0200"), List.of("VMBUS\\{9527E630-D0AE-497B-ADCE-E80AB0175CAF}"),
                Optional.empty(), Optional.empty(), List.of(), List.of(), 0, 0);
        VmbusDevice d = VmbusDevice.of(r);
        assertEquals(Optional.of(UUID.fromString("9527e630-d0ae-497b-adce-e80ab0175caf")), d.classGuid());
        assertEquals(Optional.empty(), d.instanceGuid());
        assertEquals("time synchronization", d.name());
        assertTrue(d.idProblem().orElseThrow().contains("found 2"), d::toString);
    }

    @Test
    void stateComesFromTheStatusFlagsAndProblemCode() {
        assertEquals(new DeviceState("started", ""), DeviceState.of(0x0180200a, 0));
        assertEquals(new DeviceState("not started", ""), DeviceState.of(0x01800002, 0));
        assertEquals(new DeviceState("problem 28", "the drivers for this device are not installed"), DeviceState.of(0x01802400, 28));
        assertEquals(new DeviceState("problem 22", "the device is disabled"), DeviceState.of(DeviceState.DN_HAS_PROBLEM, 22));
        assertTrue(DeviceState.of(DeviceState.DN_HAS_PROBLEM, 99).detail().contains("not in kmcl-diag's list"));
        assertEquals("started", DeviceState.of(DeviceState.DN_STARTED, 28).summary(), "a code without DN_HAS_PROBLEM is stale");
    }

    @Test
    void registryValuesBecomeListsAndTexts() {
        assertEquals(List.of("a", "b"), RegistryValues.strings(new String[] {"a", "", "b"}));
        assertEquals(List.of("one"), RegistryValues.strings("one"));
        assertEquals(List.of(), RegistryValues.strings(null));
        assertEquals(List.of(), RegistryValues.strings(7));
        assertEquals(Optional.of("svc"), RegistryValues.text("svc"));
        assertEquals(Optional.empty(), RegistryValues.text(""));
        assertEquals(Optional.empty(), RegistryValues.text(new String[] {"x"}));
        assertEquals(Optional.empty(), RegistryValues.text(null));
    }

    /** A tree 1 -> (2 -> (4, 5), 3); the walk visits parents first, children before the next sibling. */
    @Test
    void theDevNodeWalkVisitsEveryNodeOnceDepthFirst() {
        int[][] childSibling = {{}, {2, 0}, {4, 3}, {0, 0}, {0, 5}, {0, 0}};
        assertEquals(List.of(1, 2, 4, 5, 3), walk(1, childSibling));
    }

    @Test
    void theDevNodeWalkEndsWhenTheLinksLoop() {
        int[][] loop = {{}, {2, 0}, {0, 3}, {1, 2}}; // 3's child is the root, 3's sibling is 2
        assertEquals(List.of(1, 2, 3), walk(1, loop));
    }

    /** The nodes a walk from {@code root} visits over links {childSibling[node] = {child, sibling}}, 0 for none. */
    private static List<Integer> walk(int root, int[][] childSibling) {
        return DevNodeWalk.nodes(root, n -> link(childSibling[n][0]), n -> link(childSibling[n][1]));
    }

    private static OptionalInt link(int node) {
        return node == 0 ? OptionalInt.empty() : OptionalInt.of(node);
    }
}
