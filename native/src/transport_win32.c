/* transport_win32.c - moves bytes to and from the driver's control device \\.\KmclBridge.
 * NtDeviceIoControlFile (resolved from ntdll) keeps the driver's exact NTSTATUS, which
 * DeviceIoControl would fold into a Win32 error. The OVERLAPPED doubles as the
 * IO_STATUS_BLOCK, so CancelIoEx(handle, &ov) cancels exactly this request. No decisions here.
 *
 * Handle lifetime (transport.h): tr_shutdown only cancels; the handle stays open until tr_free,
 * which the shim calls once no thread is inside tr_ioctl any more. So no request is ever issued on,
 * and no CancelIoEx ever reaches, a closed handle value that Windows may already have handed to
 * another object. Closing the handle (IRP_MJ_CLEANUP) is what makes the driver tear the session's
 * channels down. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdlib.h>
#include "kmclshim.h"
#include "transport.h"
#include "kmclbridge_status.h"

const int32_t tr_kind = KMCLSHIM_TRANSPORT_WIN32;

typedef LONG(NTAPI *nt_ioctl_fn)(HANDLE file, HANDLE event, PVOID apc, PVOID apc_ctx, PVOID iosb, ULONG code,
                                 PVOID in, ULONG in_len, PVOID out, ULONG out_len);

typedef struct w32 {
    HANDLE h;
    nt_ioctl_fn nt_ioctl;
    volatile LONG shut_down; /* set once by tr_shutdown; read by every tr_ioctl */
} w32;

int32_t tr_open(const uint64_t *seed, void **out)
{
    *out = NULL;
    if (seed != NULL) {
        return KMCLB_STATUS_NOT_SUPPORTED; /* the real VMBus has no seed */
    }
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    nt_ioctl_fn fn = ntdll ? (nt_ioctl_fn)(void *)GetProcAddress(ntdll, "NtDeviceIoControlFile") : NULL;
    if (fn == NULL) {
        return KMCLB_STATUS_NOT_SUPPORTED;
    }
    HANDLE h = CreateFileW(L"\\\\.\\KmclBridge", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) {
            return KMCLB_STATUS_NO_SUCH_DEVICE; /* driver not installed / no VMBus device */
        }
        return e == ERROR_ACCESS_DENIED ? KMCLB_STATUS_ACCESS_DENIED : KMCLB_STATUS_UNSUCCESSFUL;
    }
    w32 *t = (w32 *)calloc(1, sizeof(w32));
    if (t == NULL) {
        CloseHandle(h);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    t->h = h;
    t->nt_ioctl = fn;
    *out = t;
    return 0;
}

void tr_shutdown(void *p)
{
    w32 *t = (w32 *)p;
    /* The exchange is a full barrier: a tr_ioctl that issues its request after this point reads the
     * flag after its request exists and cancels it itself; one issued before is cancelled here. */
    InterlockedExchange(&t->shut_down, 1);
    CancelIoEx(t->h, NULL); /* every request of this handle, from any thread: parked receives end */
}

void tr_free(void *p)
{
    w32 *t = (w32 *)p;
    CloseHandle(t->h); /* the last reference: IRP_MJ_CLEANUP, the driver tears down this handle's channels */
    free(t);
}

static int is_shut_down(w32 *t)
{
    return InterlockedCompareExchange(&t->shut_down, 0, 0) != 0;
}

int32_t tr_ioctl(void *p, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms)
{
    w32 *t = (w32 *)p;
    OVERLAPPED ov;
    ZeroMemory(&ov, sizeof(ov));
    *info = 0;
    if (is_shut_down(t)) {
        return KMCLB_STATUS_INVALID_HANDLE; /* what the driver answers on a handle being closed */
    }
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (ov.hEvent == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    int32_t st = (int32_t)t->nt_ioctl(t->h, ov.hEvent, NULL, NULL, &ov, code, (PVOID)in, in_len, out, out_len);
    if (st == KMCLB_STATUS_PENDING) {
        if (is_shut_down(t)) {
            CancelIoEx(t->h, &ov); /* tr_shutdown ran between the check above and the request */
        }
        /* INFINITE is 0xFFFFFFFF: a longer finite wait is capped just below it */
        DWORD w = WaitForSingleObject(ov.hEvent, wait_ms < 0 ? INFINITE
                                                 : wait_ms >= (int64_t)INFINITE ? INFINITE - 1u
                                                                                : (DWORD)wait_ms);
        if (w != WAIT_OBJECT_0) {
            CancelIoEx(t->h, &ov);
            WaitForSingleObject(ov.hEvent, INFINITE);
        }
        st = (int32_t)ov.Internal;
    }
    if (st >= 0 || ((uint32_t)st >> 30) == 2u) {
        *info = (uint32_t)ov.InternalHigh;
    }
    CloseHandle(ov.hEvent);
    return st;
}
