/* test_win32_shim.c - runs the cross-built kmclshim.dll (win32 transport) under Wine, where no
 * kmclbridge driver exists: the DLL loads and exports the API, its transport is win32, opening a
 * session answers STATUS_NO_SUCH_DEVICE (which the Java native backend turns into its install hint),
 * calls with bad arguments or a session that was never opened answer their statuses, the peer
 * functions are not supported, and nothing crashes. Built by scripts/build-native.sh (mingw-w64),
 * run by it with wine64. Usage: test_win32_shim.exe PATH\TO\kmclshim.dll */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kmclshim.h"
#include "kmclbridge_status.h"

static int g_failures;
static int g_checks;

#define CHECK_STATUS(call, expected)                                                                   \
    do {                                                                                               \
        int32_t got_ = (call);                                                                         \
        g_checks++;                                                                                    \
        if (got_ != (int32_t)(expected)) {                                                             \
            g_failures++;                                                                              \
            printf("FAIL %s:%d: %s = 0x%08lX, expected 0x%08lX\n", __FILE__, __LINE__, #call,          \
                   (unsigned long)(uint32_t)got_, (unsigned long)(uint32_t)(expected));                \
        }                                                                                              \
    } while (0)

#define CHECK(cond)                                                             \
    do {                                                                        \
        g_checks++;                                                             \
        if (!(cond)) {                                                          \
            g_failures++;                                                       \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
        }                                                                       \
    } while (0)

/* the functions this test calls, resolved by name as JNA does */
typedef int32_t (*transport_fn)(int32_t *);
typedef int32_t (*open_fn)(int64_t *);
typedef int32_t (*open_seeded_fn)(int64_t, int64_t *);
typedef int32_t (*close_fn)(int64_t);
typedef int32_t (*query_version_fn)(int64_t, int32_t *, int32_t *, char *);
typedef int32_t (*list_endpoints_fn)(int64_t, int64_t *, uint8_t *, char *, int32_t, int32_t *, int32_t *);
typedef int32_t (*receive_fn)(int64_t, int64_t, void *, int32_t, int64_t, int32_t *, int32_t *, int32_t *);
typedef int32_t (*enable_fn)(int64_t, int64_t);
typedef int32_t (*peer_rescind_fn)(int64_t, int64_t);

static FARPROC resolve(HMODULE dll, const char *name)
{
    FARPROC f = GetProcAddress(dll, name);
    g_checks++;
    if (f == NULL) {
        g_failures++;
        printf("FAIL: kmclshim.dll does not export %s\n", name);
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: test_win32_shim PATH\\TO\\kmclshim.dll\n");
        return 2;
    }
    HMODULE dll = LoadLibraryA(argv[1]);
    if (dll == NULL) {
        printf("FAIL: LoadLibrary(%s) failed with error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    transport_fn transport = (transport_fn)(void *)resolve(dll, "kmclshim_transport");
    open_fn open_session = (open_fn)(void *)resolve(dll, "kmclshim_open");
    open_seeded_fn open_seeded = (open_seeded_fn)(void *)resolve(dll, "kmclshim_open_seeded");
    close_fn close_session = (close_fn)(void *)resolve(dll, "kmclshim_close");
    query_version_fn query_version = (query_version_fn)(void *)resolve(dll, "kmclshim_query_version");
    list_endpoints_fn list_endpoints = (list_endpoints_fn)(void *)resolve(dll, "kmclshim_list_endpoints");
    receive_fn receive = (receive_fn)(void *)resolve(dll, "kmclshim_receive");
    enable_fn enable = (enable_fn)(void *)resolve(dll, "kmclshim_enable");
    peer_rescind_fn peer_rescind = (peer_rescind_fn)(void *)resolve(dll, "kmclshim_peer_rescind");
    if (g_failures > 0) {
        printf("%d of %d checks failed\n", g_failures, g_checks);
        return 1;
    }

    /* the transport this DLL carries */
    int32_t kind = 0;
    CHECK_STATUS(transport(&kind), KMCLB_STATUS_SUCCESS);
    CHECK(kind == KMCLSHIM_TRANSPORT_WIN32);
    CHECK_STATUS(transport(NULL), KMCLB_STATUS_INVALID_PARAMETER);

    /* no driver, so no \\.\KmclBridge: the open fails with NO_SUCH_DEVICE and hands out no session */
    int64_t session = 12345;
    CHECK_STATUS(open_session(&session), KMCLB_STATUS_NO_SUCH_DEVICE);
    CHECK(session == 0);
    CHECK_STATUS(open_session(NULL), KMCLB_STATUS_INVALID_PARAMETER);
    /* the real VMBus has no seed */
    session = 12345;
    CHECK_STATUS(open_seeded(42, &session), KMCLB_STATUS_NOT_SUPPORTED);
    CHECK(session == 0);

    /* a session that was never opened, or a forged one, is rejected, not dereferenced */
    const int64_t forged[] = {0, 1, -1, ((int64_t)1 << 32) | 1, INT64_MAX};
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        int32_t protocol = 0, kmcl_version = 0;
        char driver_version[32];
        CHECK_STATUS(close_session(forged[i]), KMCLB_STATUS_INVALID_HANDLE);
        CHECK_STATUS(query_version(forged[i], &protocol, &kmcl_version, driver_version), KMCLB_STATUS_INVALID_HANDLE);
        CHECK_STATUS(enable(forged[i], 1), KMCLB_STATUS_INVALID_HANDLE);
    }

    /* bad arguments are refused before any session lookup */
    int32_t count = 0, total = 0, bytes = 0, records = 0, needed = 0;
    int64_t ids[1];
    uint8_t guids[32];
    char names[64];
    uint8_t buf[64];
    CHECK_STATUS(list_endpoints(1, ids, guids, names, -1, &count, &total), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(list_endpoints(1, ids, guids, names, 1, NULL, &total), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(receive(1, 1, buf, -1, 0, &bytes, &records, &needed), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(receive(1, 1, NULL, 16, 0, &bytes, &records, &needed), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_STATUS(receive(1, 1, buf, sizeof(buf), 0, NULL, &records, &needed), KMCLB_STATUS_INVALID_PARAMETER);
    /* good arguments on a session that does not exist */
    CHECK_STATUS(receive(1, 1, buf, sizeof(buf), 0, &bytes, &records, &needed), KMCLB_STATUS_INVALID_HANDLE);

    /* the win32 build has no peer */
    CHECK_STATUS(peer_rescind(1, 1), KMCLB_STATUS_NOT_SUPPORTED);

    FreeLibrary(dll);
    if (g_failures > 0) {
        printf("%d of %d checks failed\n", g_failures, g_checks);
        return 1;
    }
    printf("test_win32_shim: %d checks passed (kmclshim.dll under Wine: win32 transport, no driver)\n", g_checks);
    return 0;
}
