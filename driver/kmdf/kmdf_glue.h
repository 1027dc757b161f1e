/* kmdf_glue.h - shared declarations of the KMDF glue (Windows only; NOT BUILT OR RUN HERE). */
#ifndef KMDF_GLUE_H
#define KMDF_GLUE_H
#include <ntddk.h>
#include <wdf.h>
#include <wdmsec.h>
#include <vmbuskernelmodeclientlibapi.h> /* WDK >= 10.0.17134: KMCL table types, GUIDs, versions */
#include "kc_core.h"

#define KMCLB_TAG 'bclK'

/* KMCL_SERVER_INTERFACE_V1 = client table followed by the server-only methods (docs/kmcl-api.md 1.1) */
typedef struct KMCLB_TABLE {
    KMCL_CLIENT_INTERFACE_V1 Client;
    KMCL_SERVER_ONLY_METHODS Server;
} KMCLB_TABLE;
C_ASSERT(sizeof(KMCL_CLIENT_INTERFACE_V1) == 0x168);
C_ASSERT(sizeof(KMCLB_TABLE) == 0x1D8);

typedef struct DRIVER_CONTEXT {
    kc_platform Platform;
    kc_core *Core;
    WDFWAITLOCK Lock;        /* filter count and control device lifetime */
    LONG Filters;
    WDFDEVICE Control;
    BOOLEAN HasTable;
    BOOLEAN HasServer;
    KMCLB_TABLE Kmcl;        /* function pointers; valid while any filter holds its reference */
} DRIVER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DRIVER_CONTEXT, KmclbGetDriverContext)

typedef struct FILTER_CONTEXT {
    WDFDEVICE Device;
    KMCLB_TABLE Interface;   /* this instance's referenced copy (INTERFACE header at the start) */
    BOOLEAN Referenced;
    uint64_t Endpoint;
} FILTER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(FILTER_CONTEXT, KmclbGetFilterContext)

typedef struct FILE_CONTEXT {
    kc_session *Session;
} FILE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(FILE_CONTEXT, KmclbGetFileContext)

typedef struct REQUEST_CONTEXT {
    kc_request Core;
} REQUEST_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(REQUEST_CONTEXT, KmclbGetRequestContext)

DRIVER_CONTEXT *KmclbDriverContext(void);
extern const kc_kmcl_ops KmclbKmdfOps;

#endif
