package dev.kmclbridge.ic.guest;

import dev.kmclbridge.ic.IcMessage;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.IcStatus;
import dev.kmclbridge.ic.KvpMessage;
import dev.kmclbridge.ic.KvpOperation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Guest KVP: keeps string pairs per pool in memory and serves the host's GET, SET, DELETE and ENUMERATE.
 * A GET or DELETE of a missing key answers {@link IcStatus#FAIL} (our choice); ENUMERATE past the end answers
 * {@link IcStatus#NO_MORE_ITEMS}, which OpenVMM's host reads as the end of the pool.
 */
public final class KvpClient extends IcGuestClient {
    private final Map<Integer, LinkedHashMap<String, String>> pools = new LinkedHashMap<>();

    /** A KVP client with empty pools, not yet attached. */
    public KvpClient() {
        super(IcService.KVP);
    }

    /** Puts a pair into a pool as if the guest had written it. */
    public synchronized void put(int pool, String key, String value) {
        pools.computeIfAbsent(pool, p -> new LinkedHashMap<>()).put(key, value);
    }

    /** The pairs of one pool, in insertion order. */
    public synchronized Map<String, String> pool(int pool) {
        return Map.copyOf(pools.getOrDefault(pool, new LinkedHashMap<>()));
    }

    @Override
    protected synchronized IcReply answer(IcMessage request) {
        KvpMessage m = KvpMessage.decode(request.body());
        LinkedHashMap<String, String> pool = pools.computeIfAbsent(m.pool(), p -> new LinkedHashMap<>());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("operation", m.operation().name());
        d.put("pool", m.poolName());
        return switch (m.operation()) {
            case SET -> {
                pool.put(m.key(), m.value());
                d.put("key", m.key());
                d.put("value", m.value());
                yield reply(request, m, IcStatus.OK, "kvp set " + m.poolName() + "/" + m.key() + " = " + m.value(), d);
            }
            case GET -> {
                String v = pool.get(m.key());
                d.put("key", m.key());
                d.put("value", v == null ? "" : v);
                yield v == null
                        ? reply(request, m, IcStatus.FAIL, "kvp get " + m.poolName() + "/" + m.key() + " -> missing", d)
                        : reply(request, KvpMessage.of(KvpOperation.GET, m.pool(), m.key(), v), IcStatus.OK,
                        "kvp get " + m.poolName() + "/" + m.key() + " -> " + v, d);
            }
            case DELETE -> {
                boolean had = pool.remove(m.key()) != null;
                d.put("key", m.key());
                yield reply(request, m, had ? IcStatus.OK : IcStatus.FAIL, "kvp delete " + m.poolName() + "/" + m.key()
                        + (had ? " -> deleted" : " -> missing"), d);
            }
            case ENUMERATE -> {
                List<Map.Entry<String, String>> entries = new ArrayList<>(pool.entrySet());
                d.put("index", m.index());
                if (m.index() < 0 || m.index() >= entries.size()) {
                    yield reply(request, m, IcStatus.NO_MORE_ITEMS, "kvp enumerate " + m.poolName() + " #" + m.index()
                            + " -> no more items", d);
                }
                Map.Entry<String, String> e = entries.get(m.index());
                d.put("key", e.getKey());
                d.put("value", e.getValue());
                yield reply(request, new KvpMessage(KvpOperation.ENUMERATE, m.pool(), m.index(), e.getKey(),
                        KvpMessage.TYPE_STRING, e.getValue()), IcStatus.OK, "kvp enumerate " + m.poolName() + " #" + m.index()
                        + " -> " + e.getKey() + " = " + e.getValue(), d);
            }
        };
    }

    private static IcReply reply(IcMessage request, KvpMessage body, int status, String summary, Map<String, Object> d) {
        byte[] encoded = body.encode();
        // answer in the request's size, as the references echo the buffer they received
        byte[] out = request.body();
        System.arraycopy(encoded, 0, out, 0, Math.min(encoded.length, out.length));
        return new IcReply(out, status, summary, d);
    }
}
