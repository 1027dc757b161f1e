/* kmclbridge.c - DriverEntry and the driver object's end (Windows only; type-checked here by
 * scripts/check-driver, never built or run here). The one translation unit that instantiates the
 * GUIDs and property keys the headers declare with DEFINE_GUID / DEFINE_DEVPROPKEY (the KMCL
 * interface types, DEVPKEY_Device_CompatibleIds / InstanceId): <initguid.h> comes first here and in
 * no other file, or the link fails (none defined) or they are defined twice. */
#include <initguid.h>
#include "kmdf_glue.h"

DRIVER_INITIALIZE DriverEntry;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP KmclbEvtDriverCleanup;

DRIVER_CONTEXT *KmclbDriver;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDRIVER driver;
    /* non-executable pool by default, and ExAllocatePoolZero's choice between ExAllocatePool2
     * (Windows 10 2004 and later) and its down-level path */
    ExInitializeDriverRuntime(DrvRtPoolNxOptIn);
    WDF_DRIVER_CONFIG_INIT(&config, KmclbEvtDeviceAdd);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DRIVER_CONTEXT);
    attributes.EvtCleanupCallback = KmclbEvtDriverCleanup;
    NTSTATUS status = WdfDriverCreate(DriverObject, RegistryPath, &attributes, &config, &driver);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    DRIVER_CONTEXT *d = KmclbGetDriverContext(driver);
    KmclbDriver = d;
    KmclbPlatformInit(&d->Platform);
    status = WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &d->Lock);
    if (NT_SUCCESS(status)) {
        status = kc_core_create(&d->Platform, 1u << 16, "kmclbridge-0.2", &d->Core);
    }
    return status; /* on failure WDF deletes the driver object, and the cleanup below runs */
}

/* Every device and handle is gone by now (the driver object goes last). */
static VOID KmclbEvtDriverCleanup(WDFOBJECT Driver)
{
    DRIVER_CONTEXT *d = KmclbGetDriverContext((WDFDRIVER)Driver);
    if (d->Core != NULL) {
        kc_core_destroy(d->Core);
        d->Core = NULL;
    }
}
