package dev.kmclbridge.jna;

import dev.kmclbridge.NtStatus;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9: the native backend has no server channels and says why; loopback keeps them. Opening without the driver
 * (STATUS_NO_SUCH_DEVICE, what kmclshim.dll answers under Wine in scripts/build-native.sh) names the install script.
 */
class NativeBackendProviderTest {
    @Test
    void openingWithoutTheDriverGivesTheInstallHint() {
        String reason = NativeBackendProvider.openFailure(NtStatus.NO_SUCH_DEVICE.value());
        assertTrue(reason.contains(NtStatus.describe(NtStatus.NO_SUCH_DEVICE.value())), reason);
        assertTrue(reason.contains("install-driver.ps1"), reason);
    }

    @Test
    void nativeRefusesServerChannelsNamingTheMissingDocumentedWay() {
        String reason = NativeBackendProvider.serverChannelsUnavailable("native").orElseThrow();
        assertTrue(reason.contains("no documented way"), reason);
        assertTrue(reason.contains("VmbServerChannelInitSetVmbusHandle"), reason);
        assertTrue(reason.contains("fake and loopback"), reason);
    }

    @Test
    void loopbackKeepsServerChannels() {
        assertEquals(Optional.empty(), NativeBackendProvider.serverChannelsUnavailable("loopback"));
    }
}
