package dev.kmclbridge.fake;

import java.util.UUID;

/**
 * Every default the fake applies when KMCL documents none (section 6 Q13 of docs/kmcl-api.md). The C fake under
 * the loopback backend uses the same values from driver/fakekmcl/fake_defaults.h, the one list of them
 * (FakeDefaultsHeaderTest fails when the two differ); docs/fake-choices.md gives the reasons. Change all three
 * together.
 */
public final class FakeDefaults {
    private FakeDefaults() {
    }

    /** Client incoming ring pages when VmbClientChannelInitSetRingBufferPageCount was not called. */
    public static final int INCOMING_RING_PAGES = 16;
    /** Client outgoing ring pages when VmbClientChannelInitSetRingBufferPageCount was not called. */
    public static final int OUTGOING_RING_PAGES = 16;
    /** Ring pages the guest peer allocates for each direction of our server channels. */
    public static final int GUEST_PEER_RING_PAGES = 16;
    /** Largest page count the fake accepts per ring (16 MiB); more fails with STATUS_INSUFFICIENT_RESOURCES. */
    public static final int MAXIMUM_RING_PAGES = 4096;
    /** Maximum inline packet size when VmbChannelInitSetMaximumPacketSize was not called. */
    public static final int MAXIMUM_PACKET_SIZE = 16 * 1024;
    /** Maximum external data bytes when VmbChannelInitSetMaximumExternalData was not called. */
    public static final int MAXIMUM_EXTERNAL_DATA = 1024 * 1024;
    /** Maximum external MDL chain length when VmbChannelInitSetMaximumExternalData was not called. */
    public static final int MAXIMUM_EXTERNAL_CHAIN = 32;
    /**
     * Incoming transaction quota when VmbChannelSetTransactionQuota was not called: the quota the driver core sets
     * on every channel (KMCLB_MAX_PENDING_PACKETS in kmclbridge_protocol.h).
     */
    public static final int TRANSACTION_QUOTA = 4096;
    /**
     * Interrupt latency (100 ns units) before the first VmbChannelSetInterruptLatency: 0, the value the driver core
     * reports until it has set one (KMCL has no getter).
     */
    public static final int INTERRUPT_LATENCY_100NS = 0;
    /** Friendly name when VmbChannelInitSetFriendlyName was not called. */
    public static final String FRIENDLY_NAME = "";
    /** Incoming processing at passive when VmbChannelSetIncomingProcessingAtPassive was not called. */
    public static final boolean INCOMING_AT_PASSIVE = false;
    /** Per-packet client context size when VmbChannelInitSetClientContextSize was not called. */
    public static final int CLIENT_CONTEXT_SIZE = 0;
    /** Bytes of a packet object besides its inline buffer (VmbChannelSizeofPacket = this + roundup8(max) + 8). */
    public static final int PACKET_OBJECT_OVERHEAD = 256;
    /** Base of the MMIO addresses the C fake's VmbChannelGetMmioSpace gives the driver (never reported to user mode). */
    public static final long MMIO_BASE = 0xF_0000_0000L;
    /** MMIO address space per channel: address = MMIO_BASE + (channel number mod 65536) * this. */
    public static final long MMIO_SLOT_BYTES = 0x1000_0000L;
    /** Seed when the "seed" option is absent. */
    public static final long SEED = 1L;

    /** Heartbeat integration service class. */
    public static final UUID HEARTBEAT = UUID.fromString("57164f39-9115-4e78-ab55-382f3bd5422d");
    /** Key-value data exchange class. */
    public static final UUID KEY_VALUE_EXCHANGE = UUID.fromString("a9a0f4e7-5a45-4d96-b827-8a841e8c03e6");
    /** Shutdown integration service class. */
    public static final UUID SHUTDOWN = UUID.fromString("0e0b6031-5213-4934-818b-38d90ced39db");
    /** Time synchronization class. */
    public static final UUID TIME_SYNC = UUID.fromString("9527e630-d0ae-497b-adce-e80ab0175caf");
}
