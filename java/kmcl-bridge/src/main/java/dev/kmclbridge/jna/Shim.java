package dev.kmclbridge.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.nio.Buffer;

/**
 * JNA direct mapping of native/include/kmclshim.h: primitives, primitive arrays and direct buffers only (no
 * Structure), one static native method per shim function. Loading may fail; {@link #loadError()} says why.
 */
final class Shim {
    /** {@code KMCLSHIM_TRANSPORT_LOOPBACK}. */
    static final int TRANSPORT_LOOPBACK = 1;
    /** {@code KMCLSHIM_TRANSPORT_WIN32}. */
    static final int TRANSPORT_WIN32 = 2;

    /** Indices of {@code kmclshim_configure}'s values[] ({@code KMCLSHIM_CFG_*}); presence bits say which apply. */
    static final class ConfigureValues {
        private ConfigureValues() {
        }

        static final int CLIENT_CONTEXT_SIZE = 0;
        static final int CHANNEL_FLAGS = 1;
        static final int EXT_DATA_SIZE = 2;
        static final int EXT_CHAIN_LENGTH = 3;
        static final int MAX_PACKET_SIZE = 4;
        static final int PROCESSING_COMPLETE = 5;
        static final int STATE_CB_VERSION = 6;
        static final int STATE_CB_SIZE = 7;
        static final int INCOMING_AT_PASSIVE = 8;
        static final int TRANSACTION_QUOTA = 9;
        static final int RING_PAGES_IN = 10;
        static final int RING_PAGES_OUT = 11;
        static final int SERVER_FLAGS = 12;
        static final int MMIO_MB = 13;
        static final int MMIO_MB_OPTIONAL = 14;
        static final int TARGET_VTL = 15;
        /** {@code KMCLSHIM_CFG_VALUES}: length of values[]. */
        static final int VALUES = 16;
        /** Bytes of guids[]: target PnP type, target PnP instance, target interface type, target interface instance. */
        static final int GUID_BYTES = 4 * WindowsGuid.BYTES;
    }

    private static final Throwable LOAD_ERROR;

    static {
        Throwable err = null;
        try {
            Native.register(Shim.class, NativeLibrary.getInstance("kmclshim"));
        } catch (Throwable t) {
            err = t;
        }
        LOAD_ERROR = err;
    }

    private Shim() {
    }

    /** Null when the library loaded, otherwise the reason. */
    static Throwable loadError() {
        return LOAD_ERROR;
    }

    static native int kmclshim_transport(int[] outTransport);

    static native int kmclshim_open(long[] outSession);

    static native int kmclshim_open_seeded(long seed, long[] outSession);

    static native int kmclshim_close(long session);

    static native int kmclshim_query_version(long session, int[] outProtocol, int[] outKmclVersion, byte[] driverVersion32);

    static native int kmclshim_list_endpoints(long session, long[] ids, byte[] guids32, byte[] names64, int max,
                                              int[] outCount, int[] outTotal);

    static native int kmclshim_allocate_channel(long session, long endpoint, int server, long[] outChannel);

    static native int kmclshim_configure(long session, long channel, int present, int[] values, byte[] guids64,
                                         byte[] friendlyNameUtf16, int friendlyNameBytes, int[] outFailedFunction);

    static native int kmclshim_enable(long session, long channel);

    static native int kmclshim_disable(long session, long channel);

    static native int kmclshim_pause(long session, long channel);

    static native int kmclshim_start(long session, long channel);

    static native int kmclshim_cleanup(long session, long channel);

    static native int kmclshim_query_channel(long session, long channel, long[] out24);

    static native int kmclshim_set_context(long session, long channel, long value);

    static native int kmclshim_set_transaction_quota(long session, long channel, int quota);

    static native int kmclshim_set_interrupt_latency(long session, long channel, int latency, int[] outOriginal);

    static native int kmclshim_send(long session, long channel, long tag, Buffer payload, int len, Buffer external,
                                    int externalLen, int externalForm, int flags);

    static native int kmclshim_send_sync(long session, long channel, Buffer payload, int len, Buffer external,
                                         int externalLen, int flags, Buffer completion, int[] inoutSize,
                                         int hasTimeout, long timeout100ns);

    static native int kmclshim_receive(long session, long channel, Buffer buf, int capacity, long timeoutMs,
                                       int[] outBytes, int[] outRecords, int[] outNeeded);

    /**
     * {@code kmclshim_receive} with primitives only (one cheap crossing): the records go to {@code bufferAddress}
     * (a direct buffer's address), bytes, records and needed to the three ints at {@code resultAddress}.
     */
    static native int kmclshim_receive_direct(long session, long channel, long bufferAddress, int capacity,
                                              long timeoutMs, long resultAddress);

    static native int kmclshim_complete(long session, long packet, Buffer payload, int len);

    static native int kmclshim_complete_batch(long session, long[] packets, int count, Buffer payloads, int[] offsets,
                                              int[] lengths, int[] outStatuses);

    /** {@code kmclshim_complete_batch} with primitives only: native addresses of the arrays (0 for none). */
    static native int kmclshim_complete_batch_direct(long session, long packetsAddress, int count, long payloadsAddress,
                                                     long offsetsAddress, long lengthsAddress, long statusesAddress);

    static native int kmclshim_fail(long session, long packet);

    static native int kmclshim_defer_to_passive(long session, long packet);

    static native int kmclshim_requeue(long session, long channel, long[] packets, int count);

    static native int kmclshim_create_gpadl(long session, long channel, int size, int flags, int[] outHandle);

    static native int kmclshim_delete_gpadl(long session, long channel, int handle);

    static native int kmclshim_map_gpadl(long session, long channel, int handle, int flags);

    static native int kmclshim_unmap_gpadl(long session, long channel, int handle);

    static native int kmclshim_gpadl_access(long session, long channel, int handle, int mapped, long offset, Buffer data,
                                            int len, int write);

    // ---- peer (loopback build only)

    static native int kmclshim_peer_offer(long session, byte[] type16, byte[] instance16, int mmioMegabytes,
                                          int targetVtl, byte[] nameUtf8Nul, long[] outOffer, long[] outEndpoint);

    static native int kmclshim_peer_rescind(long session, long offer);

    static native int kmclshim_peer_offers(long session, long[] offerIds, long[] endpointIds, byte[] guids32, int max,
                                           int[] outCount);

    static native int kmclshim_peer_open(long session, long channel);

    static native int kmclshim_peer_close(long session, long channel);

    static native int kmclshim_peer_is_open(long session, long channel, int[] outOpen);

    static native int kmclshim_peer_send(long session, long channel, byte[] payload, int len, int completionRequested,
                                         byte[] external, int externalLen, int hasExternal, long[] outTx);

    static native int kmclshim_peer_await_outcome(long session, long channel, long tx, long timeoutMs, int[] outKind,
                                                  Buffer buf, int capacity, int[] outLen);

    static native int kmclshim_peer_received(long session, long channel, Buffer buf, int capacity, int[] outBytes,
                                             int[] outCount);

    static native int kmclshim_peer_await_received(long session, long channel, long timeoutMs, Buffer buf, int capacity,
                                                   int[] outBytes);

    static native int kmclshim_peer_complete(long session, long channel, long tx, byte[] payload, int len);

    static native int kmclshim_peer_send_batch(long session, long channel, byte[] payloads, int[] lengths, int count,
                                               int completionRequested, long[] outTxs, int[] outSent);

    static native int kmclshim_peer_take_received(long session, long channel, int max, long timeoutMs, Buffer buf,
                                                  int capacity, int[] outBytes, int[] outCount);

    static native int kmclshim_peer_complete_batch(long session, long channel, long[] txs, int count, byte[] payload,
                                                   int len, int[] outCompleted);

    static native int kmclshim_peer_set_reading(long session, long channel, int reading);

    static native int kmclshim_peer_ring_status(long session, long channel, int[] out5);

    static native int kmclshim_peer_queue_stopped(long session, long channel, int[] outStopped);

    static native int kmclshim_peer_inject(long session, long channel, int kind, long arg);

    static native int kmclshim_peer_map_gpadl(long session, long channel, int handle, int readOnly, long[] outMapping);

    static native int kmclshim_peer_mapping_read(long session, long mapping, int offset, byte[] buf, int len);

    static native int kmclshim_peer_mapping_write(long session, long mapping, int offset, byte[] buf, int len);

    static native int kmclshim_peer_mapping_close(long session, long mapping);

    static native int kmclshim_peer_create_gpadl(long session, long channel, int size, int readOnly, int[] outHandle);

    static native int kmclshim_peer_read_gpadl(long session, long channel, int handle, int offset, byte[] buf, int len);

    static native int kmclshim_peer_write_gpadl(long session, long channel, int handle, int offset, byte[] buf, int len);

    static native int kmclshim_peer_seed(long session, long[] outSeed);

    static native int kmclshim_loopback_stats(long session, long[] outLiveHandles, long[] outViolations);
}
