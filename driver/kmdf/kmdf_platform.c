/* kmdf_platform.c - kc_platform in the kernel (Windows only; type-checked here by
 * scripts/check-driver, never built or run here): zeroed non-paged pool, spin locks, WDF request
 * cancelability, system work items for the requests the core runs detached. */
#include "kmdf_glue.h"

static IO_WORKITEM_ROUTINE KmclbDetachedWorkRoutine;

typedef struct PLATFORM_LOCK {
    KSPIN_LOCK Lock;
    KIRQL PreviousIrql;
} PLATFORM_LOCK;

/* one detached run: its work item and what to call */
typedef struct DETACHED_WORK {
    PIO_WORKITEM Item;
    void (*Work)(void *arg);
    void *Argument;
} DETACHED_WORK;

void *KmclbAllocateZeroed(size_t size)
{
#if defined(POOL_FLAG_NON_PAGED)
    /* WDK 10.0.19041 and later: ExAllocatePool2 where the system has it, else the down-level path */
    return ExAllocatePoolZero(NonPagedPoolNx, size != 0 ? size : 1, KMCLB_TAG);
#else
    /* older headers (the public RS5 copy scripts/check-driver uses) have no ExAllocatePoolZero: the
     * same result by hand */
    void *memory = ExAllocatePoolWithTag(NonPagedPoolNx, size != 0 ? size : 1, KMCLB_TAG);
    if (memory != NULL) {
        RtlZeroMemory(memory, size != 0 ? size : 1);
    }
    return memory;
#endif
}

void KmclbFree(void *memory)
{
    ExFreePoolWithTag(memory, KMCLB_TAG);
}

static void *PlatformAllocate(void *ctx, size_t size)
{
    UNREFERENCED_PARAMETER(ctx);
    return KmclbAllocateZeroed(size);
}

static void PlatformFree(void *ctx, void *memory)
{
    UNREFERENCED_PARAMETER(ctx);
    KmclbFree(memory);
}

/* Host-visible memory (kc_platform.h): a pool block of PAGE_SIZE or more starts at a page boundary
 * and owns its pages; asking for whole pages keeps the end of the last one zeroed and ours. */
C_ASSERT(PAGE_SIZE == KC_HOST_PAGE_SIZE);
static void *PlatformAllocateHostVisible(void *ctx, size_t size)
{
    return PlatformAllocate(ctx, ROUND_TO_PAGES(size != 0 ? size : 1));
}

static void PlatformFreeHostVisible(void *ctx, void *memory, size_t size)
{
    UNREFERENCED_PARAMETER(size);
    PlatformFree(ctx, memory);
}

static kc_status PlatformLockCreate(void *ctx, void **out)
{
    PLATFORM_LOCK *lock = (PLATFORM_LOCK *)PlatformAllocate(ctx, sizeof(PLATFORM_LOCK));
    if (lock == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeSpinLock(&lock->Lock);
    *out = lock;
    return STATUS_SUCCESS;
}

static void PlatformLockDestroy(void *ctx, void *lock)
{
    PlatformFree(ctx, lock);
}

static void PlatformLockAcquire(void *ctx, void *p)
{
    PLATFORM_LOCK *lock = (PLATFORM_LOCK *)p;
    KIRQL previous;
    UNREFERENCED_PARAMETER(ctx);
    KeAcquireSpinLock(&lock->Lock, &previous);
    lock->PreviousIrql = previous;
}

static void PlatformLockRelease(void *ctx, void *p)
{
    PLATFORM_LOCK *lock = (PLATFORM_LOCK *)p;
    UNREFERENCED_PARAMETER(ctx);
    KeReleaseSpinLock(&lock->Lock, lock->PreviousIrql);
}

static void PlatformSleep(void *ctx, uint32_t ms)
{
    LARGE_INTEGER interval;
    UNREFERENCED_PARAMETER(ctx);
    interval.QuadPart = -10000LL * (LONGLONG)ms;
    KeDelayExecutionThread(KernelMode, FALSE, &interval);
}

/* park: the request becomes cancelable. The Ex variant never calls the cancel routine itself (an
 * already cancelled request just fails), and the core holds no lock around park/unpark. */
static kc_status PlatformPark(void *ctx, kc_request *request)
{
    UNREFERENCED_PARAMETER(ctx);
    return WdfRequestMarkCancelableEx((WDFREQUEST)request->platform, KmclbEvtRequestCancel);
}

/* unpark: STATUS_CANCELLED when the cancel routine has run or will run; the core then completes the
 * request itself or leaves it to that routine (kc_request_state, kc_platform.h) */
static kc_status PlatformUnpark(void *ctx, kc_request *request)
{
    UNREFERENCED_PARAMETER(ctx);
    return WdfRequestUnmarkCancelable((WDFREQUEST)request->platform);
}

static void PlatformComplete(void *ctx, kc_request *request, kc_status status)
{
    UNREFERENCED_PARAMETER(ctx);
    WdfRequestCompleteWithInformation((WDFREQUEST)request->platform, status, request->info);
}

static uint8_t PlatformIrql(void *ctx)
{
    UNREFERENCED_PARAMETER(ctx);
    return KeGetCurrentIrql() >= DISPATCH_LEVEL ? 2 : 0;
}

/* A system work item on the device the request came in on: the I/O manager holds that device object
 * (and so this driver's image) until the routine has returned, also after the last handle closed. */
static kc_status PlatformRunDetached(void *ctx, const kc_request *request, void (*work)(void *arg), void *arg)
{
    UNREFERENCED_PARAMETER(ctx);
    WDFREQUEST wdfRequest = (WDFREQUEST)request->platform;
    WDFDEVICE device = WdfFileObjectGetDevice(WdfRequestGetFileObject(wdfRequest));
    DETACHED_WORK *job = (DETACHED_WORK *)KmclbAllocateZeroed(sizeof(DETACHED_WORK));
    if (job == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    job->Item = IoAllocateWorkItem(WdfDeviceWdmGetDeviceObject(device));
    if (job->Item == NULL) {
        KmclbFree(job);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    job->Work = work;
    job->Argument = arg;
    /* DelayedWorkQueue: the routine may wait for the host as long as KMCL does */
    IoQueueWorkItem(job->Item, KmclbDetachedWorkRoutine, DelayedWorkQueue, job);
    return STATUS_SUCCESS;
}

static VOID KmclbDetachedWorkRoutine(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    DETACHED_WORK *job = (DETACHED_WORK *)Context;
    PIO_WORKITEM item = job->Item;
    UNREFERENCED_PARAMETER(DeviceObject);
    job->Work(job->Argument);
    KmclbFree(job);
    IoFreeWorkItem(item);
}

void KmclbPlatformInit(kc_platform *platform)
{
    const kc_platform kernel = {
        .alloc = PlatformAllocate,
        .free = PlatformFree,
        .lock_create = PlatformLockCreate,
        .lock_destroy = PlatformLockDestroy,
        .lock_acquire = PlatformLockAcquire,
        .lock_release = PlatformLockRelease,
        .sleep_ms = PlatformSleep,
        .park = PlatformPark,
        .unpark = PlatformUnpark,
        .complete = PlatformComplete,
        .current_irql = PlatformIrql,
        .alloc_host_visible = PlatformAllocateHostVisible,
        .free_host_visible = PlatformFreeHostVisible,
        .run_detached = PlatformRunDetached,
    };
    *platform = kernel;
}
