package dev.kmclbridge.diag.ic;

import dev.kmclbridge.Endpoint;
import dev.kmclbridge.Kmcl;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.ic.IcService;
import dev.kmclbridge.ic.host.IcHostModel;

import java.util.Optional;
import java.util.UUID;

/** Which endpoint an IC command talks to. */
final class IcEndpoints {
    private IcEndpoints() {
    }

    /**
     * The endpoint named by {@code guid} (type or instance); else, on a backend with a peer, a fresh host-model
     * offer of the IC; else the first endpoint of the IC's class (bad input when there is none).
     */
    static Endpoint resolve(Kmcl kmcl, IcService service, Optional<UUID> guid) {
        if (guid.isPresent()) {
            return ChannelRig.findEndpoint(kmcl.endpoints(), guid.get());
        }
        if (kmcl.peer().isPresent()) {
            return kmcl.endpoint(IcHostModel.offer(kmcl.peer().get(), service).endpointId());
        }
        return kmcl.endpoints().stream().filter(e -> e.interfaceType().equals(service.classGuid())).findFirst()
                .orElseThrow(() -> DiagFailure.badInput("no endpoint of class " + service.classGuid() + " ("
                        + service.word() + "); 'kmcl-diag endpoints' lists what the backend sees"));
    }
}
