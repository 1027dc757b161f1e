package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * KVP exchange body: a 4-byte header (UINT8 operation, UINT8 pool, UINT16 pad) and the operation's structure.
 * <ul>
 *   <li>GET / SET: a value record — UINT32 value type (1 string, 4 UINT32, 8 UINT64), UINT32 key size, UINT32 value
 *       size, 512-byte key, 2048-byte value (2572 bytes);</li>
 *   <li>ENUMERATE: UINT32 index, then a value record (2576 bytes);</li>
 *   <li>DELETE: UINT32 key size, 512-byte key (516 bytes).</li>
 * </ul>
 * Keys and string values are UTF-16LE; sizes count bytes including the two-byte NUL. UINT32/UINT64 values are
 * shown as decimal text.
 */
public record KvpMessage(KvpOperation operation, int pool, int index, String key, int valueType, String value) {
    /** Bytes of the KVP header. */
    public static final int HEADER_SIZE = 4;
    /** Bytes of the key field. */
    public static final int KEY_BYTES = 512;
    /** Bytes of the value field. */
    public static final int VALUE_BYTES = 2048;
    /** Bytes of a value record. */
    public static final int VALUE_RECORD_SIZE = 12 + KEY_BYTES + VALUE_BYTES;
    /** Value type: UTF-16 string. */
    public static final int TYPE_STRING = 1;
    /** Value type: UINT32. */
    public static final int TYPE_U32 = 4;
    /** Value type: UINT64. */
    public static final int TYPE_U64 = 8;
    /** The pool names by number (Linux enum hv_kvp_exchg_pool). */
    public static final java.util.List<String> POOLS = java.util.List.of("external", "guest", "auto", "auto-external",
            "auto-internal");

    /** The pool is one byte, the key and string value fit their fields. */
    public KvpMessage {
        java.util.Objects.requireNonNull(operation, "operation");
        java.util.Objects.requireNonNull(key, "key");
        java.util.Objects.requireNonNull(value, "value");
        if (pool < 0 || pool > 0xFF) {
            throw new IllegalArgumentException("pool is one byte, got " + pool);
        }
        if (Utf16Field.withNul(key).length > KEY_BYTES || (valueType == TYPE_STRING && Utf16Field.withNul(value).length > VALUE_BYTES)) {
            throw new IllegalArgumentException("key or value too long for its field");
        }
        if (key.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("keys and values cannot hold NUL characters");
        }
    }

    /** A request of {@code operation} on {@code key} in {@code pool} with a string value. */
    public static KvpMessage of(KvpOperation operation, int pool, String key, String value) {
        return new KvpMessage(operation, pool, 0, key, TYPE_STRING, value);
    }

    /** An ENUMERATE request for {@code index}. */
    public static KvpMessage enumerate(int pool, int index) {
        return new KvpMessage(KvpOperation.ENUMERATE, pool, index, "", TYPE_STRING, "");
    }

    /** The pool's name, or its number. */
    public String poolName() {
        return pool < POOLS.size() ? POOLS.get(pool) : Integer.toString(pool);
    }

    /** The encoded body. */
    public byte[] encode() {
        int size = HEADER_SIZE + switch (operation) {
            case GET, SET -> VALUE_RECORD_SIZE;
            case ENUMERATE -> 4 + VALUE_RECORD_SIZE;
            case DELETE -> 4 + KEY_BYTES;
        };
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) operation.code()).put((byte) pool).putShort((short) 0);
        byte[] k = Utf16Field.withNul(key);
        if (operation == KvpOperation.DELETE) {
            out.putInt(k.length).put(k);
            return out.array();
        }
        if (operation == KvpOperation.ENUMERATE) {
            out.putInt(index);
        }
        byte[] v = valueBytes();
        out.putInt(valueType).putInt(key.isEmpty() ? 0 : k.length).putInt(v.length);
        int keyAt = out.position();
        out.put(k, 0, key.isEmpty() ? 0 : k.length);
        out.position(keyAt + KEY_BYTES);
        out.put(v);
        return out.array();
    }

    private byte[] valueBytes() {
        if (value.isEmpty() && valueType == TYPE_STRING) {
            return new byte[0];
        }
        return switch (valueType) {
            case TYPE_U32 -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.parseUnsignedInt(value)).array();
            case TYPE_U64 -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.parseUnsignedLong(value)).array();
            default -> Utf16Field.withNul(value);
        };
    }

    /**
     * Decodes a body. A body shorter than its operation's structure is a {@link ShortBufferException}; an unknown
     * operation an {@link UnknownMessageTypeException}; a key or value size beyond its field a
     * {@link SizeBeyondPacketException}.
     */
    public static KvpMessage decode(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_SIZE) {
            throw new ShortBufferException("KVP header", HEADER_SIZE, in.remaining());
        }
        KvpOperation op = KvpOperation.of(Byte.toUnsignedInt(in.get()));
        int pool = Byte.toUnsignedInt(in.get());
        in.getShort();
        if (op == KvpOperation.DELETE) {
            need(in, 4 + KEY_BYTES, "KVP delete");
            long keySize = Integer.toUnsignedLong(in.getInt());
            if (keySize > KEY_BYTES) {
                throw new SizeBeyondPacketException("KVP key size", keySize, KEY_BYTES);
            }
            return new KvpMessage(op, pool, 0, Utf16Field.read(in, (int) keySize), TYPE_STRING, "");
        }
        int index = 0;
        if (op == KvpOperation.ENUMERATE) {
            need(in, 4 + VALUE_RECORD_SIZE, "KVP enumerate");
            index = in.getInt();
        } else {
            need(in, VALUE_RECORD_SIZE, "KVP " + op.name().toLowerCase(java.util.Locale.ROOT));
        }
        int type = in.getInt();
        long keySize = Integer.toUnsignedLong(in.getInt());
        long valueSize = Integer.toUnsignedLong(in.getInt());
        if (keySize > KEY_BYTES) {
            throw new SizeBeyondPacketException("KVP key size", keySize, KEY_BYTES);
        }
        if (valueSize > VALUE_BYTES) {
            throw new SizeBeyondPacketException("KVP value size", valueSize, VALUE_BYTES);
        }
        int keyAt = in.position();
        String key = Utf16Field.read(in, (int) keySize);
        in.position(keyAt + KEY_BYTES);
        String value = switch (type) {
            case TYPE_U32 -> valueSize >= 4 ? Integer.toUnsignedString(in.getInt()) : "0";
            case TYPE_U64 -> valueSize >= 8 ? Long.toUnsignedString(in.getLong()) : "0";
            default -> Utf16Field.read(in, (int) valueSize);
        };
        return new KvpMessage(op, pool, index, key, type == TYPE_U32 || type == TYPE_U64 ? type : TYPE_STRING, value);
    }

    private static void need(ByteBuffer in, int bytes, String what) {
        if (in.remaining() < bytes) {
            throw new ShortBufferException(what, bytes, in.remaining());
        }
    }
}
