/* kmclbridge.c - KMDF glue (Windows only; NOT BUILT OR RUN HERE). Translates WDF objects into
 * driver/core calls: upper filter on VMBus children (one endpoint each), one control device
 * \\.\KmclBridge (SYSTEM + Administrators only) created with the first filter and deleted with
 * the last, default queue -> kc_dispatch, file cleanup ->
 * kc_session_shutdown/free. Parked receives (the inverted call) are kept in the core's own list
 * and made cancelable with WdfRequestMarkCancelableEx rather than parked in a manual queue: the
 * Ex variant never runs the cancel routine synchronously, which keeps the core's lock ordering
 * simple. Every decision lives in driver/core. */
#include "kmdf_glue.h"

DRIVER_INITIALIZE DriverEntry;
static EVT_WDF_DRIVER_DEVICE_ADD EvtDeviceAdd;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP EvtFilterCleanup;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP EvtDriverCleanup;
static EVT_WDF_DEVICE_FILE_CREATE EvtFileCreate;
static EVT_WDF_FILE_CLEANUP EvtFileCleanup;
static EVT_WDF_FILE_CLOSE EvtFileClose;
static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL EvtIoDeviceControl;
static EVT_WDF_REQUEST_CANCEL EvtParkedCancel;

DECLARE_CONST_UNICODE_STRING(g_DeviceName, L"\\Device\\KmclBridge");
DECLARE_CONST_UNICODE_STRING(g_LinkName, L"\\DosDevices\\KmclBridge");
DECLARE_CONST_UNICODE_STRING(g_Sddl, L"D:P(A;;GA;;;SY)(A;;GA;;;BA)");

DRIVER_CONTEXT *KmclbDriverContext(void)
{
    return KmclbGetDriverContext(WdfGetDriver());
}

/* ---------------------------------------------------------------- platform layer for the core */
typedef struct PLAT_LOCK {
    KSPIN_LOCK Lock;
    KIRQL Old;
} PLAT_LOCK;

static void *PAlloc(void *c, size_t n)
{
    UNREFERENCED_PARAMETER(c);
    return ExAllocatePool2(POOL_FLAG_NON_PAGED, n ? n : 1, KMCLB_TAG); /* zeroed */
}

static void PFree(void *c, void *p)
{
    UNREFERENCED_PARAMETER(c);
    ExFreePoolWithTag(p, KMCLB_TAG);
}

/* Host-visible memory (kc_platform.h): a pool block of PAGE_SIZE or more starts at a page boundary
 * and owns its pages; asking for whole pages keeps the end of the last one zeroed and ours. */
C_ASSERT(PAGE_SIZE == KC_HOST_PAGE_SIZE);
static void *PAllocHostVisible(void *c, size_t n)
{
    return PAlloc(c, ROUND_TO_PAGES(n ? n : 1));
}

static void PFreeHostVisible(void *c, void *p, size_t n)
{
    UNREFERENCED_PARAMETER(n);
    PFree(c, p);
}

static kc_status PLockCreate(void *c, void **out)
{
    PLAT_LOCK *l = (PLAT_LOCK *)PAlloc(c, sizeof(PLAT_LOCK));
    if (l == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeSpinLock(&l->Lock);
    *out = l;
    return STATUS_SUCCESS;
}

static void PLockDestroy(void *c, void *l) { PFree(c, l); }

static void PAcquire(void *c, void *p)
{
    PLAT_LOCK *l = (PLAT_LOCK *)p;
    KIRQL old;
    UNREFERENCED_PARAMETER(c);
    KeAcquireSpinLock(&l->Lock, &old);
    l->Old = old;
}

static void PRelease(void *c, void *p)
{
    PLAT_LOCK *l = (PLAT_LOCK *)p;
    UNREFERENCED_PARAMETER(c);
    KeReleaseSpinLock(&l->Lock, l->Old);
}

static void PSleep(void *c, uint32_t ms)
{
    LARGE_INTEGER t;
    UNREFERENCED_PARAMETER(c);
    t.QuadPart = -10000LL * (LONGLONG)ms;
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

/* park: the request becomes cancelable. The Ex variant never calls the cancel routine itself
 * (an already cancelled request just fails), and the core holds no lock around park/unpark. */
static kc_status PPark(void *c, kc_request *r)
{
    UNREFERENCED_PARAMETER(c);
    return WdfRequestMarkCancelableEx((WDFREQUEST)r->platform, EvtParkedCancel);
}

/* unpark: STATUS_CANCELLED when the cancel routine has run or will run; the core then completes
 * the request itself or leaves it to that routine (kc_request_state, kc_platform.h) */
static kc_status PUnpark(void *c, kc_request *r)
{
    UNREFERENCED_PARAMETER(c);
    return WdfRequestUnmarkCancelable((WDFREQUEST)r->platform);
}

static void PComplete(void *c, kc_request *r, kc_status st)
{
    UNREFERENCED_PARAMETER(c);
    WdfRequestCompleteWithInformation((WDFREQUEST)r->platform, st, r->info);
}

static uint8_t PIrql(void *c)
{
    UNREFERENCED_PARAMETER(c);
    return KeGetCurrentIrql() >= DISPATCH_LEVEL ? 2 : 0;
}

/* ---------------------------------------------------------------- driver */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attrs;
    WDFDRIVER driver;
    WDF_DRIVER_CONFIG_INIT(&config, EvtDeviceAdd);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attrs, DRIVER_CONTEXT);
    attrs.EvtCleanupCallback = EvtDriverCleanup;
    NTSTATUS st = WdfDriverCreate(DriverObject, RegistryPath, &attrs, &config, &driver);
    if (!NT_SUCCESS(st)) {
        return st;
    }
    DRIVER_CONTEXT *d = KmclbGetDriverContext(driver);
    d->Platform.alloc = PAlloc;
    d->Platform.free = PFree;
    d->Platform.lock_create = PLockCreate;
    d->Platform.lock_destroy = PLockDestroy;
    d->Platform.lock_acquire = PAcquire;
    d->Platform.lock_release = PRelease;
    d->Platform.sleep_ms = PSleep;
    d->Platform.park = PPark;
    d->Platform.unpark = PUnpark;
    d->Platform.complete = PComplete;
    d->Platform.current_irql = PIrql;
    d->Platform.alloc_host_visible = PAllocHostVisible;
    d->Platform.free_host_visible = PFreeHostVisible;
    st = WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &d->Lock);
    if (NT_SUCCESS(st)) {
        st = kc_core_create(&d->Platform, 1u << 16, "kmclbridge-0.1", &d->Core);
    }
    return st;
}

static VOID EvtDriverCleanup(WDFOBJECT Driver)
{
    DRIVER_CONTEXT *d = KmclbGetDriverContext((WDFDRIVER)Driver);
    if (d->Core != NULL) {
        kc_core_destroy(d->Core);
        d->Core = NULL;
    }
}

/* ---------------------------------------------------------------- control device */
static NTSTATUS CreateControlDevice(DRIVER_CONTEXT *d)
{
    PWDFDEVICE_INIT init = WdfControlDeviceInitAllocate(WdfGetDriver(), &g_Sddl);
    WDF_FILEOBJECT_CONFIG fc;
    WDF_OBJECT_ATTRIBUTES fa, ra, qa;
    WDF_IO_QUEUE_CONFIG qc;
    WDFDEVICE dev;
    WDFQUEUE q;
    if (init == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    WdfDeviceInitSetDeviceType(init, KMCLB_DEVICE_TYPE);
    WdfDeviceInitSetCharacteristics(init, FILE_DEVICE_SECURE_OPEN, FALSE);
    WdfDeviceInitSetExclusive(init, FALSE);
    NTSTATUS st = WdfDeviceInitAssignName(init, &g_DeviceName);
    if (!NT_SUCCESS(st)) {
        WdfDeviceInitFree(init);
        return st;
    }
    WDF_FILEOBJECT_CONFIG_INIT(&fc, EvtFileCreate, EvtFileClose, EvtFileCleanup);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&fa, FILE_CONTEXT);
    WdfDeviceInitSetFileObjectConfig(init, &fc, &fa);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&ra, REQUEST_CONTEXT);
    WdfDeviceInitSetRequestAttributes(init, &ra);
    st = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &dev);
    if (!NT_SUCCESS(st)) {
        WdfDeviceInitFree(init); /* control devices: the driver frees the init on failure */
        return st;
    }
    st = WdfDeviceCreateSymbolicLink(dev, &g_LinkName);
    if (NT_SUCCESS(st)) {
        /* dispatch runs at PASSIVE_LEVEL: Disable/Pause/DeleteGpadl/SendSynchronousRequest block */
        WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&qc, WdfIoQueueDispatchParallel);
        qc.EvtIoDeviceControl = EvtIoDeviceControl;
        WDF_OBJECT_ATTRIBUTES_INIT(&qa);
        qa.ExecutionLevel = WdfExecutionLevelPassive;
        st = WdfIoQueueCreate(dev, &qc, &qa, &q);
    }
    if (!NT_SUCCESS(st)) {
        WdfObjectDelete(dev);
        return st;
    }
    WdfControlFinishInitializing(dev);
    d->Control = dev;
    return STATUS_SUCCESS;
}

static VOID EvtFileCreate(WDFDEVICE Device, WDFREQUEST Request, WDFFILEOBJECT File)
{
    UNREFERENCED_PARAMETER(Device);
    FILE_CONTEXT *f = KmclbGetFileContext(File);
    NTSTATUS st = kc_session_open(KmclbDriverContext()->Core, &f->Session);
    WdfRequestComplete(Request, st);
}

/* IRP_MJ_CLEANUP: the last handle closed (or the process died); requests may still arrive
 * until IRP_MJ_CLOSE and fail with STATUS_INVALID_HANDLE */
static VOID EvtFileCleanup(WDFFILEOBJECT File)
{
    FILE_CONTEXT *f = KmclbGetFileContext(File);
    if (f->Session != NULL) {
        kc_session_shutdown(f->Session);
    }
}

/* IRP_MJ_CLOSE: no request can reference the file object any more */
static VOID EvtFileClose(WDFFILEOBJECT File)
{
    FILE_CONTEXT *f = KmclbGetFileContext(File);
    if (f->Session != NULL) {
        kc_session_free(f->Session);
        f->Session = NULL;
    }
}

static VOID EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutLen, size_t InLen, ULONG Code)
{
    UNREFERENCED_PARAMETER(Queue);
    FILE_CONTEXT *f = KmclbGetFileContext(WdfRequestGetFileObject(Request));
    kc_request *r = &KmclbGetRequestContext(Request)->Core;
    PVOID in = NULL, out = NULL;
    size_t len;
    RtlZeroMemory(r, sizeof(*r));
    if (f->Session == NULL || InLen > MAXULONG || OutLen > MAXULONG) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    /* METHOD_BUFFERED: both are the same system buffer; the core reads all input first */
    if (InLen > 0 && !NT_SUCCESS(WdfRequestRetrieveInputBuffer(Request, InLen, &in, &len))) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    if (OutLen > 0 && !NT_SUCCESS(WdfRequestRetrieveOutputBuffer(Request, OutLen, &out, &len))) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    r->in = in;
    r->in_len = (uint32_t)InLen;
    r->out = out;
    r->out_len = (uint32_t)OutLen;
    r->platform = Request;
    NTSTATUS st = kc_dispatch(f->Session, Code, r);
    if (st != STATUS_PENDING) {
        WdfRequestCompleteWithInformation(Request, st, r->info);
    }
}

/* CancelIoEx / process exit on a parked receive. Completes it only when the core says so: a request
 * the core has claimed is completed by the core once WdfRequestUnmarkCancelable failed, so it is
 * never completed here while the core may still unmark it (WdfRequestUnmarkCancelable must not
 * follow a completion by EvtRequestCancel). */
static VOID EvtParkedCancel(WDFREQUEST Request)
{
    if (kc_cancel_request(KmclbDriverContext()->Core, &KmclbGetRequestContext(Request)->Core)) {
        WdfRequestCompleteWithInformation(Request, STATUS_CANCELLED, 0);
    }
}

/* ---------------------------------------------------------------- filter instances = endpoints */
static void ParseGuidSuffix(const WCHAR *s, size_t chars, kc_guid *out)
{
    /* the last "{...}" in the string, e.g. VMBUS\{type} or ...\{instance} */
    UNICODE_STRING us;
    size_t open = chars;
    for (size_t i = 0; i < chars; i++) {
        if (s[i] == L'{') {
            open = i;
        }
    }
    RtlZeroMemory(out, sizeof(*out));
    if (open + 38 <= chars) {
        us.Buffer = (PWCH)&s[open];
        us.Length = us.MaximumLength = 38 * sizeof(WCHAR);
        (void)RtlGUIDFromString(&us, (GUID *)out);
    }
}

static void QueryGuid(WDFDEVICE dev, const DEVPROPKEY *key, kc_guid *out)
{
    WDF_DEVICE_PROPERTY_DATA pd;
    WDFMEMORY mem;
    DEVPROPTYPE type;
    size_t size;
    RtlZeroMemory(out, sizeof(*out));
    WDF_DEVICE_PROPERTY_DATA_INIT(&pd, key);
    if (NT_SUCCESS(WdfDeviceAllocAndQueryPropertyEx(dev, &pd, NonPagedPoolNx, WDF_NO_OBJECT_ATTRIBUTES, &mem, &type))) {
        const WCHAR *s = (const WCHAR *)WdfMemoryGetBuffer(mem, &size);
        ParseGuidSuffix(s, size / sizeof(WCHAR), out);
        WdfObjectDelete(mem);
    }
}

static NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    DRIVER_CONTEXT *d = KmclbGetDriverContext(Driver);
    WDF_OBJECT_ATTRIBUTES attrs;
    WDFDEVICE dev;
    WdfFdoInitSetFilter(DeviceInit);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attrs, FILTER_CONTEXT);
    attrs.EvtCleanupCallback = EvtFilterCleanup;
    NTSTATUS st = WdfDeviceCreate(&DeviceInit, &attrs, &dev);
    if (!NT_SUCCESS(st)) {
        return st;
    }
    FILTER_CONTEXT *f = KmclbGetFilterContext(dev);
    f->Device = dev;
    /* server table first (host), then the client table (guest); B1/B2 */
    BOOLEAN server = TRUE;
    st = WdfFdoQueryForInterface(dev, &KMCL_SERVER_INTERFACE_TYPE, (PINTERFACE)&f->Interface, sizeof(KMCLB_TABLE),
                                 KMCL_SERVER_INTERFACE_VERSION_V1, NULL);
    if (!NT_SUCCESS(st)) {
        server = FALSE;
        st = WdfFdoQueryForInterface(dev, &KMCL_CLIENT_INTERFACE_TYPE, (PINTERFACE)&f->Interface.Client,
                                     sizeof(KMCL_CLIENT_INTERFACE_V1), KMCL_CLIENT_INTERFACE_VERSION_V1, NULL);
    }
    if (!NT_SUCCESS(st)) {
        return STATUS_SUCCESS; /* stay attached as a pass-through filter without an endpoint */
    }
    f->Referenced = TRUE;
    kc_guid type, inst;
    QueryGuid(dev, &DEVPKEY_Device_HardwareIds, &type);
    QueryGuid(dev, &DEVPKEY_Device_InstanceId, &inst);

    WdfWaitLockAcquire(d->Lock, NULL);
    if (!d->HasTable) {
        d->Kmcl = f->Interface; /* function pointers of vmbkmcl.sys */
        d->HasServer = server;
        d->HasTable = TRUE;
    }
    if (d->Filters == 0) {
        st = CreateControlDevice(d);
    }
    if (NT_SUCCESS(st)) {
        d->Filters++;
        st = kc_endpoint_add(d->Core, &KmclbKmdfOps, f, &type, &inst, "vmbus device", &f->Endpoint);
    }
    WdfWaitLockRelease(d->Lock);
    return STATUS_SUCCESS;
}

static VOID EvtFilterCleanup(WDFOBJECT Device)
{
    DRIVER_CONTEXT *d = KmclbDriverContext();
    FILTER_CONTEXT *f = KmclbGetFilterContext((WDFDEVICE)Device);
    if (!f->Referenced) {
        return;
    }
    WdfWaitLockAcquire(d->Lock, NULL);
    if (f->Endpoint != 0) {
        kc_endpoint_teardown(d->Core, f->Endpoint); /* channels on this device go first */
    }
    if (--d->Filters == 0 && d->Control != NULL) {
        WdfObjectDelete(d->Control); /* the last filter takes the control device with it */
        d->Control = NULL;
        d->HasTable = FALSE;
    }
    WdfWaitLockRelease(d->Lock);
    /* B4: drop the reference the query gave us; the table is not used through this copy again */
    PINTERFACE hdr = (PINTERFACE)&f->Interface; /* the table starts with the INTERFACE header */
    hdr->InterfaceDereference(hdr->Context);
    f->Referenced = FALSE;
}
