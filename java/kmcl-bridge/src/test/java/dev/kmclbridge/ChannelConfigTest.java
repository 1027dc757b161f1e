package dev.kmclbridge;

import dev.kmclbridge.spi.ChannelSettings;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelConfigTest {

    @Test
    void defaultsSetNothingSoKmclDefaultsApply() {
        ChannelConfig c = ChannelConfig.defaults();
        assertTrue(c.friendlyName().isEmpty());
        assertTrue(c.maximumPacketSize().isEmpty());
        assertTrue(c.ringBufferPages().isEmpty());
        assertTrue(c.targetPnp().isEmpty());
        assertEquals(Optional.empty(), c.processingCompleteCallback(), "unset: the registration stays as it is");
        assertEquals(1, c.deliveryThreads());
    }

    @Test
    void builderPassesKmclRejectedValuesThroughSoKmclCanAnswerThem() {
        ChannelConfig c = ChannelConfig.builder().maximumPacketSize(0).maximumExternalData(0, 0).channelFlags(0x80)
                .serverFlags(0x20).mmioMegabytes(0, 0).targetVtl(200).build();
        assertEquals(0, c.maximumPacketSize().getAsInt());
        assertEquals(new ChannelConfig.ExternalDataLimits(0, 0), c.maximumExternalData().get());
        assertEquals(0x80, c.channelFlags().getAsInt());
        assertEquals(200, c.targetVtl().getAsInt());
    }

    @Test
    void valuesOutsideTheCTypesAreRejectedInJava() {
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder().maximumPacketSize(-1));
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder().mmioMegabytes(0x10000, 0));
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder().targetVtl(256));
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder().deliveryThreads(0));
        assertThrows(NullPointerException.class, () -> ChannelConfig.builder().friendlyName(null));
    }

    private static final UUID TYPE = UUID.randomUUID();
    private static final UUID INSTANCE = UUID.randomUUID();

    /** A builder with every setting set. */
    private static ChannelConfig.Builder everySetting() {
        return ChannelConfig.builder().friendlyName("net").maximumPacketSize(4096)
                .maximumExternalData(65536, 4).clientContextSize(16).pipeMode(true).stateCallbacksHeader(1, 48)
                .processingCompleteCallback(false).incomingProcessingAtPassive(true).transactionQuota(8)
                .ringBufferPages(8, 16).targetPnp(TYPE, INSTANCE).targetInterface(TYPE, INSTANCE).targetVtl(2)
                .mmioMegabytes(1, 2).serverFlags(0x2);
    }

    @Test
    void toBuilderRoundTripsEveryField() {
        ChannelConfig c = everySetting().deliveryThreads(3).build();
        assertEquals(c, c.toBuilder().build());
        assertEquals(ChannelConfig.INIT_FLAG_IS_PIPE, c.channelFlags().getAsInt());
        assertEquals(Optional.of(false), c.processingCompleteCallback());
        assertEquals(INSTANCE, c.targetPnp().get().interfaceInstance().get());
    }

    @Test
    void spiSettingsCarryEverySettingAndConvertBack() {
        ChannelConfig c = everySetting().build();
        ChannelSettings s = c.toSettings();
        assertEquals(new ChannelSettings.RingPages(8, 16), s.ringBufferPages().get());
        assertEquals(new ChannelSettings.TargetPnp(TYPE, Optional.of(INSTANCE)), s.targetPnp().get());
        assertEquals(new ChannelSettings.Mmio(1, 2), s.mmioMegabytes().get());
        assertEquals(Optional.of(false), s.processingCompleteCallback());
        assertEquals(c, ChannelConfig.of(s));
        assertEquals(ChannelConfig.defaults(), ChannelConfig.of(ChannelConfig.defaults().toSettings()));
    }

    @Test
    void mergedWithKeepsEveryEarlierSettingTheLaterOneLeavesUnset() {
        ChannelConfig first = everySetting().deliveryThreads(2).build();
        ChannelConfig later = ChannelConfig.builder().friendlyName("later").processingCompleteCallback(true)
                .transactionQuota(99).deliveryThreads(5).build();
        ChannelConfig merged = first.mergedWith(later);
        assertEquals(first.toBuilder().friendlyName("later").processingCompleteCallback(true).transactionQuota(99).build(),
                merged, "later values win, the rest stays");
        assertEquals(2, merged.deliveryThreads(), "delivery threads are fixed at creation");
        assertEquals(first, first.mergedWith(ChannelConfig.defaults()), "an empty configure changes nothing");
        assertEquals(later.toBuilder().deliveryThreads(1).build(), ChannelConfig.defaults().mergedWith(later));
    }

    @Test
    void targetPnpWithoutInstanceMatchesAnyInstance() {
        ChannelConfig c = ChannelConfig.builder().targetPnp(UUID.randomUUID()).build();
        assertTrue(c.targetPnp().get().interfaceInstance().isEmpty());
    }
}
