package dev.kmclbridge.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The body of a NEGOTIATE message: UINT16 framework version count, UINT16 message version count, UINT32 reserved,
 * then the framework versions followed by the message versions. The host offers lists; the guest answers in the
 * same layout with exactly one of each (the versions it picked).
 */
public record IcNegotiation(List<IcVersion> frameworkVersions, List<IcVersion> messageVersions) {
    /** Bytes before the version array. */
    public static final int FIXED_SIZE = 8;

    /** Both lists hold at least one version and at most 0xFFFF. */
    public IcNegotiation {
        frameworkVersions = List.copyOf(frameworkVersions);
        messageVersions = List.copyOf(messageVersions);
        if (frameworkVersions.isEmpty() || messageVersions.isEmpty()) {
            throw new IllegalArgumentException("a negotiation names at least one framework and one message version");
        }
        if (frameworkVersions.size() > 0xFFFF || messageVersions.size() > 0xFFFF) {
            throw new IllegalArgumentException("version counts are UINT16");
        }
    }

    /** Bytes of the encoded body. */
    public int size() {
        return FIXED_SIZE + IcVersion.SIZE * (frameworkVersions.size() + messageVersions.size());
    }

    /** The encoded body. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) frameworkVersions.size()).putShort((short) messageVersions.size()).putInt(0);
        frameworkVersions.forEach(v -> v.encode(out));
        messageVersions.forEach(v -> v.encode(out));
        return out.array();
    }

    /**
     * The body a guest sends when it shares no version with the host: both counts zero and the version slots
     * zeroed, as Linux's vmbus_prep_negotiate_resp answers. Decoding it is a {@link ZeroVersionCountException}.
     */
    public static byte[] encodeNoCommonVersion() {
        return new byte[FIXED_SIZE + 2 * IcVersion.SIZE];
    }

    /**
     * Decodes a body. Fewer than 8 bytes, or fewer than the counts need, is a {@link ShortBufferException};
     * a zero count a {@link ZeroVersionCountException}.
     */
    public static IcNegotiation decode(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < FIXED_SIZE) {
            throw new ShortBufferException("negotiation counts", FIXED_SIZE, in.remaining());
        }
        int frameworkCount = Short.toUnsignedInt(in.getShort());
        int messageCount = Short.toUnsignedInt(in.getShort());
        in.getInt();
        if (frameworkCount == 0 || messageCount == 0) {
            throw new ZeroVersionCountException(frameworkCount, messageCount);
        }
        int needed = IcVersion.SIZE * (frameworkCount + messageCount);
        if (in.remaining() < needed) {
            throw new ShortBufferException("negotiation version list", needed, in.remaining());
        }
        List<IcVersion> framework = new ArrayList<>(frameworkCount);
        for (int i = 0; i < frameworkCount; i++) {
            framework.add(IcVersion.read(in));
        }
        List<IcVersion> message = new ArrayList<>(messageCount);
        for (int i = 0; i < messageCount; i++) {
            message.add(IcVersion.read(in));
        }
        return new IcNegotiation(framework, message);
    }

    /**
     * The guest's pick: the highest framework and the highest message version that both this offer and the
     * guest's lists contain; empty when either has no version in common.
     */
    public Optional<IcNegotiation> choose(List<IcVersion> guestFramework, List<IcVersion> guestMessage) {
        Optional<IcVersion> fw = highestCommon(frameworkVersions, guestFramework);
        Optional<IcVersion> msg = highestCommon(messageVersions, guestMessage);
        if (fw.isEmpty() || msg.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new IcNegotiation(List.of(fw.get()), List.of(msg.get())));
    }

    private static Optional<IcVersion> highestCommon(List<IcVersion> offered, List<IcVersion> supported) {
        return offered.stream().filter(supported::contains).max(Comparator.naturalOrder());
    }

    /** The framework version of an answer (its single framework entry). */
    public IcVersion chosenFramework() {
        return frameworkVersions.get(0);
    }

    /** The message version of an answer (its single message entry). */
    public IcVersion chosenMessage() {
        return messageVersions.get(0);
    }
}
