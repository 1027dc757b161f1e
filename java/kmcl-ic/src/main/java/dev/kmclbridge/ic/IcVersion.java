package dev.kmclbridge.ic;

import java.nio.ByteBuffer;

/** An IC framework or message version: two little-endian UINT16, major first. */
public record IcVersion(int major, int minor) implements Comparable<IcVersion> {
    /** Bytes on the wire. */
    public static final int SIZE = 4;

    /** Both parts must fit a UINT16. */
    public IcVersion {
        if (major < 0 || major > 0xFFFF || minor < 0 || minor > 0xFFFF) {
            throw new IllegalArgumentException("version parts are UINT16, got " + major + "." + minor);
        }
    }

    /** Writes the version at the buffer's position (the buffer must be little-endian). */
    public void encode(ByteBuffer out) {
        out.putShort((short) major).putShort((short) minor);
    }

    /** Reads a version at the buffer's position; the caller checked that 4 bytes remain. */
    static IcVersion read(ByteBuffer in) {
        return new IcVersion(Short.toUnsignedInt(in.getShort()), Short.toUnsignedInt(in.getShort()));
    }

    @Override
    public int compareTo(IcVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
