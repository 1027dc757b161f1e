/* peer_none.c - the win32 build has no peer (it talks to real Hyper-V): every function of
 * KMCLSHIM_PEER_FUNCTIONS returns STATUS_NOT_SUPPORTED. The stubs ignore their parameters. */
#include "kmclshim.h"
#include "kmclbridge_status.h"

#if defined(_MSC_VER)
#pragma warning(disable : 4100) /* unreferenced parameter: a stub uses none */
#endif

#define KMCLSHIM_PEER_NOT_SUPPORTED(name, parameters, arguments) \
    int32_t name parameters                                      \
    {                                                            \
        return KMCLB_STATUS_NOT_SUPPORTED;                       \
    }
KMCLSHIM_PEER_FUNCTIONS(KMCLSHIM_PEER_NOT_SUPPORTED)
