package dev.kmclbridge.fake;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * VMBus packet framing on a ring (see docs/fake-choices.md, "Ring framing"): a 16-byte descriptor, a type-specific
 * header (GPA-direct ranges for external data), the payload padded to 8 bytes, and an 8-byte trailer that the ring
 * writes. This class computes sizes and encodes/decodes the bytes before the trailer; {@link VmbusRing} places them.
 *
 * <pre>
 * descriptor: u16 type, u16 data offset (8-byte units), u16 length (8-byte units, trailer excluded), u16 flags,
 *             u64 transaction id
 * GPA direct: u32 reserved, u32 range count, then per range u32 byte count, u32 byte offset, u64 PFN per page
 * </pre>
 */
public final class PacketFraming {
    private static final byte[] NO_BYTES = new byte[0];
    private static final long[] NO_PAGES = new long[0];

    private PacketFraming() {
    }

    /** Page size of rings and of guest memory. */
    public static final int PAGE_SIZE = 4096;
    /** Size of the packet descriptor. */
    public static final int DESCRIPTOR_SIZE = 16;
    /** Size of the trailer after every packet (start offset in the upper 32 bits). */
    public static final int TRAILER_SIZE = 8;
    /** GPA-direct header before the ranges: u32 reserved, u32 range count. */
    public static final int RANGE_HEADER_SIZE = 8;
    /** Per-range header: u32 byte count, u32 byte offset. */
    public static final int RANGE_SIZE = 8;
    /** One page frame number. */
    public static final int PFN_SIZE = 8;

    /** In-band data packet. */
    public static final int TYPE_INBAND = 6;
    /** Data with transfer pages (recognized by the reader, never written by the fake). */
    public static final int TYPE_TRANSFER_PAGES = 7;
    /** Data with GPA-direct ranges (external data). */
    public static final int TYPE_GPA_DIRECT = 9;
    /** Completion packet (recognized by the reader, never written by the fake; see docs). */
    public static final int TYPE_COMPLETION = 0xB;
    /** Descriptor flag: completion requested. The only valid flag bit on a ring. */
    public static final int FLAG_COMPLETION_REQUESTED = 0x1;

    /** {@code v} rounded up to a multiple of 8 (v >= 0). */
    public static long roundUp8(long v) {
        return (v + 7) & ~7L;
    }

    /** On-ring size of an in-band packet with {@code payload} bytes: 16 + roundup8(payload) + 8. */
    public static long inBandSize(long payload) {
        return DESCRIPTOR_SIZE + roundUp8(payload) + TRAILER_SIZE;
    }

    /** Pages a byte range of {@code length} bytes starting {@code offset} bytes into its first page touches. */
    public static long pagesSpanned(long offset, long length) {
        if (length == 0) {
            return 0;
        }
        long first = offset / PAGE_SIZE;
        long last = (offset + length - 1) / PAGE_SIZE;
        return last - first + 1;
    }

    /** Bytes from packet start to the payload of a GPA-direct packet: descriptor, range header, ranges, PFNs. */
    public static long gpaDirectHeaderSize(int ranges, long pfns) {
        return DESCRIPTOR_SIZE + RANGE_HEADER_SIZE + (long) RANGE_SIZE * ranges + PFN_SIZE * pfns;
    }

    /** On-ring size of a GPA-direct packet with one range of {@code externalBytes} at page offset 0. */
    public static long gpaDirectSize(long payload, long externalBytes) {
        return gpaDirectHeaderSize(1, pagesSpanned(0, externalBytes)) + roundUp8(payload) + TRAILER_SIZE;
    }

    /** On-ring size of a packet carrying {@code payload} inline bytes and {@code externalBytes} (0 = in-band). */
    public static long onRingSize(long payload, long externalBytes) {
        return externalBytes > 0 ? gpaDirectSize(payload, externalBytes) : inBandSize(payload);
    }

    /**
     * Encodes a packet without its trailer. {@code pfns} is null for an in-band packet; otherwise one range of
     * {@code rangeBytes} bytes at offset 0 over those pages (type 9).
     */
    public static byte[] encode(int flags, long txId, byte[] payload, long[] pfns, int rangeBytes) {
        return encode(pfns == null ? TYPE_INBAND : TYPE_GPA_DIRECT, flags, txId, payload, pfns, rangeBytes);
    }

    /** A completion packet (type 0xB) carrying the transaction id it completes. */
    public static byte[] encodeCompletion(long txId, byte[] payload) {
        return encode(TYPE_COMPLETION, 0, txId, payload, null, 0);
    }

    private static byte[] encode(int type, int flags, long txId, byte[] payload, long[] pfns, int rangeBytes) {
        int header = pfns == null ? DESCRIPTOR_SIZE : (int) gpaDirectHeaderSize(1, pfns.length);
        int total = header + (int) roundUp8(payload.length);
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) type);
        b.putShort((short) (header / 8));
        b.putShort((short) (total / 8));
        b.putShort((short) flags);
        b.putLong(txId);
        if (pfns != null) {
            b.putInt(0).putInt(1).putInt(rangeBytes).putInt(0);
            for (long pfn : pfns) {
                b.putLong(pfn);
            }
        }
        b.put(payload);
        return b.array();
    }

    /** Overwrites the type field of an encoded packet (fault injection: a type the reader does not know). */
    static void corruptType(byte[] encoded, int type) {
        encoded[0] = (byte) type;
        encoded[1] = (byte) (type >>> 8);
    }

    /** Why a reader rejected a packet, or null when it is well formed. */
    static String validate(int type, int dataOffsetUnits, int lengthUnits, int flags, int available) {
        if (dataOffsetUnits < 2) {
            return "data offset below the descriptor (" + dataOffsetUnits + " units)";
        }
        if (lengthUnits < dataOffsetUnits) {
            return "length " + lengthUnits + " below data offset " + dataOffsetUnits;
        }
        if ((long) lengthUnits * 8 + TRAILER_SIZE > available) {
            return "length " + lengthUnits * 8 + " exceeds the " + available + " bytes available";
        }
        if (type != TYPE_INBAND && type != TYPE_TRANSFER_PAGES && type != TYPE_GPA_DIRECT && type != TYPE_COMPLETION) {
            return "unknown packet type " + type;
        }
        if ((flags & ~FLAG_COMPLETION_REQUESTED) != 0) {
            return "invalid descriptor flags 0x" + Integer.toHexString(flags);
        }
        return null;
    }

    /**
     * A packet read back from a ring.
     *
     * @param type       ring packet type
     * @param flags      descriptor flags
     * @param txId       transaction id
     * @param payload    inline bytes (padding removed only when {@code payloadLength} is known to the caller)
     * @param pfns       GPA-direct page frame numbers (empty for in-band)
     * @param rangeBytes bytes described by the GPA-direct range (0 for in-band)
     * @param rejected   null when valid, otherwise why the reader rejected it
     */
    public record Frame(int type, int flags, long txId, byte[] payload, long[] pfns, int rangeBytes, String rejected) {
    }

    /** Decodes the bytes of one packet (trailer excluded); {@code payloadLength} trims the 8-byte padding. */
    static Frame decode(byte[] packet, int payloadLength) {
        return decode(packet, packet.length, payloadLength);
    }

    /** {@link #decode(byte[], int)} of the first {@code length} bytes of {@code packet}. */
    static Frame decode(byte[] packet, int length, int payloadLength) {
        ByteBuffer b = ByteBuffer.wrap(packet, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(b.getShort(0));
        int offsetUnits = Short.toUnsignedInt(b.getShort(2));
        int lengthUnits = Short.toUnsignedInt(b.getShort(4));
        int flags = Short.toUnsignedInt(b.getShort(6));
        long txId = b.getLong(8);
        String bad = validate(type, offsetUnits, lengthUnits, flags, length + TRAILER_SIZE);
        if (bad != null) {
            return new Frame(type, flags, txId, NO_BYTES, NO_PAGES, 0, bad);
        }
        long[] pfns = NO_PAGES;
        int rangeBytes = 0;
        if (type == TYPE_GPA_DIRECT) {
            int ranges = b.getInt(DESCRIPTOR_SIZE + 4);
            if (ranges < 1) {
                return new Frame(type, flags, txId, NO_BYTES, pfns, 0, "GPA-direct packet with no range");
            }
            rangeBytes = b.getInt(DESCRIPTOR_SIZE + RANGE_HEADER_SIZE);
            int pageOffset = b.getInt(DESCRIPTOR_SIZE + RANGE_HEADER_SIZE + 4);
            int count = (int) pagesSpanned(pageOffset, Integer.toUnsignedLong(rangeBytes));
            if (gpaDirectHeaderSize(1, count) > offsetUnits * 8L) {
                return new Frame(type, flags, txId, NO_BYTES, pfns, 0, "GPA-direct range overruns the header");
            }
            pfns = new long[count];
            for (int i = 0; i < count; i++) {
                pfns[i] = b.getLong(DESCRIPTOR_SIZE + RANGE_HEADER_SIZE + RANGE_SIZE + i * PFN_SIZE);
            }
        }
        int payloadStart = offsetUnits * 8;
        int room = lengthUnits * 8 - payloadStart;
        int len = payloadLength < 0 ? room : payloadLength;
        if (len > room) {
            return new Frame(type, flags, txId, NO_BYTES, pfns, rangeBytes, "payload length beyond the packet");
        }
        byte[] payload = len == 0 ? NO_BYTES : new byte[len];
        b.get(payloadStart, payload);
        return new Frame(type, flags, txId, payload, pfns, rangeBytes, null);
    }
}
