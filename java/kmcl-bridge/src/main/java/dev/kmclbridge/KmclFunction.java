package dev.kmclbridge;

/**
 * The members of {@code KMCL_CLIENT_INTERFACE_V1} (41, in slot order) and {@code KMCL_SERVER_ONLY_METHODS}
 * (14), plus the bridge's own operations. Used in error messages and in the API coverage table
 * (docs/kmcl-mapping.md).
 */
public enum KmclFunction {
    VMB_CHANNEL_ALLOCATE(Table.CLIENT, 0, "VmbChannelAllocate"),
    VMB_CHANNEL_CLEANUP(Table.CLIENT, 1, "VmbChannelCleanup"),
    VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER(Table.CLIENT, 2, "VmbChannelCreateGpadlFromBuffer"),
    VMB_CHANNEL_CREATE_GPADL_FROM_MDL(Table.CLIENT, 3, "VmbChannelCreateGpadlFromMdl"),
    VMB_CHANNEL_DELETE_GPADL(Table.CLIENT, 4, "VmbChannelDeleteGpadl"),
    VMB_CHANNEL_DISABLE(Table.CLIENT, 5, "VmbChannelDisable"),
    VMB_CHANNEL_ENABLE(Table.CLIENT, 6, "VmbChannelEnable"),
    VMB_CHANNEL_GET_INTERFACE_INSTANCE(Table.CLIENT, 7, "VmbChannelGetInterfaceInstance"),
    VMB_CHANNEL_GET_MMIO_SPACE(Table.CLIENT, 8, "VmbChannelGetMmioSpace"),
    VMB_CHANNEL_GET_POINTER(Table.CLIENT, 9, "VmbChannelGetPointer"),
    VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE(Table.CLIENT, 10, "VmbChannelInitSetClientContextSize"),
    VMB_CHANNEL_INIT_SET_FLAGS(Table.CLIENT, 11, "VmbChannelInitSetFlags"),
    VMB_CHANNEL_INIT_SET_FRIENDLY_NAME(Table.CLIENT, 12, "VmbChannelInitSetFriendlyName"),
    VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA(Table.CLIENT, 13, "VmbChannelInitSetMaximumExternalData"),
    VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE(Table.CLIENT, 14, "VmbChannelInitSetMaximumPacketSize"),
    VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS(Table.CLIENT, 15, "VmbChannelInitSetProcessPacketCallbacks"),
    VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS(Table.CLIENT, 16, "VmbChannelInitSetStateChangeCallbacks"),
    VMB_CHANNEL_PACKET_COMPLETE(Table.CLIENT, 17, "VmbChannelPacketComplete"),
    VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE(Table.CLIENT, 18, "VmbChannelPacketDeferToPassive"),
    VMB_CHANNEL_PACKET_FAIL(Table.CLIENT, 19, "VmbChannelPacketFail"),
    VMB_CHANNEL_PACKET_GET_EXTERNAL_DATA(Table.CLIENT, 20, "VmbChannelPacketGetExternalData"),
    VMB_CHANNEL_PAUSE(Table.CLIENT, 21, "VmbChannelPause"),
    VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST(Table.CLIENT, 22, "VmbChannelSendSynchronousRequest"),
    VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE(Table.CLIENT, 23, "VmbChannelSetIncomingProcessingAtPassive"),
    VMB_CHANNEL_SET_INTERRUPT_LATENCY(Table.CLIENT, 24, "VmbChannelSetInterruptLatency"),
    VMB_CHANNEL_SET_POINTER(Table.CLIENT, 25, "VmbChannelSetPointer"),
    VMB_CHANNEL_SET_TRANSACTION_QUOTA(Table.CLIENT, 26, "VmbChannelSetTransactionQuota"),
    VMB_CHANNEL_SIZEOF_PACKET(Table.CLIENT, 27, "VmbChannelSizeofPacket"),
    VMB_CHANNEL_START(Table.CLIENT, 28, "VmbChannelStart"),
    VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT(Table.CLIENT, 29, "VmbClientChannelInitSetRingBufferPageCount"),
    VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP(Table.CLIENT, 30, "VmbClientChannelInitSetTargetPnp"),
    VMB_PACKET_ALLOCATE(Table.CLIENT, 31, "VmbPacketAllocate"),
    VMB_PACKET_FREE(Table.CLIENT, 32, "VmbPacketFree"),
    VMB_PACKET_GET_CHANNEL(Table.CLIENT, 33, "VmbPacketGetChannel"),
    VMB_PACKET_GET_POINTER(Table.CLIENT, 34, "VmbPacketGetPointer"),
    VMB_PACKET_INITIALIZE(Table.CLIENT, 35, "VmbPacketInitialize"),
    VMB_PACKET_SEND(Table.CLIENT, 36, "VmbPacketSend"),
    VMB_PACKET_SEND_WITH_EXTERNAL_MDL(Table.CLIENT, 37, "VmbPacketSendWithExternalMdl"),
    VMB_PACKET_SEND_WITH_EXTERNAL_PFNS(Table.CLIENT, 38, "VmbPacketSendWithExternalPfns"),
    VMB_PACKET_SET_COMPLETION_ROUTINE(Table.CLIENT, 39, "VmbPacketSetCompletionRoutine"),
    VMB_PACKET_SET_POINTER(Table.CLIENT, 40, "VmbPacketSetPointer"),
    VMB_CHANNEL_MAP_GPADL(Table.SERVER_ONLY, 0, "VmbChannelMapGpadl"),
    VMB_CHANNEL_RESTORE_FROM_BUFFER(Table.SERVER_ONLY, 1, "VmbChannelRestoreFromBuffer"),
    VMB_CHANNEL_SAVE_BEGIN(Table.SERVER_ONLY, 2, "VmbChannelSaveBegin"),
    VMB_CHANNEL_SAVE_CONTINUE(Table.SERVER_ONLY, 3, "VmbChannelSaveContinue"),
    VMB_CHANNEL_SAVE_END(Table.SERVER_ONLY, 4, "VmbChannelSaveEnd"),
    VMB_CHANNEL_UNMAP_GPADL(Table.SERVER_ONLY, 5, "VmbChannelUnmapGpadl"),
    VMB_CONVERT_VMBUS_HANDLE_TO_KERNEL_HANDLE(Table.SERVER_ONLY, 6, "VmbConvertVmbusHandleToKernelHandle"),
    VMB_PACKET_RESTORE(Table.SERVER_ONLY, 7, "VmbPacketRestore"),
    VMB_SERVER_CHANNEL_INIT_SET_FLAGS(Table.SERVER_ONLY, 8, "VmbServerChannelInitSetFlags"),
    VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES(Table.SERVER_ONLY, 9, "VmbServerChannelInitSetMmioMegabytes"),
    VMB_SERVER_CHANNEL_INIT_SET_SAVE_RESTORE_PACKET_CALLBACKS(Table.SERVER_ONLY, 10, "VmbServerChannelInitSetSaveRestorePacketCallbacks"),
    VMB_SERVER_CHANNEL_INIT_SET_TARGET_INTERFACE_ID(Table.SERVER_ONLY, 11, "VmbServerChannelInitSetTargetInterfaceId"),
    VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL(Table.SERVER_ONLY, 12, "VmbServerChannelInitSetTargetVtl"),
    VMB_SERVER_CHANNEL_INIT_SET_VMBUS_HANDLE(Table.SERVER_ONLY, 13, "VmbServerChannelInitSetVmbusHandle"),
    BRIDGE_OPEN(Table.BRIDGE, 0, "open the bridge (device handle / session)"),
    BRIDGE_QUERY_VERSION(Table.BRIDGE, 1, "query protocol and driver versions"),
    BRIDGE_LIST_ENDPOINTS(Table.BRIDGE, 2, "list endpoints"),
    BRIDGE_RECEIVE(Table.BRIDGE, 3, "receive a batch of events"),
    BRIDGE_QUERY_CHANNEL(Table.BRIDGE, 4, "query channel state and statistics"),
    BRIDGE_GPADL_ACCESS(Table.BRIDGE, 5, "read or write GPADL memory");

    /** Which function table (or the bridge itself) a member belongs to. */
    public enum Table {
        /** {@code KMCL_CLIENT_INTERFACE_V1}: slot = index after the INTERFACE header. */
        CLIENT,
        /** {@code KMCL_SERVER_ONLY_METHODS}: slot = index after the 41 client members. */
        SERVER_ONLY,
        /** Not a KMCL member: an operation of the bridge's own protocol. */
        BRIDGE
    }

    private final Table table;
    private final int slot;
    private final String memberName;

    KmclFunction(Table table, int slot, String memberName) {
        this.table = table;
        this.slot = slot;
        this.memberName = memberName;
    }

    /** The table the member is in. */
    public Table table() {
        return table;
    }

    /** Index within its table (client slot 0..40, server-only 0..13). */
    public int slot() {
        return slot;
    }

    /** Byte offset of the function pointer in {@code KMCL_SERVER_INTERFACE_V1} on 64-bit Windows, or -1 for bridge operations. */
    public int offset64() {
        switch (table) {
            case CLIENT: return 0x20 + 8 * slot;
            case SERVER_ONLY: return 0x168 + 8 * slot;
            default: return -1;
        }
    }

    /** The documented member name, e.g. {@code VmbChannelEnable} (a description for bridge operations). */
    public String memberName() {
        return memberName;
    }

    /** The wire code used by the SPI and the driver protocol: table ordinal * 256 + slot. */
    public int code() {
        return table.ordinal() * 256 + slot;
    }

    /** The member for a wire {@link #code()}, or {@code BRIDGE_OPEN}'s sibling lookup failure as IllegalArgumentException. */
    public static KmclFunction ofCode(int code) {
        for (KmclFunction f : values()) {
            if (f.code() == code) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown KMCL function code " + code);
    }
}
