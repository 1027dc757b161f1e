package dev.kmclbridge;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Arguments of VmbChannelSendSynchronousRequest. Build with {@link #builder(byte[])}.
 *
 * @param payload            inline request bytes
 * @param flags              send flags
 * @param external           optional external data (MDL form)
 * @param completionCapacity bytes reserved for the peer's reply; KMCL requires a multiple of 8
 * @param timeout            empty = wait forever; {@link Duration#ZERO} = do not queue if the ring is full
 */
public record SyncRequest(ByteBuffer payload, Set<SendFlag> flags, Optional<ExternalData> external,
                          int completionCapacity, Optional<Duration> timeout) {
    public SyncRequest {
        Objects.requireNonNull(payload, "payload");
        flags = Set.copyOf(Objects.requireNonNull(flags, "flags"));
        Objects.requireNonNull(external, "external");
        Objects.requireNonNull(timeout, "timeout");
        if (completionCapacity < 0) {
            throw new IllegalArgumentException("completionCapacity must be >= 0, was " + completionCapacity);
        }
        timeout.ifPresent(t -> {
            if (t.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative: " + t);
            }
        });
        payload = payload.asReadOnlyBuffer();
    }

    /**
     * The timeout as KMCL takes it: relative, so negative, in 100 ns units; 0 when there is none or it is
     * {@link Duration#ZERO}. A non-zero timeout is rounded up to whole 100 ns units, so it never becomes the zero
     * timeout (which means "do not wait"); one longer than KMCL can express becomes the longest it can.
     */
    public long relativeTimeout100ns() {
        return timeout.filter(t -> !t.isZero()).map(SyncRequest::roundedUpTo100ns).map(units -> -units).orElse(0L);
    }

    private static long roundedUpTo100ns(Duration t) {
        try {
            return Math.addExact(Math.multiplyExact(t.getSeconds(), 10_000_000L), (t.getNano() + 99) / 100);
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A builder for a request carrying a copy of {@code payload}; capacity 64, no timeout, no flags. */
    public static Builder builder(byte[] payload) {
        return new Builder(ByteBuffer.wrap(payload.clone()));
    }

    /** Builder for {@link SyncRequest}. */
    public static final class Builder {
        private final ByteBuffer payload;
        private final EnumSet<SendFlag> flags = EnumSet.noneOf(SendFlag.class);
        private Optional<ExternalData> external = Optional.empty();
        private int completionCapacity = 64;
        private Optional<Duration> timeout = Optional.empty();

        private Builder(ByteBuffer payload) {
            this.payload = payload;
        }

        /** Sets WAIT_FOR_COMPLETION. */
        public Builder waitForCompletion() {
            flags.add(SendFlag.WAIT_FOR_COMPLETION);
            return this;
        }

        /** Adds a flag. */
        public Builder flag(SendFlag flag) {
            flags.add(flag);
            return this;
        }

        /** Attaches external data. */
        public Builder external(ExternalData data) {
            this.external = Optional.of(data);
            return this;
        }

        /** Bytes reserved for the reply (KMCL requires a multiple of 8). */
        public Builder completionCapacity(int bytes) {
            this.completionCapacity = bytes;
            return this;
        }

        /** Relative timeout; {@link Duration#ZERO} means "only if it fits in the ring now". */
        public Builder timeout(Duration timeout) {
            this.timeout = Optional.of(timeout);
            return this;
        }

        /** The request. */
        public SyncRequest build() {
            return new SyncRequest(payload, flags, external, completionCapacity, timeout);
        }
    }
}
