package dev.kmclbridge.jna;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9: the native backend has no server channels and says why; loopback keeps them. */
class NativeServerChannelsTest {
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
