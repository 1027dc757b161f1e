/* kmdf_control.c - the control device user mode opens, \\.\KmclBridge (Windows only; type-checked
 * here by scripts/check-driver, never built or run here). One control device, created when the first
 * device binds and deleted when the last one leaves (kc_bound_devices), SYSTEM and Administrators
 * only. Every handle is a core session that reaches every bound device; requests go to kc_dispatch
 * at PASSIVE_LEVEL, file cleanup to kc_session_shutdown (on a worker), file close to kc_session_free.
 *
 * Why each control device has a kernel name of its own (\Device\KmclBridge<generation>) and why the
 * glue makes the symbolic link itself instead of WdfDeviceCreateSymbolicLink: deleting a control
 * device that still has open handles deletes the device object at once, but KMDF removes the link it
 * created only when the last handle has closed. A device binding meanwhile would then fail to create
 * the link (name collision). IoDeleteSymbolicLink before the delete frees the link name at once, and
 * the fresh device name cannot collide with the old object either. */
#include "kmdf_glue.h"

static EVT_WDF_DEVICE_FILE_CREATE KmclbEvtFileCreate;
static IO_WORKITEM_ROUTINE KmclbSessionShutdownRoutine;
static EVT_WDF_FILE_CLEANUP KmclbEvtFileCleanup;
static EVT_WDF_FILE_CLOSE KmclbEvtFileClose;
static EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL KmclbEvtIoDeviceControl;

DECLARE_CONST_UNICODE_STRING(KmclbLinkName, L"\\DosDevices\\KmclBridge");
DECLARE_CONST_UNICODE_STRING(KmclbControlSddl, L"D:P(A;;GA;;;SY)(A;;GA;;;BA)");

#define KMCLB_CONTROL_NAME_CHARS 40u

/* the default queue: dispatch at PASSIVE_LEVEL (requests may wait, e.g. DeleteGpadl inline) */
static NTSTATUS CreateQueue(WDFDEVICE control)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = KmclbEvtIoDeviceControl;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    return WdfIoQueueCreate(control, &config, &attributes, &queue);
}

kc_status KmclbCreateControlDevice(void *driver_context, uint32_t generation)
{
    DRIVER_CONTEXT *d = (DRIVER_CONTEXT *)driver_context;
    WCHAR nameBuffer[KMCLB_CONTROL_NAME_CHARS];
    UNICODE_STRING name;
    WDF_FILEOBJECT_CONFIG fileConfig;
    WDF_OBJECT_ATTRIBUTES fileAttributes, requestAttributes;
    WDFDEVICE control;
    uint32_t chars = kc_control_device_name(generation, (uint16_t *)nameBuffer, KMCLB_CONTROL_NAME_CHARS);
    if (chars == 0) {
        return STATUS_NAME_TOO_LONG;
    }
    name.Buffer = nameBuffer;
    name.Length = (USHORT)(chars * sizeof(WCHAR));
    name.MaximumLength = (USHORT)sizeof(nameBuffer);

    PWDFDEVICE_INIT init = WdfControlDeviceInitAllocate(WdfGetDriver(), &KmclbControlSddl);
    if (init == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    WdfDeviceInitSetDeviceType(init, KMCLB_DEVICE_TYPE);
    WdfDeviceInitSetCharacteristics(init, FILE_DEVICE_SECURE_OPEN, FALSE);
    WdfDeviceInitSetExclusive(init, FALSE);
    NTSTATUS status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        return status;
    }
    WDF_FILEOBJECT_CONFIG_INIT(&fileConfig, KmclbEvtFileCreate, KmclbEvtFileClose, KmclbEvtFileCleanup);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&fileAttributes, FILE_CONTEXT);
    WdfDeviceInitSetFileObjectConfig(init, &fileConfig, &fileAttributes);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&requestAttributes, REQUEST_CONTEXT);
    WdfDeviceInitSetRequestAttributes(init, &requestAttributes);
    status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &control);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init); /* control devices: the driver frees the init on failure */
        return status;
    }
    status = CreateQueue(control);
    if (NT_SUCCESS(status)) {
        status = IoCreateSymbolicLink((PUNICODE_STRING)&KmclbLinkName, &name);
    }
    if (!NT_SUCCESS(status)) {
        WdfObjectDelete(control);
        return status;
    }
    WdfControlFinishInitializing(control);
    d->Control = control;
    return STATUS_SUCCESS;
}

void KmclbDeleteControlDevice(void *driver_context)
{
    DRIVER_CONTEXT *d = (DRIVER_CONTEXT *)driver_context;
    if (d->Control != NULL) {
        (void)IoDeleteSymbolicLink((PUNICODE_STRING)&KmclbLinkName); /* the name is free from now on */
        WdfObjectDelete(d->Control); /* open handles keep the old object until they close */
        d->Control = NULL;
    }
}

static VOID KmclbEvtFileCreate(WDFDEVICE Device, WDFREQUEST Request, WDFFILEOBJECT File)
{
    UNREFERENCED_PARAMETER(Device);
    FILE_CONTEXT *file = KmclbGetFileContext(File);
    NTSTATUS status = kc_session_open(KmclbDriver->Core, &file->Session);
    WdfRequestComplete(Request, status);
}

/* The session's shutdown on a system worker: it waits for the session's calls in flight, including
 * detached ones still inside KMCL (kc_detached.c), which may wait for the host. */
static VOID KmclbSessionShutdownRoutine(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    WDFFILEOBJECT fileObject = (WDFFILEOBJECT)Context;
    FILE_CONTEXT *file = KmclbGetFileContext(fileObject);
    PFILE_OBJECT wdmFile = WdfFileObjectWdmGetFileObject(fileObject);
    PIO_WORKITEM item = file->ShutdownItem;
    UNREFERENCED_PARAMETER(DeviceObject);
    kc_session_shutdown(file->Session);
    ObDereferenceObject(wdmFile); /* IRP_MJ_CLOSE may come now; nothing of the file is used after this */
    IoFreeWorkItem(item);
}

/* IRP_MJ_CLEANUP: the last handle closed (or the process died). The shutdown runs on a worker so that
 * a process exiting while one of its requests waits inside KMCL is not held in its handle rundown;
 * the extra file object reference holds IRP_MJ_CLOSE (kc_session_free) back until it has run. Without
 * a work item (memory short) it runs here. */
static VOID KmclbEvtFileCleanup(WDFFILEOBJECT File)
{
    FILE_CONTEXT *file = KmclbGetFileContext(File);
    if (file->Session == NULL) {
        return;
    }
    file->ShutdownItem = IoAllocateWorkItem(WdfDeviceWdmGetDeviceObject(WdfFileObjectGetDevice(File)));
    if (file->ShutdownItem == NULL) {
        kc_session_shutdown(file->Session);
        return;
    }
    ObReferenceObject(WdfFileObjectWdmGetFileObject(File));
    IoQueueWorkItem(file->ShutdownItem, KmclbSessionShutdownRoutine, DelayedWorkQueue, File);
}

/* IRP_MJ_CLOSE: no request can reference the file object any more */
static VOID KmclbEvtFileClose(WDFFILEOBJECT File)
{
    FILE_CONTEXT *file = KmclbGetFileContext(File);
    if (file->Session != NULL) {
        kc_session_free(file->Session);
        file->Session = NULL;
    }
}

static VOID KmclbEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                    size_t InputBufferLength, ULONG IoControlCode)
{
    UNREFERENCED_PARAMETER(Queue);
    FILE_CONTEXT *file = KmclbGetFileContext(WdfRequestGetFileObject(Request));
    kc_request *request = &KmclbGetRequestContext(Request)->Core;
    PVOID input = NULL;
    PVOID output = NULL;
    size_t length;
    RtlZeroMemory(request, sizeof(*request));
    if (file->Session == NULL || InputBufferLength > MAXULONG || OutputBufferLength > MAXULONG) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    /* METHOD_BUFFERED: both are the same system buffer; the core reads all input first */
    if (InputBufferLength > 0 &&
        !NT_SUCCESS(WdfRequestRetrieveInputBuffer(Request, InputBufferLength, &input, &length))) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    if (OutputBufferLength > 0 &&
        !NT_SUCCESS(WdfRequestRetrieveOutputBuffer(Request, OutputBufferLength, &output, &length))) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    request->in = input;
    request->in_len = (uint32_t)InputBufferLength;
    request->out = output;
    request->out_len = (uint32_t)OutputBufferLength;
    request->platform = Request;
    NTSTATUS status = kc_dispatch(file->Session, IoControlCode, request);
    if (status != STATUS_PENDING) {
        WdfRequestCompleteWithInformation(Request, status, request->info);
    }
}

/* CancelIoEx / process exit on a request the core parked (a receive waiting for records, or a
 * detached request whose KMCL call waits for the host). Completes it only when the core says so: a
 * request the core has claimed is completed by the core once WdfRequestUnmarkCancelable failed, so it
 * is never completed here while the core may still unmark it. */
VOID KmclbEvtRequestCancel(WDFREQUEST Request)
{
    if (kc_cancel_request(KmclbDriver->Core, &KmclbGetRequestContext(Request)->Core)) {
        WdfRequestCompleteWithInformation(Request, STATUS_CANCELLED, 0);
    }
}
