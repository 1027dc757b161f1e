package dev.kmclbridge.diag.pnp;

import java.util.List;

/** Where the list of VMBus child devices comes from: the PnP tree of this Windows machine or a recorded sample. */
public interface VmbusDeviceSource {
    /** The device nodes whose enumerator is VMBUS, in the source's order. */
    List<PnpDeviceRecord> devices();

    /** Where the devices come from, in words ("PnP tree (CfgMgr32)", "recorded sample F"). */
    String origin();
}
