package dev.kmclbridge;

import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.spi.Backend;
import dev.kmclbridge.spi.BackendDescription;
import dev.kmclbridge.spi.BackendProvider;
import dev.kmclbridge.spi.EndpointRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Entry point: opens a backend by name and creates channels on its endpoints.
 *
 * <pre>{@code
 * try (Kmcl kmcl = Kmcl.open("fake")) {
 *     Endpoint heartbeat = kmcl.endpoints().get(0);
 *     try (ClientChannel ch = kmcl.createClientChannel(heartbeat, ChannelConfig.defaults())) {
 *         ch.enable();
 *     }
 * }
 * }</pre>
 */
public final class Kmcl implements AutoCloseable {
    /** System property naming the backend {@link #openDefault()} uses. */
    public static final String BACKEND_PROPERTY = "kmcl.backend";

    private final Backend backend;
    private final CopyOnWriteArrayList<Channel> channels = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private Kmcl(Backend backend) {
        this.backend = backend;
    }

    /** Wraps a backend instance built by the caller (custom SPI implementations, test doubles). */
    public static Kmcl of(Backend backend) {
        return new Kmcl(Objects.requireNonNull(backend, "backend"));
    }

    /** Opens the backend called {@code name} with default options. */
    public static Kmcl open(String name) {
        return open(name, Map.of());
    }

    /**
     * Opens the backend called {@code name}. A backend that is unknown or unavailable here is an error
     * (never a silent fallback to another backend).
     */
    public static Kmcl open(String name, Map<String, String> options) {
        Objects.requireNonNull(name, "name");
        Map<String, BackendProvider> providers = providers();
        BackendProvider p = providers.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; known backends: " + providers.keySet());
        }
        Optional<String> why = p.unavailableReason();
        if (why.isPresent()) {
            throw new IllegalStateException("backend '" + name + "' is not available here: " + why.get());
        }
        return new Kmcl(p.open(options));
    }

    /**
     * Opens the backend named by the system property {@value #BACKEND_PROPERTY}, else {@code native} when its
     * driver is present, else {@code fake}.
     */
    public static Kmcl openDefault() {
        return open(defaultBackendName());
    }

    /** The name {@link #openDefault()} would use. */
    public static String defaultBackendName() {
        String prop = System.getProperty(BACKEND_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return prop.trim();
        }
        BackendProvider nat = providers().get("native");
        return nat != null && nat.unavailableReason().isEmpty() ? "native" : "fake";
    }

    /** Every backend found on the class path, mapped to why it is unavailable (empty = available). */
    public static Map<String, Optional<String>> backends() {
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        providers().forEach((n, p) -> out.put(n, p.unavailableReason()));
        return out;
    }

    private static Map<String, BackendProvider> providers() {
        Map<String, BackendProvider> out = new LinkedHashMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            out.putIfAbsent(p.name(), p);
        }
        return out;
    }

    /** The backend's name and versions. */
    public BackendInfo info() {
        BackendDescription d = backend.info();
        return new BackendInfo(d.name(), d.description(), d.protocolVersion(), d.driverVersion(), d.kmclInterfaceVersion());
    }

    /** The VMBus devices reachable now. */
    public List<Endpoint> endpoints() {
        List<Endpoint> out = new ArrayList<>();
        for (EndpointRecord r : backend.endpoints()) {
            out.add(new Endpoint(r.id(), r.interfaceType(), r.interfaceInstance(), r.name()));
        }
        return out;
    }

    /** The first endpoint of the given class GUID. */
    public Endpoint endpoint(UUID interfaceType) {
        return endpoints().stream().filter(e -> e.interfaceType().equals(interfaceType)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no endpoint of type " + interfaceType));
    }

    /** The endpoint with the given id. */
    public Endpoint endpoint(long endpointId) {
        return endpoints().stream().filter(e -> e.id() == endpointId).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no endpoint with id " + endpointId));
    }

    /** VmbChannelAllocate(IsServer = FALSE) on {@code endpoint}, then the config's Init* calls. */
    public ClientChannel createClientChannel(Endpoint endpoint, ChannelConfig config) {
        long id = allocate(endpoint, false);
        return register(new ClientChannel(this, id, endpoint, config), config);
    }

    /**
     * VmbChannelAllocate(IsServer = TRUE) on {@code endpoint}, then the config's Init* calls. A backend without
     * server channels (native) fails at once with STATUS_NOT_SUPPORTED and its reason.
     */
    public ServerChannel createServerChannel(Endpoint endpoint, ChannelConfig config) {
        refuseServerChannelsIfUnavailable();
        long id = allocate(endpoint, true);
        return register(new ServerChannel(this, id, endpoint, config), config);
    }

    /**
     * VmbChannelAllocate(IsServer = TRUE) with the bridge's own device as parent, then the config's Init* calls: a
     * server channel offers what its config names ({@code targetInterface}), so no endpoint has to be chosen. The
     * parent is the first endpoint listed (every endpoint is a device the bridge runs on); none at all is
     * STATUS_NO_SUCH_DEVICE.
     */
    public ServerChannel createServerChannel(ChannelConfig config) {
        refuseServerChannelsIfUnavailable();
        List<Endpoint> devices = endpoints();
        if (devices.isEmpty()) {
            throw new KmclException(KmclFunction.VMB_CHANNEL_ALLOCATE, NtStatus.NO_SUCH_DEVICE.value(),
                    "server channel: the backend lists no device to allocate it on");
        }
        return createServerChannel(devices.get(0), config);
    }

    private void refuseServerChannelsIfUnavailable() {
        checkOpen();
        Optional<String> reason = backend.serverChannelsUnavailable();
        if (reason.isPresent()) {
            throw new KmclException(KmclFunction.VMB_CHANNEL_ALLOCATE, NtStatus.NOT_SUPPORTED.value(), reason.get());
        }
    }

    private long allocate(Endpoint endpoint, boolean server) {
        checkOpen();
        Objects.requireNonNull(endpoint, "endpoint");
        long[] out = new long[1];
        Channel.check(KmclFunction.VMB_CHANNEL_ALLOCATE, backend.allocateChannel(endpoint.id(), server, out),
                (server ? "server" : "client") + " channel on endpoint " + endpoint.id() + " (" + endpoint.name() + ")");
        return out[0];
    }

    private <C extends Channel> C register(C channel, ChannelConfig config) {
        try {
            channel.configure(config);
        } catch (RuntimeException e) {
            backend.cleanup(channel.id());
            throw e;
        }
        channels.add(channel);
        channel.startDispatcher();
        return channel;
    }

    void forget(Channel channel) {
        channels.remove(channel);
    }

    /** Channels created and not yet closed. */
    public List<Channel> channels() {
        return List.copyOf(channels);
    }

    /** The scriptable opposite endpoint (fake and loopback backends only). */
    public Optional<Peer> peer() {
        return backend.peer();
    }

    /** The backend SPI, for tests that check id-level behavior (stale ids, batches). */
    public Backend backend() {
        return backend;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Kmcl instance is closed");
        }
    }

    /** Closes every channel (disable + cleanup), then the backend. */
    @Override
    public void close() {
        closeAll(Channel::close);
    }

    /**
     * Like {@link #close()}, with each channel closed by {@link Channel#close(Duration)}: packets user code still
     * holds {@code timeout} into a channel's close are failed, and that channel's {@link PacketsHeldException}
     * names them. Everything is closed before the first exception is thrown (the others are suppressed in it).
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        closeAll(c -> c.close(timeout));
    }

    private void closeAll(Consumer<Channel> closeChannel) {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> errors = new ArrayList<>();
        for (Channel c : channels) {
            try {
                closeChannel.accept(c);
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        backend.close();
        if (!errors.isEmpty()) {
            RuntimeException first = errors.get(0);
            errors.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }
}
