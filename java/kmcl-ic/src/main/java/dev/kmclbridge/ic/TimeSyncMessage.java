package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;

/**
 * Time sync body, in one of two layouts chosen by the negotiated message version:
 * <ul>
 *   <li>{@link Layout#V3} (message versions below 4): UINT64 parent (host) time, UINT64 child time, UINT64 round-trip
 *       time, UINT8 flags — 25 bytes (Linux ictimesync_data);</li>
 *   <li>{@link Layout#V4} (4.0 and later): UINT64 parent time, UINT64 VM reference time, UINT8 flags, UINT8 leap
 *       indicator, UINT8 stratum, 5 reserved bytes — 24 bytes (OpenVMM TimesyncMessageV4; Linux declares the
 *       structure with 3 reserved bytes and packs it, so its size is 22: both read the first 19 bytes alike).</li>
 * </ul>
 * Times are 100 ns units since 1601-01-01 UTC. Flags: 1 SYNC (set the clock now), 2 SAMPLE (periodic sample), 0 probe.
 */
public record TimeSyncMessage(Layout layout, long hostTime, long referenceTime, long roundTripTime, int flags,
                              int leapIndicator, int stratum) {
    /** Flag: the host asks the guest to set its clock now (sent after boot or restore). */
    public static final int FLAG_SYNC = 1;
    /** Flag: a periodic sample. */
    public static final int FLAG_SAMPLE = 2;
    /** 100 ns units between 1601-01-01 and 1970-01-01. */
    public static final long EPOCH_DELTA_100NS = 116444736000000000L;

    /** The two body layouts. */
    public enum Layout {
        /** Message versions 1.x to 3.x: parent, child, round-trip time, flags. */
        V3(25),
        /** Message version 4.0 and later: parent time, VM reference time, flags, leap, stratum. */
        V4(24);

        private final int size;

        Layout(int size) {
            this.size = size;
        }

        /** Encoded bytes. */
        public int size() {
            return size;
        }

        /** The layout a negotiated message version uses. */
        public static Layout forVersion(IcVersion messageVersion) {
            return messageVersion.major() >= 4 ? V4 : V3;
        }
    }

    /** Flags, leap indicator and stratum are one byte each. */
    public TimeSyncMessage {
        java.util.Objects.requireNonNull(layout, "layout");
        if (flags < 0 || flags > 0xFF || leapIndicator < 0 || leapIndicator > 0xFF || stratum < 0 || stratum > 0xFF) {
            throw new IllegalArgumentException("flags, leap indicator and stratum are one byte each");
        }
    }

    /** The encoded body. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(layout.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hostTime).putLong(referenceTime);
        if (layout == Layout.V3) {
            out.putLong(roundTripTime).put((byte) flags);
        } else {
            out.put((byte) flags).put((byte) leapIndicator).put((byte) stratum);
        }
        return out.array();
    }

    /** Decodes a body in {@code layout}; fewer bytes than the layout has is a {@link ShortBufferException}. */
    public static TimeSyncMessage decode(Layout layout, byte[] body) {
        int needed = layout == Layout.V3 ? 25 : 19;
        if (body.length < needed) {
            throw new ShortBufferException("time sync message (" + layout + ")", needed, body.length);
        }
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        long host = in.getLong();
        long reference = in.getLong();
        if (layout == Layout.V3) {
            long roundTrip = in.getLong();
            return new TimeSyncMessage(layout, host, reference, roundTrip, Byte.toUnsignedInt(in.get()), 0, 0);
        }
        int flags = Byte.toUnsignedInt(in.get());
        int leap = Byte.toUnsignedInt(in.get());
        int stratum = Byte.toUnsignedInt(in.get());
        return new TimeSyncMessage(layout, host, reference, 0, flags, leap, stratum);
    }

    /** A host time for an instant, in 100 ns units since 1601. */
    public static long toHostTime(Instant t) {
        return EPOCH_DELTA_100NS + Math.addExact(Math.multiplyExact(t.getEpochSecond(), 10_000_000L), t.getNano() / 100);
    }

    /** The host time as an instant. */
    public Instant hostInstant() {
        long since1970 = hostTime - EPOCH_DELTA_100NS;
        return Instant.ofEpochSecond(Math.floorDiv(since1970, 10_000_000L), Math.floorMod(since1970, 10_000_000L) * 100);
    }

    /** How far the host's clock is ahead of {@code guestNow} (negative when behind). */
    public Duration offsetFrom(Instant guestNow) {
        return Duration.between(guestNow, hostInstant());
    }

    /** The flags in words. */
    public String flagNames() {
        if (flags == 0) {
            return "probe";
        }
        StringBuilder b = new StringBuilder();
        if ((flags & FLAG_SYNC) != 0) {
            b.append("sync");
        }
        if ((flags & FLAG_SAMPLE) != 0) {
            b.append(b.isEmpty() ? "" : "+").append("sample");
        }
        int other = flags & ~(FLAG_SYNC | FLAG_SAMPLE);
        if (other != 0) {
            b.append(b.isEmpty() ? "" : "+").append(String.format("0x%02x", other));
        }
        return b.toString();
    }
}
