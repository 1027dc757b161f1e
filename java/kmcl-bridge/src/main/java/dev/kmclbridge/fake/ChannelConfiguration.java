package dev.kmclbridge.fake;

import dev.kmclbridge.ChannelConfig;
import dev.kmclbridge.KmclFunction;
import dev.kmclbridge.NtStatus;
import dev.kmclbridge.spi.ChannelSettings;

import java.util.UUID;

/**
 * A channel's configuration: the Init* settings with their validation (docs/kmcl-api.md), the setters that stay
 * valid after Enable (quota, incoming processing at passive, context, interrupt latency). The channel lock guards it,
 * except that the bus reads {@link #targetType}/{@link #targetInstance} under the bus lock.
 */
final class ChannelConfiguration {
    private static final int SUCCESS = NtStatus.SUCCESS.value();
    /** The state-callback header (Version 1, Size 48) that KMCL V1 accepts. */
    private static final ChannelSettings.StateCallbacksHeader STATE_CALLBACKS_V1 = new ChannelSettings.StateCallbacksHeader(
            ChannelConfig.StateCallbacksHeader.V1.version(), ChannelConfig.StateCallbacksHeader.V1.size());

    private final boolean server;
    private String friendlyName = FakeDefaults.FRIENDLY_NAME;
    private int maxPacketSize = FakeDefaults.MAXIMUM_PACKET_SIZE;
    private int maxExternalData = FakeDefaults.MAXIMUM_EXTERNAL_DATA;
    private int maxExternalChain = FakeDefaults.MAXIMUM_EXTERNAL_CHAIN;
    private int clientContextSize = FakeDefaults.CLIENT_CONTEXT_SIZE;
    private int initFlags;
    private boolean processingCompleteCallback = true;
    private boolean incomingAtPassive = FakeDefaults.INCOMING_AT_PASSIVE;
    private int quota = FakeDefaults.TRANSACTION_QUOTA;
    private int incomingPages;
    private int outgoingPages;
    /** Client: PnP target; server: offer type/instance. */
    UUID targetType;
    UUID targetInstance;
    private int serverFlags;
    private int mmioMegabytes;
    private int mmioMegabytesOptional;
    private int targetVtl;
    private long context;
    private int latency = FakeDefaults.INTERRUPT_LATENCY_100NS;

    ChannelConfiguration(boolean server, UUID endpointType, UUID endpointInstance, UUID instance) {
        this.server = server;
        this.targetType = endpointType;
        // client: the endpoint's offer; server: the endpoint's type with a fresh instance (the channel's own)
        this.targetInstance = server ? instance : endpointInstance;
        this.incomingPages = server ? FakeDefaults.GUEST_PEER_RING_PAGES : FakeDefaults.INCOMING_RING_PAGES;
        this.outgoingPages = server ? FakeDefaults.GUEST_PEER_RING_PAGES : FakeDefaults.OUTGOING_RING_PAGES;
    }

    /**
     * Applies {@code c} in the bridge's call order; stops at the first failing KMCL call, whose status is returned
     * and whose function code goes to {@code outFailed[0]}. Init* calls fail with _1 once the channel was enabled.
     */
    int apply(ChannelSettings c, boolean everEnabled, int[] outFailed) {
        int[] st = {SUCCESS};
        int initStatus = everEnabled ? NtStatus.INVALID_PARAMETER_1.value() : SUCCESS;
        // slot 10..16 (client Init*), 23, 26 (setters), 29, 30 (client-only Init*), then server-only 8, 9, 11, 12
        if (c.clientContextSize().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE, initStatus)) {
            clientContextSize = c.clientContextSize().getAsInt();
        }
        if (c.channelFlags().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_FLAGS,
                initStatus, (c.channelFlags().getAsInt() & ~ChannelConfig.INIT_FLAG_IS_PIPE) != 0 ? p(2) : SUCCESS)) {
            initFlags = c.channelFlags().getAsInt();
        }
        if (c.friendlyName().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_FRIENDLY_NAME, initStatus)) {
            friendlyName = c.friendlyName().get();
        }
        if (c.maximumExternalData().isPresent()) {
            ChannelSettings.ExternalDataLimits e = c.maximumExternalData().get();
            if (check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA, initStatus,
                    e.dataSize() == 0 ? p(2) : e.chainLength() == 0 ? p(3) : SUCCESS)) {
                maxExternalData = e.dataSize();
                maxExternalChain = e.chainLength();
            }
        }
        if (c.maximumPacketSize().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE,
                initStatus, c.maximumPacketSize().getAsInt() == 0 ? p(2) : SUCCESS)) {
            maxPacketSize = c.maximumPacketSize().getAsInt();
        }
        // The bridge registers both callback sets at allocation; a configure re-registers only what it names
        // (B15: after Enable that fails with _1)
        if (c.processingCompleteCallback().isPresent()
                && check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS, initStatus)) {
            processingCompleteCallback = c.processingCompleteCallback().get();
        }
        if (c.stateCallbacksHeader().isPresent()) {
            check(st, outFailed, KmclFunction.VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS, initStatus,
                    c.stateCallbacksHeader().get().equals(STATE_CALLBACKS_V1) ? SUCCESS : p(2));
        }
        if (c.incomingProcessingAtPassive().isPresent()
                && check(st, outFailed, KmclFunction.VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE, SUCCESS)) {
            incomingAtPassive = c.incomingProcessingAtPassive().get();
        }
        if (c.transactionQuota().isPresent() && check(st, outFailed, KmclFunction.VMB_CHANNEL_SET_TRANSACTION_QUOTA, SUCCESS)) {
            setQuota(c.transactionQuota().getAsInt());
        }
        if (c.ringBufferPages().isPresent()) {
            ChannelSettings.RingPages r = c.ringBufferPages().get();
            if (check(st, outFailed, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT, initStatus,
                    server ? NtStatus.INVALID_DEVICE_REQUEST.value() : r.incoming() == 0 ? p(2) : r.outgoing() == 0 ? p(3)
                            : r.incoming() > FakeDefaults.MAXIMUM_RING_PAGES || r.outgoing() > FakeDefaults.MAXIMUM_RING_PAGES
                            ? NtStatus.INSUFFICIENT_RESOURCES.value() : SUCCESS)) {
                incomingPages = r.incoming();
                outgoingPages = r.outgoing();
            }
        }
        if (c.targetPnp().isPresent() && check(st, outFailed, KmclFunction.VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP,
                initStatus, server ? NtStatus.INVALID_DEVICE_REQUEST.value() : SUCCESS)) {
            targetType = c.targetPnp().get().interfaceType();
            targetInstance = c.targetPnp().get().interfaceInstance().orElse(null);
        }
        int serverOnly = server ? SUCCESS : NtStatus.INVALID_DEVICE_REQUEST.value();
        if (c.serverFlags().isPresent() && check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_FLAGS,
                initStatus, serverOnly, (c.serverFlags().getAsInt() & ~0x1F) != 0 ? p(2) : SUCCESS)) {
            serverFlags = c.serverFlags().getAsInt();
        }
        if (c.mmioMegabytes().isPresent()) {
            ChannelSettings.Mmio m = c.mmioMegabytes().get();
            if (check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES, initStatus, serverOnly,
                    m.megabytes() == 0 && m.megabytesOptional() == 0 ? NtStatus.INVALID_PARAMETER.value() : SUCCESS)) {
                mmioMegabytes = m.megabytes();
                mmioMegabytesOptional = m.megabytesOptional();
            }
        }
        if (c.targetInterface().isPresent() && check(st, outFailed,
                KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_INTERFACE_ID, initStatus, serverOnly)) {
            targetType = c.targetInterface().get().interfaceType();
            targetInstance = c.targetInterface().get().interfaceInstance();
        }
        if (c.targetVtl().isPresent() && check(st, outFailed, KmclFunction.VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL,
                initStatus, serverOnly, c.targetVtl().getAsInt() > 2 ? p(2) : SUCCESS)) {
            targetVtl = c.targetVtl().getAsInt();
        }
        return st[0];
    }

    /**
     * The KMCL call that a configure of a channel that does not exist reports as failed (B14): the first call
     * {@link #apply} would make for {@code c}.
     */
    static KmclFunction firstFunction(ChannelSettings c) {
        if (c.clientContextSize().isPresent()) {
            return KmclFunction.VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE;
        }
        if (c.channelFlags().isPresent()) {
            return KmclFunction.VMB_CHANNEL_INIT_SET_FLAGS;
        }
        if (c.friendlyName().isPresent()) {
            return KmclFunction.VMB_CHANNEL_INIT_SET_FRIENDLY_NAME;
        }
        if (c.maximumExternalData().isPresent()) {
            return KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA;
        }
        if (c.maximumPacketSize().isPresent()) {
            return KmclFunction.VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE;
        }
        return KmclFunction.VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS;
    }

    private static int p(int n) {
        return n == 2 ? NtStatus.INVALID_PARAMETER_2.value() : NtStatus.INVALID_PARAMETER_3.value();
    }

    /** Applies one KMCL call unless an earlier one failed; the first failing status among {@code statuses} wins. */
    private static boolean check(int[] st, int[] outFailed, KmclFunction f, int... statuses) {
        if (st[0] != SUCCESS) {
            return false;
        }
        for (int s : statuses) {
            if (s != SUCCESS) {
                st[0] = s;
                outFailed[0] = f.code();
                return false;
            }
        }
        return true;
    }

    /** VmbChannelSetTransactionQuota. */
    int setQuota(int q) {
        if (q != 0) { // B83: 0 is invalid and VOID reports nothing; the fake ignores it
            // the bridge's driver holds at most KMCLB_MAX_PENDING_PACKETS per channel, whatever KMCL's quota
            quota = Integer.compareUnsigned(q, FakeDefaults.TRANSACTION_QUOTA) > 0 ? FakeDefaults.TRANSACTION_QUOTA : q;
        }
        // B82: a quota stall is not cleared here, only by the next completion
        return SUCCESS;
    }

    int setContext(long value) {
        context = value;
        return SUCCESS;
    }

    /** VmbChannelSetInterruptLatency; {@code allowed} says whether the channel is in the window where it is valid (B53). */
    int setInterruptLatency(int value, int[] outOriginal, boolean allowed) {
        if (!allowed) {
            return NtStatus.INVALID_DEVICE_STATE.value();
        }
        if (value < 0 || value > 0xFFFF) {
            return NtStatus.INVALID_PARAMETER_2.value();
        }
        outOriginal[0] = latency;
        latency = value;
        return SUCCESS;
    }

    boolean server() {
        return server;
    }

    int maxPacketSize() {
        return maxPacketSize;
    }

    int maxExternalData() {
        return maxExternalData;
    }

    boolean processingCompleteCallback() {
        return processingCompleteCallback;
    }

    boolean incomingAtPassive() {
        return incomingAtPassive;
    }

    int quota() {
        return quota;
    }

    int incomingPages() {
        return incomingPages;
    }

    int outgoingPages() {
        return outgoingPages;
    }

    int targetVtl() {
        return targetVtl;
    }

    /** MMIO space a server channel offers: required plus optional megabytes. */
    long offeredMmioMegabytes() {
        return (long) mmioMegabytes + mmioMegabytesOptional;
    }

    long context() {
        return context;
    }

    int interruptLatency() {
        return latency;
    }

    /** VmbChannelSizeofPacket for the configured maximum packet size. */
    long sizeofPacket() {
        return FakeDefaults.PACKET_OBJECT_OVERHEAD + PacketFraming.roundUp8(maxPacketSize) + 8;
    }

    // stored as KMCL stores them; nothing in the fake reads the ones below yet

    String friendlyName() {
        return friendlyName;
    }

    int initFlags() {
        return initFlags;
    }

    int clientContextSize() {
        return clientContextSize;
    }

    int serverFlags() {
        return serverFlags;
    }

    int maxExternalChain() {
        return maxExternalChain;
    }
}
