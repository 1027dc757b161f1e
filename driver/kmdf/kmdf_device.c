/* kmdf_device.c - the devices kmclbridge is the function driver of (Windows only; type-checked here
 * by scripts/check-driver, never built or run here). The INF binds it to chosen VMBus device types
 * (compatible id VMBUS\{type}). Each bound device is one endpoint of the core that admits one channel
 * at a time (a VMBus offer admits one open); its channels are allocated with this FDO as parent and
 * aimed at this device's own offer (kmcl_ops_kmdf.c: VmbClientChannelInitSetTargetPnp with the type
 * from the compatible id and the instance from the instance id, parsed by kc_device_ids.c).
 *
 * Removal: the device's channels are torn down in EvtDeviceSelfManagedIoCleanup (every removal,
 * orderly or surprise, passes through it before the remove IRP goes down to the bus driver), and
 * already at surprise removal, with no lock of the glue held while KMCL disables them. */
#include "kmdf_glue.h"

static EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP KmclbEvtSelfManagedIoCleanup;
static EVT_WDF_DEVICE_SURPRISE_REMOVAL KmclbEvtSurpriseRemoval;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP KmclbEvtBoundDeviceCleanup;

/* a string property of the device (REG_SZ or REG_MULTI_SZ) parsed by parse */
typedef kc_status (*ID_PARSER)(const uint16_t *text, uint32_t chars, BOUND_DEVICE_CONTEXT *bound);

static kc_status ParseCompatibleIds(const uint16_t *text, uint32_t chars, BOUND_DEVICE_CONTEXT *bound)
{
    return kc_vmbus_type_from_compatible_ids(text, chars, &bound->Type);
}

static kc_status ParseInstanceId(const uint16_t *text, uint32_t chars, BOUND_DEVICE_CONTEXT *bound)
{
    return kc_vmbus_instance_from_instance_id(text, chars, &bound->Type, &bound->Instance);
}

static NTSTATUS ReadIdProperty(BOUND_DEVICE_CONTEXT *bound, const DEVPROPKEY *key, ID_PARSER parse)
{
    WDF_DEVICE_PROPERTY_DATA property;
    WDFMEMORY memory;
    DEVPROPTYPE type;
    size_t size;
    WDF_DEVICE_PROPERTY_DATA_INIT(&property, key);
    NTSTATUS status = WdfDeviceAllocAndQueryPropertyEx(bound->Device, &property, NonPagedPoolNx,
                                                       WDF_NO_OBJECT_ATTRIBUTES, &memory, &type);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    const uint16_t *text = (const uint16_t *)WdfMemoryGetBuffer(memory, &size);
    if (type == DEVPROP_TYPE_STRING || type == DEVPROP_TYPE_STRING_LIST) {
        status = parse(text, (uint32_t)(size / sizeof(WCHAR)), bound);
    } else {
        status = STATUS_INVALID_PARAMETER;
    }
    WdfObjectDelete(memory);
    return status;
}

/* Binds the device: the control device exists while any device is bound (the first creates it, a
 * failure leaves the collection as it was), then the endpoint. */
static NTSTATUS Bind(DRIVER_CONTEXT *d, BOUND_DEVICE_CONTEXT *bound)
{
    WdfWaitLockAcquire(d->Lock, NULL);
    if (kc_bound_devices_count(&d->Bound) == 0) {
        d->Kmcl = bound->Interface; /* no channel exists, so no callback reads it (kmdf_glue.h) */
    }
    NTSTATUS status = kc_bound_devices_attach(&d->Bound, &bound->Binding, KmclbCreateControlDevice, d);
    if (NT_SUCCESS(status)) {
        status = kc_endpoint_add(d->Core, &KmclbKmdfOps, bound, &bound->Type, &bound->Instance, "vmbus device",
                                 &bound->Endpoint);
        if (NT_SUCCESS(status)) {
            status = kc_endpoint_set_single_channel(d->Core, bound->Endpoint, 1);
        }
        if (!NT_SUCCESS(status)) {
            if (bound->Endpoint != 0) {
                (void)kc_endpoint_remove(d->Core, bound->Endpoint);
                bound->Endpoint = 0;
            }
            kc_bound_devices_detach(&d->Bound, &bound->Binding, KmclbDeleteControlDevice, d);
        }
    }
    WdfWaitLockRelease(d->Lock);
    return status;
}

NTSTATUS KmclbEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    DRIVER_CONTEXT *d = KmclbGetDriverContext(Driver);
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDEVICE device;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDeviceSelfManagedIoCleanup = KmclbEvtSelfManagedIoCleanup;
    pnp.EvtDeviceSurpriseRemoval = KmclbEvtSurpriseRemoval;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnp);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, BOUND_DEVICE_CONTEXT);
    attributes.EvtCleanupCallback = KmclbEvtBoundDeviceCleanup;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    BOUND_DEVICE_CONTEXT *bound = KmclbGetBoundDeviceContext(device);
    bound->Device = device;
    /* this device's own offer: VMBUS\{type} and VMBUS\{type}\{instance} */
    status = ReadIdProperty(bound, &DEVPKEY_Device_CompatibleIds, ParseCompatibleIds);
    if (NT_SUCCESS(status)) {
        status = ReadIdProperty(bound, &DEVPKEY_Device_InstanceId, ParseInstanceId);
    }
    if (NT_SUCCESS(status)) {
        /* KMCL's client table from the VMBus bus driver below us (B1) */
        status = WdfFdoQueryForInterface(device, &KMCL_CLIENT_INTERFACE_TYPE, (PINTERFACE)&bound->Interface,
                                         sizeof(KMCL_CLIENT_INTERFACE_V1), KMCL_CLIENT_INTERFACE_VERSION_V1, NULL);
        bound->Referenced = NT_SUCCESS(status);
    }
    if (NT_SUCCESS(status)) {
        status = Bind(d, bound);
    }
    return status; /* a failure: WDF deletes the device, and its cleanup drops what was taken */
}

/* Channels of the device go first: disabled and cleaned up at KMCL while the bus driver still has
 * the offer, parked receives end, ids go stale. Idempotent (surprise removal, then cleanup). No lock
 * of the glue is held: KMCL's Disable may wait for the host. */
static void TearDownEndpoint(BOUND_DEVICE_CONTEXT *bound)
{
    uint64_t endpoint = bound->Endpoint;
    bound->Endpoint = 0; /* PnP callbacks of one device do not run concurrently */
    if (endpoint != 0) {
        (void)kc_endpoint_teardown(KmclbDriver->Core, endpoint);
    }
}

static VOID KmclbEvtSurpriseRemoval(WDFDEVICE Device)
{
    TearDownEndpoint(KmclbGetBoundDeviceContext(Device));
}

static VOID KmclbEvtSelfManagedIoCleanup(WDFDEVICE Device)
{
    DRIVER_CONTEXT *d = KmclbDriver;
    BOUND_DEVICE_CONTEXT *bound = KmclbGetBoundDeviceContext(Device);
    TearDownEndpoint(bound);
    WdfWaitLockAcquire(d->Lock, NULL);
    kc_bound_devices_detach(&d->Bound, &bound->Binding, KmclbDeleteControlDevice, d); /* the last one
                                                                                       takes the control device */
    WdfWaitLockRelease(d->Lock);
}

/* The device object goes: nothing of the core uses its table any more (torn down above, or never
 * bound); drop the reference the query gave us (B4). */
static VOID KmclbEvtBoundDeviceCleanup(WDFOBJECT Device)
{
    DRIVER_CONTEXT *d = KmclbDriver;
    BOUND_DEVICE_CONTEXT *bound = KmclbGetBoundDeviceContext((WDFDEVICE)Device);
    TearDownEndpoint(bound); /* a device whose add failed after binding: normally already done */
    WdfWaitLockAcquire(d->Lock, NULL);
    kc_bound_devices_detach(&d->Bound, &bound->Binding, KmclbDeleteControlDevice, d);
    WdfWaitLockRelease(d->Lock);
    if (bound->Referenced) {
        bound->Interface.InterfaceDereference(bound->Interface.Context);
        bound->Referenced = FALSE;
    }
}
