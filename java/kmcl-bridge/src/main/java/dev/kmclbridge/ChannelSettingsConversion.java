package dev.kmclbridge;

import dev.kmclbridge.spi.ChannelSettings;

/** {@link ChannelConfig} (the typed layer's settings) to and from {@link ChannelSettings} (the SPI's plain data). */
final class ChannelSettingsConversion {
    private ChannelSettingsConversion() {
    }

    static ChannelSettings toSettings(ChannelConfig c) {
        return new ChannelSettings(c.friendlyName(), c.maximumPacketSize(),
                c.maximumExternalData().map(e -> new ChannelSettings.ExternalDataLimits(e.dataSize(), e.chainLength())),
                c.clientContextSize(), c.channelFlags(),
                c.stateCallbacksHeader().map(h -> new ChannelSettings.StateCallbacksHeader(h.version(), h.size())),
                c.processingCompleteCallback(), c.incomingProcessingAtPassive(), c.transactionQuota(),
                c.ringBufferPages().map(r -> new ChannelSettings.RingPages(r.incoming(), r.outgoing())),
                c.targetPnp().map(t -> new ChannelSettings.TargetPnp(t.interfaceType(), t.interfaceInstance())),
                c.targetInterface().map(t -> new ChannelSettings.InterfaceId(t.interfaceType(), t.interfaceInstance())),
                c.targetVtl(),
                c.mmioMegabytes().map(m -> new ChannelSettings.Mmio(m.megabytes(), m.megabytesOptional())),
                c.serverFlags());
    }

    static ChannelConfig toConfig(ChannelSettings s, int deliveryThreads) {
        return new ChannelConfig(s.friendlyName(), s.maximumPacketSize(),
                s.maximumExternalData().map(e -> new ChannelConfig.ExternalDataLimits(e.dataSize(), e.chainLength())),
                s.clientContextSize(), s.channelFlags(),
                s.stateCallbacksHeader().map(h -> new ChannelConfig.StateCallbacksHeader(h.version(), h.size())),
                s.processingCompleteCallback(), s.incomingProcessingAtPassive(), s.transactionQuota(),
                s.ringBufferPages().map(r -> new ChannelConfig.RingPages(r.incoming(), r.outgoing())),
                s.targetPnp().map(t -> new ChannelConfig.TargetPnp(t.interfaceType(), t.interfaceInstance())),
                s.targetInterface().map(t -> new ChannelConfig.InterfaceId(t.interfaceType(), t.interfaceInstance())),
                s.targetVtl(),
                s.mmioMegabytes().map(m -> new ChannelConfig.Mmio(m.megabytes(), m.megabytesOptional())),
                s.serverFlags(), deliveryThreads);
    }
}
