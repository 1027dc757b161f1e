package dev.kmclbridge;

/** Turns a failed Init* call into a sentence saying what was wrong with the setting. */
final class ConfigProblem {
    private ConfigProblem() {
    }

    static String describe(KmclFunction fn, int status, ChannelConfig c) {
        NtStatus s = NtStatus.of(status);
        if (s == NtStatus.INVALID_PARAMETER_1) {
            return "the channel handle is invalid or the channel is no longer configurable (Init* calls are only "
                    + "accepted before the first enable)";
        }
        if (s == NtStatus.INVALID_DEVICE_REQUEST) {
            return "this setting does not apply to this endpoint type (client-only or server-only member)";
        }
        switch (fn) {
            case VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE:
                return "maximum packet size " + c.maximumPacketSize().orElse(-1) + " (must be > 0)";
            case VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA:
                return c.maximumExternalData().map(e -> "data size " + e.dataSize() + ", chain length "
                        + e.chainLength() + " (both must be > 0)").orElse("");
            case VMB_CHANNEL_INIT_SET_FLAGS:
                return String.format("flags 0x%X contain bits outside VMBUS_CHANNEL_INIT_FLAGS (0x1)", c.channelFlags().orElse(0));
            case VMB_SERVER_CHANNEL_INIT_SET_FLAGS:
                return String.format("flags 0x%X contain bits outside VMBUS_SERVER_CHANNEL_INIT_FLAGS (0x1F)", c.serverFlags().orElse(0));
            case VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS:
                return c.stateCallbacksHeader().map(h -> "callback struct Version " + h.version() + ", Size " + h.size()
                        + " (expected Version 1, Size 48)").orElse("");
            case VMB_SERVER_CHANNEL_INIT_SET_MMIO_MEGABYTES:
                return c.mmioMegabytes().map(m -> "MMIO " + m.megabytes() + " MB + " + m.megabytesOptional()
                        + " MB optional (not both may be 0)").orElse("");
            case VMB_SERVER_CHANNEL_INIT_SET_TARGET_VTL:
                return "target VTL " + c.targetVtl().orElse(-1) + " is not a valid VTL";
            case VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT:
                return c.ringBufferPages().map(r -> "ring pages incoming " + r.incoming() + ", outgoing " + r.outgoing())
                        .orElse("");
            default:
                return "";
        }
    }
}
