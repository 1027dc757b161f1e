package dev.kmclbridge.ic;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The integration components this module speaks: the well-known VMBus class GUID every Hyper-V host offers, the
 * message type of their requests, and the message versions our guest side accepts (newest first).
 */
public enum IcService {
    /** Heartbeat: the host asks, the guest answers with the sequence number plus one. */
    HEARTBEAT("heartbeat", "57164f39-9115-4e78-ab55-382f3bd5422d", IcMessageType.HEARTBEAT,
            List.of(new IcVersion(3, 0), new IcVersion(1, 0))),
    /** Shutdown: the host asks the guest to shut down, restart or hibernate; the guest accepts or refuses. */
    SHUTDOWN("shutdown", "0e0b6031-5213-4934-818b-38d90ced39db", IcMessageType.SHUTDOWN,
            List.of(new IcVersion(3, 2), new IcVersion(3, 1), new IcVersion(3, 0), new IcVersion(1, 0))),
    /** Time sync: the host sends its time (samples, and a sync after boot or restore). */
    TIME_SYNC("timesync", "9527e630-d0ae-497b-adce-e80ab0175caf", IcMessageType.TIME_SYNC,
            List.of(new IcVersion(4, 0), new IcVersion(3, 0), new IcVersion(1, 0))),
    /** Key-value pair exchange: the host gets, sets, deletes and enumerates pairs in the guest's pools. */
    KVP("kvp", "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", IcMessageType.KVP_EXCHANGE,
            List.of(new IcVersion(5, 0), new IcVersion(4, 0), new IcVersion(3, 0)));

    /** Framework versions both sides of every IC know (1.0 from Windows Server 2008, 3.0 later). */
    public static final List<IcVersion> FRAMEWORK_VERSIONS = List.of(new IcVersion(3, 0), new IcVersion(1, 0));

    private final String word;
    private final UUID classGuid;
    private final IcMessageType messageType;
    private final List<IcVersion> messageVersions;

    IcService(String word, String classGuid, IcMessageType messageType, List<IcVersion> messageVersions) {
        this.word = word;
        this.classGuid = UUID.fromString(classGuid);
        this.messageType = messageType;
        this.messageVersions = messageVersions;
    }

    /** The command-line word: heartbeat, shutdown, timesync, kvp. */
    public String word() {
        return word;
    }

    /** The VMBus interface (class) GUID the host offers this IC with. */
    public UUID classGuid() {
        return classGuid;
    }

    /** The IC message type of this service's requests. */
    public IcMessageType messageType() {
        return messageType;
    }

    /** The message versions our guest side accepts, newest first. */
    public List<IcVersion> messageVersions() {
        return messageVersions;
    }

    /** The service named by a word (heartbeat, shutdown, timesync, kvp; case ignored) or by its class GUID. */
    public static Optional<IcService> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (IcService s : values()) {
            if (s.word.equals(t) || s.classGuid.toString().equals(t)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
