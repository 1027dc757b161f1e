package dev.kmclbridge;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backend without server channels (native) refuses createServerChannel at once, with its reason. */
class ServerChannelRefusalTest {
    private static final String REASON = "no documented way for this backend";

    @Test
    void createServerChannelFailsAtOnceWithTheBackendsReasonAndAllocatesNothing() {
        ScriptedBackend backend = new ScriptedBackend();
        backend.serverChannelsUnavailable = Optional.of(REASON);
        try (Kmcl kmcl = Kmcl.of(backend)) {
            Endpoint endpoint = kmcl.endpoints().get(0);
            KmclException onEndpoint = assertThrows(KmclException.class,
                    () -> kmcl.createServerChannel(endpoint, ChannelConfig.defaults()));
            KmclException withoutEndpoint = assertThrows(KmclException.class,
                    () -> kmcl.createServerChannel(ChannelConfig.defaults()));
            for (KmclException e : new KmclException[]{onEndpoint, withoutEndpoint}) {
                assertEquals(NtStatus.NOT_SUPPORTED, e.status());
                assertEquals(KmclFunction.VMB_CHANNEL_ALLOCATE, e.function());
                assertTrue(e.getMessage().endsWith(": " + REASON), e.getMessage());
            }
            assertEquals(0, backend.allocations.get());
            kmcl.createClientChannel(endpoint, ChannelConfig.defaults()).close(); // client channels still work
            assertEquals(1, backend.allocations.get());
        }
    }

    @Test
    void aBackendWithServerChannelsAllocatesThem() {
        ScriptedBackend backend = new ScriptedBackend();
        try (Kmcl kmcl = Kmcl.of(backend)) {
            kmcl.createServerChannel(kmcl.endpoints().get(0), ChannelConfig.defaults()).close();
            assertEquals(1, backend.allocations.get());
        }
    }
}
