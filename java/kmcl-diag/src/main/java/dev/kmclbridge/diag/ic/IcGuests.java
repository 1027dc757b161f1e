package dev.kmclbridge.diag.ic;

import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.guest.HeartbeatClient;
import dev.kmclbridge.ic.guest.IcGuestClient;
import dev.kmclbridge.ic.guest.KvpClient;
import dev.kmclbridge.ic.guest.ShutdownClient;
import dev.kmclbridge.ic.guest.TimeSyncClient;

/** The guest client kmcl-diag runs for each IC. */
final class IcGuests {
    /** The pool kmcl-diag's KVP guest publishes its one pair in (1 = the guest pool). */
    static final int GUEST_POOL = 1;
    /** The pair kmcl-diag's KVP guest publishes. */
    static final String GUEST_KEY = "kmcl-diag";
    static final String GUEST_VALUE = "kmcl-bridge guest";

    private IcGuests() {
    }

    /** A fresh client for {@code service}; the shutdown client refuses (MACHINE_LOCKED) when {@code refuse}. */
    static IcGuestClient create(IcService service, boolean refuseShutdown) {
        return switch (service) {
            case HEARTBEAT -> new HeartbeatClient();
            case SHUTDOWN -> {
                ShutdownClient c = new ShutdownClient();
                if (refuseShutdown) {
                    c.setPolicy(r -> dev.kmclbridge.ic.IcStatus.MACHINE_LOCKED);
                }
                yield c;
            }
            case TIME_SYNC -> new TimeSyncClient();
            case KVP -> {
                KvpClient c = new KvpClient();
                c.put(GUEST_POOL, GUEST_KEY, GUEST_VALUE);
                yield c;
            }
        };
    }
}
