package dev.kmclbridge;

import java.util.Optional;

/** A client (guest/VSC) channel endpoint: binds to a host offer chosen by its target PnP settings. */
public final class ClientChannel extends Channel {
    ClientChannel(Kmcl kmcl, long id, Endpoint endpoint, ChannelConfig config) {
        super(kmcl, id, endpoint, config);
    }

    @Override
    public boolean isServer() {
        return false;
    }

    /** VmbChannelGetMmioSpace: the server-requested MMIO range; empty until Opened. */
    public Optional<MmioSpace> mmioSpace() {
        return status().mmio();
    }
}
