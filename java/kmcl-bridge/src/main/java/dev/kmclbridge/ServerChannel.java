package dev.kmclbridge;

import dev.kmclbridge.spi.Backend;

/** A server (host/VSP) channel endpoint: Enable makes the offer, {@link #start()} is needed once. */
public final class ServerChannel extends Channel {
    ServerChannel(Kmcl kmcl, long id, Endpoint endpoint, ChannelConfig config) {
        super(kmcl, id, endpoint, config);
    }

    @Override
    public boolean isServer() {
        return true;
    }

    /**
     * VmbChannelMapGpadl: maps a GPADL the client created. A writable mapping of a read-only GPADL fails; a
     * GPADL has at most one mapping at a time.
     */
    public GpadlMapping mapGpadl(int gpadlHandle, boolean readOnly) {
        checkOpenHandle();
        Backend b = backend;
        check(KmclFunction.VMB_CHANNEL_MAP_GPADL, b.mapGpadl(id(), gpadlHandle, readOnly ? 1 : 0),
                "GPADL " + gpadlHandle + (readOnly ? " read-only" : " writable")
                        + " (a writable map of a read-only GPADL fails; one mapping at a time)");
        return new GpadlMapping(this, gpadlHandle, readOnly);
    }

    void unmapGpadl(int gpadlHandle) {
        checkOpenHandle();
        check(KmclFunction.VMB_CHANNEL_UNMAP_GPADL, backend.unmapGpadl(id(), gpadlHandle), "GPADL " + gpadlHandle);
    }
}
