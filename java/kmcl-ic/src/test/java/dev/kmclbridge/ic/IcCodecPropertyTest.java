package dev.kmclbridge.ic;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Encode/decode round trips over generated values, and every malformed-input class with its own exception. */
class IcCodecPropertyTest {
    private static final int RUNS = 500;
    private final Random random = new Random(0x1C0DEC);

    private IcVersion version() {
        return new IcVersion(random.nextInt(0x10000), random.nextInt(0x10000));
    }

    private IcHeader header(int size) {
        IcMessageType[] types = IcMessageType.values();
        return new IcHeader(version(), types[random.nextInt(types.length)], version(), size, random.nextInt(),
                random.nextInt(256), random.nextInt(256));
    }

    private String text(int maxChars) {
        int n = random.nextInt(maxChars + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = random.nextInt(4) == 0 ? 0x1F600 + random.nextInt(50) : 0x20 + random.nextInt(0x3000);
            if (b.length() + Character.charCount(cp) > maxChars) {
                break;
            }
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    @Test
    void messageRoundTripsOverGeneratedHeadersAndBodies() {
        for (int i = 0; i < RUNS; i++) {
            byte[] body = new byte[random.nextInt(300)];
            random.nextBytes(body);
            IcMessage m = new IcMessage(header(body.length), body);
            byte[] wire = m.encode();
            assertEquals(IcMessage.HEADERS_SIZE + body.length, wire.length);
            assertEquals(m, IcMessage.decode(wire));
            byte[] padded = new byte[wire.length + random.nextInt(8)];
            System.arraycopy(wire, 0, padded, 0, wire.length);
            assertEquals(m, IcMessage.decode(padded), "ring padding after the body is ignored");
        }
    }

    @Test
    void negotiationRoundTripsOverGeneratedVersionLists() {
        for (int i = 0; i < RUNS; i++) {
            List<IcVersion> fw = new ArrayList<>();
            List<IcVersion> msg = new ArrayList<>();
            for (int k = 1 + random.nextInt(5); k > 0; k--) {
                fw.add(version());
            }
            for (int k = 1 + random.nextInt(5); k > 0; k--) {
                msg.add(version());
            }
            IcNegotiation n = new IcNegotiation(fw, msg);
            assertEquals(n, IcNegotiation.decode(n.encode()));
        }
    }

    @Test
    void negotiationChoosesTheHighestCommonVersionsOrNone() {
        IcNegotiation offer = new IcNegotiation(List.of(new IcVersion(1, 0), new IcVersion(3, 0)),
                List.of(new IcVersion(1, 0), new IcVersion(3, 0), new IcVersion(4, 0)));
        IcNegotiation pick = offer.choose(IcService.FRAMEWORK_VERSIONS, IcService.TIME_SYNC.messageVersions()).orElseThrow();
        assertEquals(new IcVersion(3, 0), pick.chosenFramework());
        assertEquals(new IcVersion(4, 0), pick.chosenMessage());
        assertTrue(offer.choose(List.of(new IcVersion(2, 0)), IcService.TIME_SYNC.messageVersions()).isEmpty());
    }

    @Test
    void heartbeatShutdownTimeSyncAndKvpRoundTrip() {
        for (int i = 0; i < RUNS; i++) {
            HeartbeatMessage hb = new HeartbeatMessage(random.nextLong(), random.nextInt());
            assertEquals(hb, HeartbeatMessage.decode(hb.encode()));

            ShutdownMessage sd = new ShutdownMessage(random.nextInt(), random.nextInt(), random.nextInt(8), text(200));
            assertEquals(sd, ShutdownMessage.decode(sd.encode()));

            TimeSyncMessage v3 = new TimeSyncMessage(TimeSyncMessage.Layout.V3, random.nextLong(), random.nextLong(),
                    random.nextLong(), random.nextInt(256), 0, 0);
            assertEquals(v3, TimeSyncMessage.decode(TimeSyncMessage.Layout.V3, v3.encode()));
            TimeSyncMessage v4 = new TimeSyncMessage(TimeSyncMessage.Layout.V4, random.nextLong(), random.nextLong(), 0,
                    random.nextInt(256), random.nextInt(256), random.nextInt(256));
            assertEquals(v4, TimeSyncMessage.decode(TimeSyncMessage.Layout.V4, v4.encode()));

            KvpOperation op = KvpOperation.values()[random.nextInt(KvpOperation.values().length)];
            String key = text(100);
            KvpMessage kvp = switch (op) {
                case DELETE -> new KvpMessage(op, random.nextInt(5), 0, key, KvpMessage.TYPE_STRING, "");
                case ENUMERATE -> new KvpMessage(op, random.nextInt(5), random.nextInt(1000), key, KvpMessage.TYPE_STRING, text(300));
                default -> random.nextBoolean()
                        ? new KvpMessage(op, random.nextInt(5), 0, key, KvpMessage.TYPE_STRING, text(300))
                        : new KvpMessage(op, random.nextInt(5), 0, key, KvpMessage.TYPE_U64, Long.toUnsignedString(random.nextLong()));
            };
            assertEquals(kvp, KvpMessage.decode(kvp.encode()));
        }
    }

    @Test
    void hostTimeConvertsToAndFromInstants() {
        for (int i = 0; i < RUNS; i++) {
            java.time.Instant t = java.time.Instant.ofEpochSecond(random.nextInt(Integer.MAX_VALUE), random.nextInt(10_000_000) * 100L);
            TimeSyncMessage m = new TimeSyncMessage(TimeSyncMessage.Layout.V4, TimeSyncMessage.toHostTime(t), 0, 0,
                    TimeSyncMessage.FLAG_SAMPLE, 0, 0);
            assertEquals(t, m.hostInstant());
        }
        assertEquals(TimeSyncMessage.EPOCH_DELTA_100NS, TimeSyncMessage.toHostTime(java.time.Instant.EPOCH));
    }

    /** Every prefix of a valid message shorter than its headers is a short buffer, never an index error. */
    @Test
    void everyTruncationIsAShortBufferOrSizeBeyondPacket() {
        for (int i = 0; i < 50; i++) {
            byte[] body = new byte[1 + random.nextInt(64)];
            random.nextBytes(body);
            byte[] wire = new IcMessage(header(body.length), body).encode();
            for (int cut = 0; cut < wire.length; cut++) {
                byte[] part = java.util.Arrays.copyOf(wire, cut);
                MalformedIcMessageException e = assertThrows(MalformedIcMessageException.class, () -> IcMessage.decode(part));
                if (cut < IcMessage.PIPE_HEADER_SIZE) {
                    assertEquals(ShortBufferException.class, e.getClass(), "cut at " + cut);
                } else {
                    assertEquals(SizeBeyondPacketException.class, e.getClass(), "cut at " + cut + ": the pipe length reaches past");
                }
            }
        }
    }

    @Test
    void shortIcHeaderIsAShortBuffer() {
        byte[] wire = ByteBuffer.allocate(IcMessage.PIPE_HEADER_SIZE + 10).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(IcMessage.PIPE_DATA).putInt(10).array();
        assertThrows(ShortBufferException.class, () -> IcMessage.decode(wire));
    }

    @Test
    void messageSizeBeyondThePacketIsRejected() {
        byte[] wire = new IcMessage(header(4), new byte[4]).encode();
        ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putInt(4, IcHeader.SIZE + 4)
                .putShort(IcMessage.PIPE_HEADER_SIZE + 10, (short) 5000);
        SizeBeyondPacketException e = assertThrows(SizeBeyondPacketException.class, () -> IcMessage.decode(wire));
        assertTrue(e.getMessage().contains("IC message size"), e.getMessage());
    }

    @Test
    void pipeLengthBeyondThePacketIsRejected() {
        byte[] wire = new IcMessage(header(0), new byte[0]).encode();
        ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -1);
        assertThrows(SizeBeyondPacketException.class, () -> IcMessage.decode(wire));
    }

    @Test
    void everyUnknownMessageTypeIsRejected() {
        byte[] wire = new IcMessage(header(0), new byte[0]).encode();
        for (int code = 9; code <= 0xFFFF; code += 1 + random.nextInt(300)) {
            ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putShort(IcMessage.PIPE_HEADER_SIZE + 4, (short) code);
            UnknownMessageTypeException e = assertThrows(UnknownMessageTypeException.class, () -> IcMessage.decode(wire));
            assertTrue(e.getMessage().contains(Integer.toString(code)), e.getMessage());
        }
    }

    @Test
    void zeroVersionCountsAreRejected() {
        assertThrows(ZeroVersionCountException.class, () -> IcNegotiation.decode(IcNegotiation.encodeNoCommonVersion()));
        byte[] oneFrameworkNoMessage = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).array();
        assertThrows(ZeroVersionCountException.class, () -> IcNegotiation.decode(oneFrameworkNoMessage));
        byte[] noFrameworkOneMessage = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort(2, (short) 1).array();
        assertThrows(ZeroVersionCountException.class, () -> IcNegotiation.decode(noFrameworkOneMessage));
    }

    @Test
    void negotiationCountsBeyondTheBodyAreAShortBuffer() {
        for (int i = 0; i < RUNS; i++) {
            int fw = 1 + random.nextInt(0xFFFF);
            int msg = 1 + random.nextInt(0xFFFF);
            byte[] body = ByteBuffer.allocate(8 + random.nextInt(4 * (fw + msg))).order(ByteOrder.LITTLE_ENDIAN)
                    .putShort((short) fw).putShort((short) msg).array();
            assertThrows(ShortBufferException.class, () -> IcNegotiation.decode(body));
        }
        assertThrows(ShortBufferException.class, () -> IcNegotiation.decode(new byte[7]));
    }

    @Test
    void shortBodiesOfEveryMessageAreAShortBuffer() {
        assertThrows(ShortBufferException.class, () -> HeartbeatMessage.decode(new byte[HeartbeatMessage.MINIMUM_SIZE - 1]));
        assertThrows(ShortBufferException.class, () -> ShutdownMessage.decode(new byte[ShutdownMessage.MINIMUM_SIZE - 1]));
        assertThrows(ShortBufferException.class, () -> TimeSyncMessage.decode(TimeSyncMessage.Layout.V3, new byte[24]));
        assertThrows(ShortBufferException.class, () -> TimeSyncMessage.decode(TimeSyncMessage.Layout.V4, new byte[18]));
        for (KvpOperation op : KvpOperation.values()) {
            byte[] full = new KvpMessage(op, 0, 0, "k", KvpMessage.TYPE_STRING, "").encode();
            for (int cut = 0; cut < full.length; cut += 1 + random.nextInt(200)) {
                byte[] part = java.util.Arrays.copyOf(full, cut);
                assertThrows(ShortBufferException.class, () -> KvpMessage.decode(part), op + " cut at " + cut);
            }
        }
    }

    @Test
    void unknownKvpOperationIsRejected() {
        for (int code = 4; code < 256; code++) {
            byte[] body = new KvpMessage(KvpOperation.GET, 0, 0, "k", KvpMessage.TYPE_STRING, "v").encode();
            body[0] = (byte) code;
            assertThrows(UnknownMessageTypeException.class, () -> KvpMessage.decode(body));
        }
    }

    @Test
    void kvpKeyOrValueSizeBeyondItsFieldIsRejected() {
        byte[] set = KvpMessage.of(KvpOperation.SET, 0, "k", "v").encode();
        ByteBuffer.wrap(set).order(ByteOrder.LITTLE_ENDIAN).putInt(KvpMessage.HEADER_SIZE + 4, KvpMessage.KEY_BYTES + 2);
        assertThrows(SizeBeyondPacketException.class, () -> KvpMessage.decode(set));
        byte[] set2 = KvpMessage.of(KvpOperation.SET, 0, "k", "v").encode();
        ByteBuffer.wrap(set2).order(ByteOrder.LITTLE_ENDIAN).putInt(KvpMessage.HEADER_SIZE + 8, -2);
        assertThrows(SizeBeyondPacketException.class, () -> KvpMessage.decode(set2));
        byte[] del = KvpMessage.of(KvpOperation.DELETE, 0, "k", "").encode();
        ByteBuffer.wrap(del).order(ByteOrder.LITTLE_ENDIAN).putInt(KvpMessage.HEADER_SIZE, 100_000);
        assertThrows(SizeBeyondPacketException.class, () -> KvpMessage.decode(del));
    }

    /** Random bytes never escape as anything but a MalformedIcMessageException (no index or buffer errors). */
    @Test
    void randomBytesOnlyEverFailAsMalformed() {
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            if (junk.length >= 8 && random.nextBoolean()) {
                ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putInt(4, junk.length - 8 - random.nextInt(3));
            }
            decodeOrMalformed(() -> IcMessage.decode(junk));
            decodeOrMalformed(() -> IcNegotiation.decode(junk));
            decodeOrMalformed(() -> KvpMessage.decode(junk));
            decodeOrMalformed(() -> HeartbeatMessage.decode(junk));
            decodeOrMalformed(() -> ShutdownMessage.decode(junk));
            decodeOrMalformed(() -> TimeSyncMessage.decode(TimeSyncMessage.Layout.V4, junk));
        }
    }

    private static void decodeOrMalformed(Runnable decode) {
        try {
            decode.run();
        } catch (MalformedIcMessageException expected) {
            // the one allowed failure
        } catch (RuntimeException other) {
            fail("decode threw " + other, other);
        }
    }

    @RepeatedTest(3)
    void responseKeepsTypeVersionsAndTransactionId() {
        IcHeader h = header(8);
        IcHeader r = h.responseWith(16, IcStatus.FAIL);
        assertEquals(h.transactionId(), r.transactionId());
        assertEquals(h.messageType(), r.messageType());
        assertTrue(r.isResponse());
        assertEquals(IcHeader.FLAG_TRANSACTION | IcHeader.FLAG_RESPONSE, r.flags());
        assertArrayEquals(new IcMessage(r, new byte[16]).encode(), IcMessage.decode(new IcMessage(r, new byte[16]).encode()).encode());
    }
}
