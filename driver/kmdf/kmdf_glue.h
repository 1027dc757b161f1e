/* kmdf_glue.h - shared declarations of the KMDF glue (Windows only; type-checked here by
 * scripts/check-driver, never built or run here). kmclbridge is the function driver of the VMBus
 * device types its INF names: each bound device is one endpoint of the core. */
#ifndef KMDF_GLUE_H
#define KMDF_GLUE_H
/* ExAllocatePoolZero also on Windows before 2004 (KMCL's minimum is 1803); DriverEntry calls
 * ExInitializeDriverRuntime. Must come before the WDK headers. */
#define POOL_ZERO_DOWN_LEVEL_SUPPORT
#include <ntddk.h>
#include <wdf.h>
#include <devpkey.h>                     /* DEVPKEY_Device_CompatibleIds, DEVPKEY_Device_InstanceId */
#include <vmbuskernelmodeclientlibapi.h> /* WDK >= 10.0.17134: KMCL table types, GUIDs, versions */
#include "kc_bound_devices.h"
#include "kc_core.h"
#include "kc_device_ids.h"
#include "kmclbridge_protocol.h"

#define KMCLB_TAG 'bclK'

C_ASSERT(sizeof(KMCL_CLIENT_INTERFACE_V1) == 0x168);
C_ASSERT(sizeof(kc_guid) == sizeof(GUID));

/* The driver's state (one WDFDRIVER context). */
typedef struct DRIVER_CONTEXT {
    kc_platform Platform;
    kc_core *Core;
    WDFWAITLOCK Lock;             /* Bound and the control device's lifetime */
    kc_bound_devices Bound;       /* the devices we are function driver of */
    WDFDEVICE Control;            /* \\.\KmclBridge while a device is bound, else NULL */
    /* vmbkmcl.sys's function table, copied when the first device binds (no channel exists then, so no
     * callback reads it while it is written). Channels exist only on bound devices, each of which
     * holds its own interface reference, so the functions stay loaded while any callback runs. */
    KMCL_CLIENT_INTERFACE_V1 Kmcl;
} DRIVER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DRIVER_CONTEXT, KmclbGetDriverContext)

/* A VMBus device we are the function driver of (one FDO context). */
typedef struct BOUND_DEVICE_CONTEXT {
    WDFDEVICE Device;
    KMCL_CLIENT_INTERFACE_V1 Interface; /* this device's referenced copy (INTERFACE header first) */
    BOOLEAN Referenced;
    kc_guid Type;                       /* from the compatible id VMBUS\{type} */
    kc_guid Instance;                   /* from the instance id VMBUS\{type}\{instance} */
    kc_bound_device Binding;            /* in DRIVER_CONTEXT.Bound */
    uint64_t Endpoint;                  /* the core's endpoint id, 0 when none (or torn down) */
} BOUND_DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(BOUND_DEVICE_CONTEXT, KmclbGetBoundDeviceContext)

typedef struct FILE_CONTEXT {
    kc_session *Session;
    PIO_WORKITEM ShutdownItem; /* the session's shutdown, run off the closing thread (kmdf_control.c) */
} FILE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(FILE_CONTEXT, KmclbGetFileContext)

typedef struct REQUEST_CONTEXT {
    kc_request Core;
} REQUEST_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(REQUEST_CONTEXT, KmclbGetRequestContext)

/* set once in DriverEntry */
extern DRIVER_CONTEXT *KmclbDriver;

/* kmdf_platform.c: kc_platform on non-paged pool, spin locks, WDF requests and system work items */
void KmclbPlatformInit(kc_platform *platform);
/* zeroed non-paged memory (ExAllocatePoolZero), NULL on failure */
void *KmclbAllocateZeroed(size_t size);
void KmclbFree(void *memory);

/* kmdf_control.c: the control device user mode opens (kc_control_create / kc_control_delete) and
 * the cancel routine of requests the core parks */
kc_status KmclbCreateControlDevice(void *driver_context, uint32_t generation);
void KmclbDeleteControlDevice(void *driver_context);
EVT_WDF_REQUEST_CANCEL KmclbEvtRequestCancel;

/* kmdf_device.c: the function driver's add-device callback */
EVT_WDF_DRIVER_DEVICE_ADD KmclbEvtDeviceAdd;

/* kmcl_ops_kmdf.c */
extern const kc_kmcl_ops KmclbKmdfOps;

#endif
