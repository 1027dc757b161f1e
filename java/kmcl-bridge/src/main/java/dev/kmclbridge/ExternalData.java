package dev.kmclbridge;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Data sent by reference rather than through the ring (VmbPacketSendWithExternalMdl / ...Pfns). The bridge
 * copies the bytes into memory it owns and describes that memory in the chosen form.
 *
 * @param bytes the data (its remaining bytes are used; copied at send time)
 * @param form  MDL or PFN array
 */
public record ExternalData(ByteBuffer bytes, Form form) {
    /** How KMCL is told about the memory. */
    public enum Form {
        /** VmbPacketSendWithExternalMdl. */
        MDL,
        /** VmbPacketSendWithExternalPfns. */
        PFNS
    }

    public ExternalData {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(form, "form");
        bytes = bytes.asReadOnlyBuffer();
    }

    /** External data described by an MDL. */
    public static ExternalData mdl(byte[] data) {
        return new ExternalData(ByteBuffer.wrap(data.clone()), Form.MDL);
    }

    /** External data described by a PFN list. */
    public static ExternalData pfns(byte[] data) {
        return new ExternalData(ByteBuffer.wrap(data.clone()), Form.PFNS);
    }
}
