package dev.kmclbridge.fake;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * One direction of a VMBus channel: a data area of {@code pages * 4096} bytes (the control page is not part of
 * it) with a write and a read index. Packets are written whole with their 8-byte trailer; the ring is never filled
 * completely: a packet fits only when its on-ring size is smaller than the free bytes, and a packet whose on-ring
 * size is at least {@code size - 8} never fits. Not thread safe: the owning channel's lock guards it.
 *
 * <p>VMBus framing only knows 8-byte units, so the exact inline length (KMCL-level metadata) travels beside the
 * ring in a FIFO that is consumed with the packet.
 */
public final class VmbusRing {
    private final byte[] data;
    private final int size;
    private int writeIndex;
    private int readIndex;
    private int used;
    private int packets;
    private long totalWritten;
    /** Exact inline payload lengths of the packets in the ring, oldest first. */
    private final LongFifo lengths = new LongFifo();
    /** Reused buffer a packet is copied into before it is decoded. */
    private byte[] scratch = new byte[256];

    /** A ring whose data area has {@code pages} 4 KiB pages. */
    public VmbusRing(int pages) {
        if (pages < 1) {
            throw new IllegalArgumentException("a ring needs at least one page, got " + pages);
        }
        this.size = Math.multiplyExact(pages, PacketFraming.PAGE_SIZE);
        this.data = new byte[size];
    }

    /** Data area size in bytes. */
    public int size() {
        return size;
    }

    /** Bytes written and not yet read. */
    public int used() {
        return used;
    }

    /** {@code size - used}: a packet fits when its on-ring size is strictly smaller. */
    public int free() {
        return size - used;
    }

    /** Packets in the ring. */
    public int packets() {
        return packets;
    }

    /** True when nothing is waiting to be read. */
    public boolean isEmpty() {
        return used == 0;
    }

    /** Write index (byte offset into the data area, 8-byte aligned). */
    public int writeIndex() {
        return writeIndex;
    }

    /** Read index (byte offset into the data area, 8-byte aligned). */
    public int readIndex() {
        return readIndex;
    }

    /** Total bytes ever written (to observe wrap-around). */
    public long totalWritten() {
        return totalWritten;
    }

    /** True when a packet of {@code onRingSize} bytes could fit into an empty ring of {@code ringSize} bytes. */
    public static boolean everFits(long onRingSize, int ringSize) {
        return onRingSize < ringSize - 8L;
    }

    /** True when a packet of {@code onRingSize} bytes fits now. */
    public boolean fits(long onRingSize) {
        return everFits(onRingSize, size) && onRingSize < free();
    }

    /**
     * Writes an encoded packet (without trailer) and its trailer. Returns false and writes nothing when it does not
     * fit. {@code payloadLength} is the exact inline length.
     */
    public boolean write(byte[] encoded, int payloadLength) {
        if ((encoded.length & 7) != 0) {
            throw new IllegalArgumentException("encoded packet length " + encoded.length + " is not 8-byte aligned");
        }
        long onRing = (long) encoded.length + PacketFraming.TRAILER_SIZE;
        if (!fits(onRing)) {
            return false;
        }
        int start = writeIndex;
        copyIn(encoded, 0, encoded.length);
        writeTrailer((long) start << 32);
        used += (int) onRing;
        packets++;
        totalWritten += onRing;
        lengths.add(payloadLength);
        return true;
    }

    /**
     * Writes an in-band packet (type 6, or the 0xB completion type) straight from its payload: the same bytes as
     * {@code write(PacketFraming.encode(...))} without building the encoded packet first. Returns false and writes
     * nothing when it does not fit.
     */
    public boolean writeInband(int type, int flags, long txId, byte[] payload) {
        int padded = (int) PacketFraming.roundUp8(payload.length);
        int total = PacketFraming.DESCRIPTOR_SIZE + padded;
        long onRing = (long) total + PacketFraming.TRAILER_SIZE;
        if (!fits(onRing)) {
            return false;
        }
        int start = writeIndex;
        putLittleEndian(type | (long) (PacketFraming.DESCRIPTOR_SIZE / 8) << 16 | (long) (total / 8) << 32
                | (long) flags << 48, 8);
        putLittleEndian(txId, 8);
        copyIn(payload, 0, payload.length);
        for (int i = payload.length; i < padded; i++) {
            data[writeIndex] = 0;
            writeIndex = (writeIndex + 1) % size;
        }
        writeTrailer((long) start << 32);
        used += (int) onRing;
        packets++;
        totalWritten += onRing;
        lengths.add(payload.length);
        return true;
    }

    private void putLittleEndian(long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            data[writeIndex] = (byte) (value >>> (8 * i));
            writeIndex = (writeIndex + 1) % size;
        }
    }

    /** The 8-byte little-endian trailer (the packet's start offset in the high half), written in place. */
    private void writeTrailer(long value) {
        putLittleEndian(value, 8);
    }

    private void copyIn(byte[] src, int off, int len) {
        int first = Math.min(len, size - writeIndex);
        System.arraycopy(src, off, data, writeIndex, first);
        System.arraycopy(src, off + first, data, 0, len - first);
        writeIndex = (writeIndex + len) % size;
    }

    private int u16(int at) {
        return (data[at % size] & 0xFF) | (data[(at + 1) % size] & 0xFF) << 8;
    }

    /** On-ring size of the next packet as its descriptor claims (0 when empty). */
    public int peekOnRingSize() {
        if (used == 0) {
            return 0;
        }
        return u16(readIndex + 4) * 8 + PacketFraming.TRAILER_SIZE;
    }

    /**
     * Reads the next packet (null when empty). A hardened reader: a packet whose descriptor is invalid comes back
     * with {@link PacketFraming.Frame#rejected()} set. When its length is still usable the reader skips it;
     * otherwise the rest of the ring is discarded (it can no longer be parsed).
     */
    public PacketFraming.Frame read() {
        if (used == 0) {
            return null;
        }
        if ((readIndex & 7) != 0 || readIndex >= size) {
            throw new IllegalStateException("ring read index corrupt: " + readIndex);
        }
        int lengthUnits = u16(readIndex + 4);
        long onRing = (long) lengthUnits * 8 + PacketFraming.TRAILER_SIZE;
        int payloadLength = lengths.isEmpty() ? -1 : (int) lengths.peek();
        if (lengthUnits < 2 || onRing > used) {
            PacketFraming.Frame bad = new PacketFraming.Frame(u16(readIndex), 0, 0, new byte[0], new long[0], 0,
                    "unusable packet length " + lengthUnits * 8 + " with " + used + " bytes in the ring");
            discardAll();
            return bad;
        }
        int length = lengthUnits * 8;
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        int first = Math.min(length, size - readIndex);
        System.arraycopy(data, readIndex, scratch, 0, first);
        System.arraycopy(data, 0, scratch, first, length - first);
        readIndex = (int) ((readIndex + onRing) % size);
        used -= (int) onRing;
        packets--;
        lengths.poll();
        return PacketFraming.decode(scratch, length, payloadLength);
    }

    /** Drops everything in the ring (teardown, or after an unparseable packet). */
    public void discardAll() {
        readIndex = writeIndex;
        used = 0;
        packets = 0;
        lengths.clear();
    }
}
