package dev.kmclbridge;

import dev.kmclbridge.spi.ChannelSettings;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * Every Init* setting of a channel, applied in KMCL slot order (client members, then server-only members) by
 * {@link Kmcl#createClientChannel}/{@link Kmcl#createServerChannel} or {@link Channel#configure}. Unset values
 * are not passed to KMCL, so what is in effect stays (on a new channel: KMCL's defaults). Values are passed
 * through unvalidated on purpose: KMCL itself answers bad values with its documented statuses (e.g. a maximum
 * packet size of 0 gives {@code STATUS_INVALID_PARAMETER_2}). Build with {@link #builder()}; a channel's
 * {@link Channel#config()} is the {@link #mergedWith merge} of every configuration applied to it.
 */
public record ChannelConfig(
        Optional<String> friendlyName,
        OptionalInt maximumPacketSize,
        Optional<ExternalDataLimits> maximumExternalData,
        OptionalInt clientContextSize,
        OptionalInt channelFlags,
        Optional<StateCallbacksHeader> stateCallbacksHeader,
        Optional<Boolean> processingCompleteCallback,
        Optional<Boolean> incomingProcessingAtPassive,
        OptionalInt transactionQuota,
        Optional<RingPages> ringBufferPages,
        Optional<TargetPnp> targetPnp,
        Optional<InterfaceId> targetInterface,
        OptionalInt targetVtl,
        Optional<Mmio> mmioMegabytes,
        OptionalInt serverFlags,
        int deliveryThreads) {

    /** {@code VMBUS_CHANNEL_INIT_FLAG_IS_PIPE}. */
    public static final int INIT_FLAG_IS_PIPE = 0x1;
    /** {@code VMBUS_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER}. */
    public static final int SERVER_FLAG_LOOPBACK_OFFER = 0x1;
    /** {@code VMBUS_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE}. */
    public static final int SERVER_FLAG_ENUMERATE_DEVICE_INTERFACE = 0x2;
    /** {@code VMBUS_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE}. */
    public static final int SERVER_FLAG_OFFER_AS_PIPE = 0x4;
    /** {@code VMBUS_SERVER_CHANNEL_INIT_FLAG_FORCE_NEW_CHANNEL}. */
    public static final int SERVER_FLAG_FORCE_NEW_CHANNEL = 0x8;
    /** {@code VMBUS_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER}. */
    public static final int SERVER_FLAG_TLNPI_PROVIDER_OFFER = 0x10;

    public ChannelConfig {
        Objects.requireNonNull(friendlyName, "friendlyName");
        Objects.requireNonNull(maximumPacketSize, "maximumPacketSize");
        Objects.requireNonNull(maximumExternalData, "maximumExternalData");
        Objects.requireNonNull(clientContextSize, "clientContextSize");
        Objects.requireNonNull(channelFlags, "channelFlags");
        Objects.requireNonNull(stateCallbacksHeader, "stateCallbacksHeader");
        Objects.requireNonNull(processingCompleteCallback, "processingCompleteCallback");
        Objects.requireNonNull(incomingProcessingAtPassive, "incomingProcessingAtPassive");
        Objects.requireNonNull(transactionQuota, "transactionQuota");
        Objects.requireNonNull(ringBufferPages, "ringBufferPages");
        Objects.requireNonNull(targetPnp, "targetPnp");
        Objects.requireNonNull(targetInterface, "targetInterface");
        Objects.requireNonNull(targetVtl, "targetVtl");
        Objects.requireNonNull(mmioMegabytes, "mmioMegabytes");
        Objects.requireNonNull(serverFlags, "serverFlags");
        if (deliveryThreads < 1) {
            throw new IllegalArgumentException("deliveryThreads must be >= 1, was " + deliveryThreads);
        }
    }

    /** A config that sets nothing: every KMCL default applies. */
    public static ChannelConfig defaults() {
        return builder().build();
    }

    /** A builder with nothing set and serialized delivery. */
    public static Builder builder() {
        return new Builder();
    }

    /** The Init* settings as the backend SPI carries them ({@link dev.kmclbridge.spi.Backend#configure}). */
    public ChannelSettings toSettings() {
        return ChannelSettingsConversion.toSettings(this);
    }

    /**
     * A config that applies exactly {@code settings}, with serialized delivery. Throws
     * {@link IllegalArgumentException} for values this class refuses (negative sizes, MMIO beyond UINT16).
     */
    public static ChannelConfig of(ChannelSettings settings) {
        return ChannelSettingsConversion.toConfig(settings, 1);
    }

    /**
     * The configuration in effect after {@code later} was applied on top of this one: every setting {@code later}
     * has replaces this one's, every setting it leaves unset stays. {@link #deliveryThreads()} stays this one's
     * (the dispatcher is made at creation).
     */
    public ChannelConfig mergedWith(ChannelConfig later) {
        Objects.requireNonNull(later, "later");
        return new ChannelConfig(or(later.friendlyName, friendlyName), or(later.maximumPacketSize, maximumPacketSize),
                or(later.maximumExternalData, maximumExternalData), or(later.clientContextSize, clientContextSize),
                or(later.channelFlags, channelFlags), or(later.stateCallbacksHeader, stateCallbacksHeader),
                or(later.processingCompleteCallback, processingCompleteCallback),
                or(later.incomingProcessingAtPassive, incomingProcessingAtPassive),
                or(later.transactionQuota, transactionQuota), or(later.ringBufferPages, ringBufferPages),
                or(later.targetPnp, targetPnp), or(later.targetInterface, targetInterface),
                or(later.targetVtl, targetVtl), or(later.mmioMegabytes, mmioMegabytes),
                or(later.serverFlags, serverFlags), deliveryThreads);
    }

    private static <T> Optional<T> or(Optional<T> later, Optional<T> earlier) {
        return later.isPresent() ? later : earlier;
    }

    private static OptionalInt or(OptionalInt later, OptionalInt earlier) {
        return later.isPresent() ? later : earlier;
    }

    /** A builder pre-filled with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.friendlyName = friendlyName;
        b.maximumPacketSize = maximumPacketSize;
        b.maximumExternalData = maximumExternalData;
        b.clientContextSize = clientContextSize;
        b.channelFlags = channelFlags;
        b.stateCallbacksHeader = stateCallbacksHeader;
        b.processingCompleteCallback = processingCompleteCallback;
        b.incomingProcessingAtPassive = incomingProcessingAtPassive;
        b.transactionQuota = transactionQuota;
        b.ringBufferPages = ringBufferPages;
        b.targetPnp = targetPnp;
        b.targetInterface = targetInterface;
        b.targetVtl = targetVtl;
        b.mmioMegabytes = mmioMegabytes;
        b.serverFlags = serverFlags;
        b.deliveryThreads = deliveryThreads;
        return b;
    }

    /** Arguments of {@code VmbChannelInitSetMaximumExternalData}. */
    public record ExternalDataLimits(int dataSize, int chainLength) {
        public ExternalDataLimits {
            requireUnsigned("dataSize", dataSize);
            requireUnsigned("chainLength", chainLength);
        }
    }

    /**
     * The {@code VMB_CHANNEL_STATE_CHANGE_CALLBACKS} header passed to {@code VmbChannelInitSetStateChangeCallbacks}.
     * The bridge always registers its callbacks with {@link #V1}; other values exist to test KMCL's check.
     */
    public record StateCallbacksHeader(int version, int size) {
        /** What {@code VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT} produces on 64-bit Windows. */
        public static final StateCallbacksHeader V1 = new StateCallbacksHeader(1, 48);
    }

    /** Arguments of {@code VmbClientChannelInitSetRingBufferPageCount} (4 KiB pages, per direction). */
    public record RingPages(int incoming, int outgoing) {
        public RingPages {
            requireUnsigned("incoming", incoming);
            requireUnsigned("outgoing", outgoing);
        }
    }

    /** Arguments of {@code VmbClientChannelInitSetTargetPnp}; an empty instance matches any instance. */
    public record TargetPnp(UUID interfaceType, Optional<UUID> interfaceInstance) {
        public TargetPnp {
            Objects.requireNonNull(interfaceType, "interfaceType");
            Objects.requireNonNull(interfaceInstance, "interfaceInstance");
        }
    }

    /** Arguments of {@code VmbServerChannelInitSetTargetInterfaceId}. */
    public record InterfaceId(UUID interfaceType, UUID interfaceInstance) {
        public InterfaceId {
            Objects.requireNonNull(interfaceType, "interfaceType");
            Objects.requireNonNull(interfaceInstance, "interfaceInstance");
        }
    }

    /** Arguments of {@code VmbServerChannelInitSetMmioMegabytes} (UINT16 each). */
    public record Mmio(int megabytes, int megabytesOptional) {
        public Mmio {
            if (megabytes < 0 || megabytes > 0xFFFF || megabytesOptional < 0 || megabytesOptional > 0xFFFF) {
                throw new IllegalArgumentException("MMIO megabytes are UINT16 values: " + megabytes + ", " + megabytesOptional);
            }
        }
    }

    private static void requireUnsigned(String what, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(what + " must be a UINT32 value below 2^31, was " + Integer.toUnsignedString(v));
        }
    }

    /** Builder for {@link ChannelConfig}; every setter corresponds to one KMCL call. */
    public static final class Builder {
        private Optional<String> friendlyName = Optional.empty();
        private OptionalInt maximumPacketSize = OptionalInt.empty();
        private Optional<ExternalDataLimits> maximumExternalData = Optional.empty();
        private OptionalInt clientContextSize = OptionalInt.empty();
        private OptionalInt channelFlags = OptionalInt.empty();
        private Optional<StateCallbacksHeader> stateCallbacksHeader = Optional.empty();
        private Optional<Boolean> processingCompleteCallback = Optional.empty();
        private Optional<Boolean> incomingProcessingAtPassive = Optional.empty();
        private OptionalInt transactionQuota = OptionalInt.empty();
        private Optional<RingPages> ringBufferPages = Optional.empty();
        private Optional<TargetPnp> targetPnp = Optional.empty();
        private Optional<InterfaceId> targetInterface = Optional.empty();
        private OptionalInt targetVtl = OptionalInt.empty();
        private Optional<Mmio> mmioMegabytes = Optional.empty();
        private OptionalInt serverFlags = OptionalInt.empty();
        private int deliveryThreads = 1;

        private Builder() {
        }

        /** {@code VmbChannelInitSetFriendlyName}: name used in debugging output and performance counters. */
        public Builder friendlyName(String name) {
            this.friendlyName = Optional.of(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** {@code VmbChannelInitSetMaximumPacketSize}: the largest inline payload ever sent (bytes, UINT32). */
        public Builder maximumPacketSize(int bytes) {
            requireUnsigned("maximumPacketSize", bytes);
            this.maximumPacketSize = OptionalInt.of(bytes);
            return this;
        }

        /** {@code VmbChannelInitSetMaximumExternalData}: largest external data and longest MDL chain. */
        public Builder maximumExternalData(int dataSize, int chainLength) {
            this.maximumExternalData = Optional.of(new ExternalDataLimits(dataSize, chainLength));
            return this;
        }

        /** {@code VmbChannelInitSetClientContextSize}: per-packet context bytes KMCL allocates. */
        public Builder clientContextSize(int bytes) {
            requireUnsigned("clientContextSize", bytes);
            this.clientContextSize = OptionalInt.of(bytes);
            return this;
        }

        /** {@code VmbChannelInitSetFlags} with a raw value (valid mask 0x1). */
        public Builder channelFlags(int flags) {
            this.channelFlags = OptionalInt.of(flags);
            return this;
        }

        /** {@code VmbChannelInitSetFlags(VMBUS_CHANNEL_INIT_FLAG_IS_PIPE)} when {@code pipe}, 0 otherwise. */
        public Builder pipeMode(boolean pipe) {
            return channelFlags(pipe ? INIT_FLAG_IS_PIPE : 0);
        }

        /** Override the state-callback struct header (Version, Size); for testing KMCL's check only. */
        public Builder stateCallbacksHeader(int version, int size) {
            this.stateCallbacksHeader = Optional.of(new StateCallbacksHeader(version, size));
            return this;
        }

        /**
         * {@code VmbChannelInitSetProcessPacketCallbacks}: registers the packet callback with ({@code true}) or
         * without ({@code false}) the end-of-batch (processing-complete) callback. Unset leaves the registration
         * as it is; a new channel has both.
         */
        public Builder processingCompleteCallback(boolean register) {
            this.processingCompleteCallback = Optional.of(register);
            return this;
        }

        /** {@code VmbChannelSetIncomingProcessingAtPassive}. */
        public Builder incomingProcessingAtPassive(boolean requirePassive) {
            this.incomingProcessingAtPassive = Optional.of(requirePassive);
            return this;
        }

        /** {@code VmbChannelSetTransactionQuota}: most incoming packets delivered but not yet completed. */
        public Builder transactionQuota(int quota) {
            requireUnsigned("transactionQuota", quota);
            this.transactionQuota = OptionalInt.of(quota);
            return this;
        }

        /** {@code VmbClientChannelInitSetRingBufferPageCount} (client only). */
        public Builder ringBufferPages(int incoming, int outgoing) {
            this.ringBufferPages = Optional.of(new RingPages(incoming, outgoing));
            return this;
        }

        /** {@code VmbClientChannelInitSetTargetPnp} matching any instance of {@code type}. */
        public Builder targetPnp(UUID type) {
            this.targetPnp = Optional.of(new TargetPnp(type, Optional.empty()));
            return this;
        }

        /** {@code VmbClientChannelInitSetTargetPnp} matching exactly {@code type} and {@code instance}. */
        public Builder targetPnp(UUID type, UUID instance) {
            this.targetPnp = Optional.of(new TargetPnp(type, Optional.of(Objects.requireNonNull(instance, "instance"))));
            return this;
        }

        /** {@code VmbServerChannelInitSetTargetInterfaceId} (server only). */
        public Builder targetInterface(UUID type, UUID instance) {
            this.targetInterface = Optional.of(new InterfaceId(type, instance));
            return this;
        }

        /** {@code VmbServerChannelInitSetTargetVtl} (server only; UINT8). */
        public Builder targetVtl(int vtl) {
            if (vtl < 0 || vtl > 0xFF) {
                throw new IllegalArgumentException("targetVtl is a UINT8, was " + vtl);
            }
            this.targetVtl = OptionalInt.of(vtl);
            return this;
        }

        /** {@code VmbServerChannelInitSetMmioMegabytes} (server only). */
        public Builder mmioMegabytes(int megabytes, int megabytesOptional) {
            this.mmioMegabytes = Optional.of(new Mmio(megabytes, megabytesOptional));
            return this;
        }

        /** {@code VmbServerChannelInitSetFlags} with a raw value (valid mask 0x1F). */
        public Builder serverFlags(int flags) {
            this.serverFlags = OptionalInt.of(flags);
            return this;
        }

        /**
         * Threads that run the packet handler. 1 (default) gives serialized FIFO delivery per channel (B58);
         * more is an opt-in concurrent mode for stress tests, without ordering guarantees.
         */
        public Builder deliveryThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("deliveryThreads must be >= 1, was " + threads);
            }
            this.deliveryThreads = threads;
            return this;
        }

        /** The immutable config. */
        public ChannelConfig build() {
            return new ChannelConfig(friendlyName, maximumPacketSize, maximumExternalData, clientContextSize,
                    channelFlags, stateCallbacksHeader, processingCompleteCallback, incomingProcessingAtPassive,
                    transactionQuota, ringBufferPages, targetPnp, targetInterface, targetVtl, mmioMegabytes,
                    serverFlags, deliveryThreads);
        }
    }
}
