package dev.kmclbridge.jna;

import dev.kmclbridge.spi.ChannelSettings;
import dev.kmclbridge.spi.WireFormat.ConfigPresence;

import java.nio.charset.StandardCharsets;

import static dev.kmclbridge.jna.Shim.ConfigureValues.*;

/**
 * The arguments of {@code kmclshim_configure} for one set of channel settings: the presence bits
 * ({@link ConfigPresence}), the values[] and guids[] arrays ({@link Shim.ConfigureValues}) and the UTF-16LE
 * friendly name.
 */
final class ConfigureArguments {
    int present;
    final int[] values = new int[VALUES];
    final byte[] guids = new byte[GUID_BYTES];
    byte[] friendlyName = new byte[0];

    private ConfigureArguments() {
    }

    static ConfigureArguments of(ChannelSettings c) {
        ConfigureArguments a = new ConfigureArguments();
        c.clientContextSize().ifPresent(v -> a.set(ConfigPresence.CLIENT_CONTEXT_SIZE, CLIENT_CONTEXT_SIZE, v));
        c.channelFlags().ifPresent(v -> a.set(ConfigPresence.FLAGS, CHANNEL_FLAGS, v));
        c.maximumExternalData().ifPresent(e -> {
            a.set(ConfigPresence.MAX_EXTERNAL_DATA, EXT_DATA_SIZE, e.dataSize());
            a.values[EXT_CHAIN_LENGTH] = e.chainLength();
        });
        c.maximumPacketSize().ifPresent(v -> a.set(ConfigPresence.MAX_PACKET_SIZE, MAX_PACKET_SIZE, v));
        c.processingCompleteCallback().ifPresent(r -> a.set(ConfigPresence.PROCESSING_COMPLETE, PROCESSING_COMPLETE, r ? 1 : 0));
        c.stateCallbacksHeader().ifPresent(h -> {
            a.set(ConfigPresence.STATE_CB_HEADER, STATE_CB_VERSION, h.version());
            a.values[STATE_CB_SIZE] = h.size();
        });
        c.incomingProcessingAtPassive().ifPresent(p -> a.set(ConfigPresence.INCOMING_AT_PASSIVE, INCOMING_AT_PASSIVE, p ? 1 : 0));
        c.transactionQuota().ifPresent(v -> a.set(ConfigPresence.TRANSACTION_QUOTA, TRANSACTION_QUOTA, v));
        c.ringBufferPages().ifPresent(r -> {
            a.set(ConfigPresence.RING_PAGES, RING_PAGES_IN, r.incoming());
            a.values[RING_PAGES_OUT] = r.outgoing();
        });
        c.targetPnp().ifPresent(t -> {
            a.present |= ConfigPresence.TARGET_PNP;
            WindowsGuid.write(t.interfaceType(), a.guids, 0);
            t.interfaceInstance().ifPresent(i -> {
                a.present |= ConfigPresence.TARGET_PNP_INSTANCE;
                WindowsGuid.write(i, a.guids, WindowsGuid.BYTES);
            });
        });
        c.serverFlags().ifPresent(v -> a.set(ConfigPresence.SERVER_FLAGS, SERVER_FLAGS, v));
        c.mmioMegabytes().ifPresent(m -> {
            a.set(ConfigPresence.MMIO, MMIO_MB, m.megabytes());
            a.values[MMIO_MB_OPTIONAL] = m.megabytesOptional();
        });
        c.targetInterface().ifPresent(t -> {
            a.present |= ConfigPresence.TARGET_INTERFACE;
            WindowsGuid.write(t.interfaceType(), a.guids, 2 * WindowsGuid.BYTES);
            WindowsGuid.write(t.interfaceInstance(), a.guids, 3 * WindowsGuid.BYTES);
        });
        c.targetVtl().ifPresent(v -> a.set(ConfigPresence.TARGET_VTL, TARGET_VTL, v));
        c.friendlyName().ifPresent(n -> {
            a.present |= ConfigPresence.FRIENDLY_NAME;
            a.friendlyName = n.getBytes(StandardCharsets.UTF_16LE);
        });
        return a;
    }

    private void set(int presenceBit, int index, int value) {
        present |= presenceBit;
        values[index] = value;
    }
}
