package dev.kmclbridge.diag.pnp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.platform.win32.Cfgmgr32;
import com.sun.jna.platform.win32.Cfgmgr32Util;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.W32APIOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The VMBus child devices of this Windows machine's PnP tree, read with CfgMgr32 through jna-platform: every live
 * device node is walked from the root, and those whose device instance id has the VMBUS enumerator are read
 * (hardware and compatible ids, description, service, filters, status and problem code). Needs no kmcl-bridge
 * driver and no privilege. Written without Windows: this class was never run; its decisions (which nodes, how
 * ids and values are read) live in {@link DevNodeWalk}, {@link VmbusDeviceId} and {@link RegistryValues}, which are
 * tested on Linux.
 */
public final class WindowsVmbusDeviceSource implements VmbusDeviceSource {
    /** CM_Get_DevNode_Status, which jna-platform does not map. */
    interface DevNodeStatus extends Library {
        int CM_Get_DevNode_Status(IntByReference status, IntByReference problem, int devInst, int flags);
    }

    /** Why the PnP tree cannot be read here; empty on Windows. */
    public static Optional<String> unavailableReason() {
        return Platform.isWindows() ? Optional.empty()
                : Optional.of("the PnP tree is read with CfgMgr32, which only Windows has (this is "
                        + System.getProperty("os.name") + ")");
    }

    @Override
    public String origin() {
        return "the PnP tree (CfgMgr32)";
    }

    @Override
    public List<PnpDeviceRecord> devices() {
        Cfgmgr32 cm = Cfgmgr32.INSTANCE;
        DevNodeStatus status = Native.load("cfgmgr32", DevNodeStatus.class, W32APIOptions.DEFAULT_OPTIONS);
        IntByReference root = new IntByReference();
        int cr = cm.CM_Locate_DevNode(root, null, Cfgmgr32.CM_LOCATE_DEVNODE_NORMAL);
        if (cr != Cfgmgr32.CR_SUCCESS) {
            throw new IllegalStateException("CM_Locate_DevNode(root) failed with CONFIGRET " + cr);
        }
        List<PnpDeviceRecord> out = new ArrayList<>();
        for (int node : DevNodeWalk.nodes(root.getValue(), n -> follow(cm::CM_Get_Child, n), n -> follow(cm::CM_Get_Sibling, n))) {
            deviceId(node).filter(VmbusDeviceId::isVmbusChild).ifPresent(id -> out.add(record(status, node, id)));
        }
        return out;
    }

    /** A devnode link (CM_Get_Child, CM_Get_Sibling) as a function; empty when the call fails (no such node). */
    private interface Link {
        int call(IntByReference out, int node, int flags);
    }

    private static OptionalInt follow(Link link, int node) {
        IntByReference r = new IntByReference();
        return link.call(r, node, 0) == Cfgmgr32.CR_SUCCESS ? OptionalInt.of(r.getValue()) : OptionalInt.empty();
    }

    /** The node's device instance id; empty when it vanished while the tree was walked. */
    private static Optional<String> deviceId(int node) {
        try {
            return Optional.of(Cfgmgr32Util.CM_Get_Device_ID(node));
        } catch (Cfgmgr32Util.Cfgmgr32Exception e) {
            return Optional.empty();
        }
    }

    private static PnpDeviceRecord record(DevNodeStatus cm, int node, String id) {
        IntByReference flags = new IntByReference();
        IntByReference problem = new IntByReference();
        if (cm.CM_Get_DevNode_Status(flags, problem, node, 0) != Cfgmgr32.CR_SUCCESS) {
            flags.setValue(0);
            problem.setValue(0);
        }
        Optional<String> description = RegistryValues.text(property(node, Cfgmgr32.CM_DRP_FRIENDLYNAME))
                .or(() -> RegistryValues.text(property(node, Cfgmgr32.CM_DRP_DEVICEDESC)));
        return new PnpDeviceRecord(id,
                RegistryValues.strings(property(node, Cfgmgr32.CM_DRP_HARDWAREID)),
                RegistryValues.strings(property(node, Cfgmgr32.CM_DRP_COMPATIBLEIDS)),
                description,
                RegistryValues.text(property(node, Cfgmgr32.CM_DRP_SERVICE)),
                RegistryValues.strings(property(node, Cfgmgr32.CM_DRP_UPPERFILTERS)),
                RegistryValues.strings(property(node, Cfgmgr32.CM_DRP_LOWERFILTERS)),
                flags.getValue(), problem.getValue());
    }

    /** A registry property of the node, as jna-platform returns it; null when unset or unreadable. */
    private static Object property(int node, int which) {
        try {
            return Cfgmgr32Util.CM_Get_DevNode_Registry_Property(node, which);
        } catch (Cfgmgr32Util.Cfgmgr32Exception e) {
            return null;
        }
    }
}
