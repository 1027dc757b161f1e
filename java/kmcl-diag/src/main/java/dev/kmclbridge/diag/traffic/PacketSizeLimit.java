package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.fake.FakeDefaults;

/**
 * The largest inline payload a channel kmcl-diag opens takes, known before the channel opens so oversized payloads
 * (send, --generate-hex, bench --size, replayed packets) are refused up front instead of being dropped by the
 * receiving side or failing in KMCL: --max-packet-size when given; else the backend's default, which is
 * {@link FakeDefaults#MAXIMUM_PACKET_SIZE} on fake and on loopback (the C fake uses the same, driver/fakekmcl); on
 * native KMCL's own default is not documented, so only {@link #LARGEST_PACKET} applies.
 *
 * @param bytes       the limit
 * @param origin      where it comes from, for messages
 */
public record PacketSizeLimit(int bytes, String origin) {
    /** No payload kmcl-diag sends or reads is larger: more than any channel ring here carries (16 MiB). */
    public static final int LARGEST_PACKET = 16 * 1024 * 1024;

    /** The limit for a channel opened with these options on backend {@code backendName}. */
    public static PacketSizeLimit of(OptionValues v, String backendName) {
        if (v.has(ChannelOptions.MAX_PACKET)) {
            return new PacketSizeLimit(v.intValue(ChannelOptions.MAX_PACKET, 0, 1, Integer.MAX_VALUE),
                    "--" + ChannelOptions.MAX_PACKET);
        }
        if (backendName.equals("fake") || backendName.equals("loopback")) {
            return new PacketSizeLimit(FakeDefaults.MAXIMUM_PACKET_SIZE,
                    "the " + backendName + " backend's default; raise it with --" + ChannelOptions.MAX_PACKET);
        }
        return new PacketSizeLimit(LARGEST_PACKET, "kmcl-diag's limit without --" + ChannelOptions.MAX_PACKET);
    }

    /** "the largest packet the channel takes (N bytes: ORIGIN)". */
    public String description() {
        return "the largest packet the channel takes (" + bytes + " bytes: " + origin + ")";
    }

    /** Bad input "WHAT has N bytes, more than the largest packet ..." when {@code length} is over the limit. */
    public void check(String what, long length) {
        if (length > bytes) {
            throw DiagFailure.badInput(what + " has " + length + " bytes, more than " + description());
        }
    }
}
