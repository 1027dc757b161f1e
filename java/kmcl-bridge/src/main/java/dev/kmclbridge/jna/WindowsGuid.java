package dev.kmclbridge.jna;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** UUID <-> the 16 bytes of a Windows GUID (Data1..Data3 little-endian, Data4 as is), as on the wire. */
final class WindowsGuid {
    /** Bytes in a GUID. */
    static final int BYTES = 16;

    private WindowsGuid() {
    }

    static void write(UUID u, byte[] dst, int offset) {
        long msb = u.getMostSignificantBits();
        ByteBuffer b = ByteBuffer.wrap(dst, offset, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) (msb >>> 32)).putShort((short) (msb >>> 16)).putShort((short) msb);
        b.order(ByteOrder.BIG_ENDIAN).putLong(u.getLeastSignificantBits());
    }

    static byte[] bytes(UUID u) {
        byte[] out = new byte[BYTES];
        write(u, out, 0);
        return out;
    }

    static UUID read(byte[] src, int offset) {
        ByteBuffer b = ByteBuffer.wrap(src, offset, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long d1 = Integer.toUnsignedLong(b.getInt());
        long d2 = Short.toUnsignedLong(b.getShort());
        long d3 = Short.toUnsignedLong(b.getShort());
        long lsb = b.order(ByteOrder.BIG_ENDIAN).getLong();
        return new UUID((d1 << 32) | (d2 << 16) | d3, lsb);
    }
}
