package dev.kmclbridge.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The Init* settings (and the quota / incoming-at-passive setters) that {@link Backend#configure} applies, in
 * KMCL slot order; an empty value is not passed to KMCL (what is in effect stays). A present
 * {@code processingCompleteCallback} is {@code VmbChannelInitSetProcessPacketCallbacks} with or without the
 * end-of-batch callback. Plain data: the typed layer builds it from its
 * {@code ChannelConfig}, and values reach KMCL unvalidated so that KMCL answers bad ones itself.
 */
public record ChannelSettings(
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
        OptionalInt serverFlags) {

    public ChannelSettings {
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
    }

    /** Arguments of {@code VmbChannelInitSetMaximumExternalData}. */
    public record ExternalDataLimits(int dataSize, int chainLength) {
    }

    /** The {@code VMB_CHANNEL_STATE_CHANGE_CALLBACKS} header (Version, Size) the state callbacks are registered with. */
    public record StateCallbacksHeader(int version, int size) {
    }

    /** Arguments of {@code VmbClientChannelInitSetRingBufferPageCount}. */
    public record RingPages(int incoming, int outgoing) {
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

    /** Arguments of {@code VmbServerChannelInitSetMmioMegabytes}. */
    public record Mmio(int megabytes, int megabytesOptional) {
    }
}
