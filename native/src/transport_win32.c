/* transport_win32.c - moves bytes to and from the driver's control device \\.\KmclBridge.
 * NtDeviceIoControlFile (resolved from ntdll) keeps the driver's exact NTSTATUS, which
 * DeviceIoControl would fold into a Win32 error. The OVERLAPPED doubles as the
 * IO_STATUS_BLOCK, so CancelIoEx(handle, &ov) cancels exactly this request. No decisions here. */
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
    LONG closed;
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
    CancelIoEx(t->h, NULL); /* parked receives end (STATUS_CANCELLED) */
    if (InterlockedExchange(&t->closed, 1) == 0) {
        CloseHandle(t->h); /* IRP_MJ_CLEANUP: the driver tears down this handle's channels */
    }
}

void tr_free(void *p)
{
    free(p);
}

int32_t tr_ioctl(void *p, uint32_t code, const void *in, uint32_t in_len, void *out, uint32_t out_len,
                 uint32_t *info, int64_t wait_ms)
{
    w32 *t = (w32 *)p;
    OVERLAPPED ov;
    ZeroMemory(&ov, sizeof(ov));
    *info = 0;
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (ov.hEvent == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    int32_t st = (int32_t)t->nt_ioctl(t->h, ov.hEvent, NULL, NULL, &ov, code, (PVOID)in, in_len, out, out_len);
    if (st == KMCLB_STATUS_PENDING) {
        DWORD w = WaitForSingleObject(ov.hEvent, wait_ms < 0 ? INFINITE : (DWORD)wait_ms);
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
