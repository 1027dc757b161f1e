package dev.kmclbridge.spi;

import dev.kmclbridge.peer.Peer;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The backend SPI: what the typed layer needs from a KMCL implementation. Objects are named by 64-bit ids
 * (channel and packet ids; GPADLs by their UINT32 handle within a channel), data moves in buffers, and the hot
 * paths are batch calls so that a native backend needs one native crossing per batch: {@link #receive} returns
 * many events at once and {@link #completeBatch} completes many packets at once.
 *
 * <p>Every method that can fail returns a raw NTSTATUS ({@code int}); outputs go into caller arrays. Methods
 * never throw for KMCL-level failures; {@link IllegalArgumentException} is reserved for null/short arrays.
 * Blocking methods ({@link #disable}, {@link #pause}, {@link #deleteGpadl}, {@link #sendSynchronous}) block the
 * caller the way KMCL does. Implementations must be thread safe.
 */
public interface Backend extends AutoCloseable {
    /** Name and versions. */
    BackendDescription info();

    /** The VMBus devices this backend can reach now. */
    List<EndpointRecord> endpoints();

    /**
     * Why this backend cannot allocate server channels at all, or empty when it can. The typed layer refuses
     * {@code createServerChannel} with this reason before any call reaches the backend.
     */
    default Optional<String> serverChannelsUnavailable() {
        return Optional.empty();
    }

    /** VmbChannelAllocate on the endpoint's device; writes the channel id to {@code outChannel[0]}. */
    int allocateChannel(long endpointId, boolean server, long[] outChannel);

    /**
     * Applies every setting present in {@code settings} in KMCL slot order (client Init* members, the
     * incoming-at-passive and quota setters, then server-only Init* members), stopping at the first failure.
     * On failure {@code outFailedFunction[0]} receives the function code (table * 256 + slot, as
     * {@code KMCLB_FUNC_CLIENT}/{@code KMCLB_FUNC_SERVER}) of the call that failed.
     */
    int configure(long channel, ChannelSettings settings, int[] outFailedFunction);

    /** VmbChannelEnable. */
    int enable(long channel);

    /** VmbChannelDisable; blocks until teardown finished (incoming packets completed). */
    int disable(long channel);

    /** VmbChannelPause; blocks until every delivered incoming packet is completed. */
    int pause(long channel);

    /** VmbChannelStart. */
    int start(long channel);

    /** VmbChannelCleanup; the channel must be disabled. Ends any parked {@link #receive} with STATUS_CANCELLED. */
    int cleanup(long channel);

    /** Fills {@code out} (length {@link WireFormat.Query#SLOTS}) with state and counters. */
    int queryChannel(long channel, long[] out);

    /** VmbChannelSetPointer with an opaque value (read back through {@link WireFormat.Query#CONTEXT}). */
    int setContext(long channel, long value);

    /** VmbChannelSetTransactionQuota (VOID in KMCL: the status only reports a bad id). */
    int setTransactionQuota(long channel, int quota);

    /** VmbChannelSetInterruptLatency; the previous latency goes to {@code outOriginal[0]}. */
    int setInterruptLatency(long channel, int latency100ns, int[] outOriginal);

    /**
     * VmbPacketSend (external == null), VmbPacketSendWithExternalMdl ({@code externalForm}
     * {@link WireFormat.ExternalForm#MDL}) or VmbPacketSendWithExternalPfns ({@link WireFormat.ExternalForm#PFNS}).
     * Copies {@code payload}/{@code external} before returning. The transaction's end is reported later as a
     * {@link WireFormat.Event#KIND_SEND_COMPLETE} event with id {@code tag}.
     */
    int send(long channel, long tag, ByteBuffer payload, ByteBuffer external, int externalForm, int flags);

    /**
     * VmbChannelSendSynchronousRequest. {@code inOutCompletionSize[0]} is the capacity on input (must be a
     * multiple of 8) and the bytes written on success. {@code timeout100ns} follows KeWaitForSingleObject
     * (negative relative, 0 = do not wait/queue) and is ignored when {@code hasTimeout} is false (wait forever).
     */
    int sendSynchronous(long channel, ByteBuffer payload, ByteBuffer external, int flags, ByteBuffer completionOut,
                        int[] inOutCompletionSize, boolean hasTimeout, long timeout100ns);

    /**
     * Waits up to {@code timeoutMillis} for events of one channel and appends as many as fit to {@code batch}
     * (which the caller cleared). Returns STATUS_SUCCESS with at least one record, STATUS_TIMEOUT with none,
     * STATUS_CANCELLED for a receive parked when the channel is cleaned up (later calls get the stale-id status
     * like any call on a dead id), or STATUS_BUFFER_TOO_SMALL with the needed size in
     * {@code outNeeded[0]} when the next record does not fit in an empty batch.
     */
    int receive(long channel, EventBatch batch, long timeoutMillis, int[] outNeeded);

    /**
     * Gives back packets that {@link #receive} returned but the typed layer never handed to a handler (because
     * a fail() or close interrupted the batch): they go back to the head of the channel's incoming queue, in
     * order, and count as never delivered.
     */
    int requeue(long channel, long[] packetIds, int count);

    /** VmbChannelPacketComplete for one packet with the given completion payload (may be empty). */
    int complete(long packetId, ByteBuffer completionPayload);

    /**
     * VmbChannelPacketComplete for {@code count} packets in one call; packet i's completion payload is bytes
     * {@code offsets[i]..offsets[i]+lengths[i]} of {@code payloads}. Each packet's status goes to
     * {@code outStatuses[i]}; the return value is the first failure or STATUS_SUCCESS.
     */
    int completeBatch(long[] packetIds, int count, ByteBuffer payloads, int[] offsets, int[] lengths, int[] outStatuses);

    /** VmbChannelPacketFail: retires the packet without a completion and stops the incoming queue. */
    int fail(long packetId);

    /** VmbChannelPacketDeferToPassive: the packet is delivered again at PASSIVE_LEVEL. */
    int deferToPassive(long packetId);

    /** VmbChannelCreateGpadlFromBuffer over a zeroed buffer of {@code size} bytes the backend owns. */
    int createGpadl(long channel, int size, int flags, int[] outHandle);

    /** VmbChannelDeleteGpadl; blocks while the server has it mapped. */
    int deleteGpadl(long channel, int gpadlHandle);

    /** VmbChannelMapGpadl (server channels). */
    int mapGpadl(long channel, int gpadlHandle, int flags);

    /** VmbChannelUnmapGpadl (server channels). */
    int unmapGpadl(long channel, int gpadlHandle);

    /**
     * Copies between a GPADL's memory and {@code data}: the creator's buffer, or the server's mapping when
     * {@code mapped}. {@code write} copies data's remaining bytes in; otherwise fills data's remaining bytes.
     */
    int gpadlAccess(long channel, int gpadlHandle, boolean mapped, long offset, ByteBuffer data, boolean write);

    /** The scriptable opposite endpoint, for backends that have one (fake, loopback). */
    Optional<Peer> peer();

    /** Cleans up every channel this backend opened and releases native resources. */
    @Override
    void close();
}
