package dev.kmclbridge.diag.pnp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of VMBus device ids: the instance id VMBUS\{class}\{instance}, hardware ids VMBUS\{class}, odd ids. */
class VmbusDeviceIdTest {
    private static final UUID HEARTBEAT = UUID.fromString("57164f39-9115-4e78-ab55-382f3bd5422d");
    private static final UUID INSTANCE = UUID.fromString("51f2b7a0-3d49-4b34-94f1-124e47135f52");

    @Test
    void instanceIdGivesClassAndInstanceGuid() {
        VmbusDeviceId id = VmbusDeviceId.parse("VMBUS\\{57164F39-9115-4E78-AB55-382F3BD5422D}\\{51F2B7A0-3D49-4B34-94F1-124E47135F52}");
        assertEquals(HEARTBEAT, id.classGuid());
        assertEquals(INSTANCE, id.instanceGuid());
    }

    @Test
    void enumeratorAndHexDigitsMayBeInAnyCase() {
        assertEquals(new VmbusDeviceId(HEARTBEAT, INSTANCE),
                VmbusDeviceId.parse("vmbus\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3D49-4b34-94F1-124e47135f52}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ROOT\\VMBUS\\0000|not a VMBus child",
            "PCI\\VEN_1414&DEV_5353\\3&267A616A&0&40|not a VMBus child",
            "VMBUS|not a VMBus child",
            "\\VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}|not a VMBus child",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}|found 2",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}\\0|found 4",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}\\|found 4",
            "VMBUS\\{1-2-3-4-5}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}|class part is not a {GUID}",
            "VMBUS\\57164f39-9115-4e78-ab55-382f3bd5422d\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}|class part is not a {GUID}",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3d49-4b34-94f1-124e47135f5}|instance part is not a {GUID}",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52|instance part is not a {GUID}",
            "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422g}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}|class part is not a {GUID}",
            "VMBUS\\\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}|class part is empty",
    })
    void malformedIdsAreRefusedSayingWhy(String id, String reason) {
        MalformedDeviceIdException e = assertThrows(MalformedDeviceIdException.class, () -> VmbusDeviceId.parse(id));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void theEmptyIdIsMalformedNotAnIndexError() {
        assertThrows(MalformedDeviceIdException.class, () -> VmbusDeviceId.parse(""));
        assertFalse(VmbusDeviceId.isVmbusChild(""));
    }

    @Test
    void hardwareAndCompatibleIdsNameTheClass() {
        assertEquals(Optional.of(HEARTBEAT), VmbusDeviceId.classOfHardwareId("VMBUS\\{57164F39-9115-4E78-AB55-382F3BD5422D}"));
        assertEquals(Optional.of(HEARTBEAT), VmbusDeviceId.classOfHardwareId(
                "vmbus\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\{51f2b7a0-3d49-4b34-94f1-124e47135f52}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"VMBUS", "VMBUS\\", "VMBUS\\57164f39-9115-4e78-ab55-382f3bd5422d", "PCI\\CC_0200",
            "ROOT\\{57164f39-9115-4e78-ab55-382f3bd5422d}", "VMBUS\\{57164f39-9115-4e78-ab55-382f3bd5422d}\\a\\b"})
    void otherHardwareIdsNameNoClass(String id) {
        assertEquals(Optional.empty(), VmbusDeviceId.classOfHardwareId(id));
    }
}
