/* system_mappings.c - the fake's stand-in for the system-address mappings the KMDF glue makes of
 * the MDLs KMCL returns (external data of incoming packets, server GPADL mappings). The fake's
 * memory needs no mapping, but it hands out one token per mapping and counts the tokens not given
 * back, so the tests see that the core ends every mapping it was given, on every path (the glue
 * unmaps with MmUnmapLockedPages; KMCL itself never does). */
#include <stdlib.h>
#include "fakekmcl_internal.h"

typedef struct fake_system_mapping {
    fk_world *world;
} fake_system_mapping;

kc_status fake_map_system_address(fk_world *world, void **mapping)
{
    fake_system_mapping *m = (fake_system_mapping *)malloc(sizeof(*m));
    *mapping = NULL;
    if (m == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES; /* as the glue when no system PTEs are left */
    }
    m->world = world;
    world->system_mappings++;
    *mapping = m;
    return KMCLB_STATUS_SUCCESS;
}

void fake_unmap_system_address(void *mapping)
{
    fake_system_mapping *m = (fake_system_mapping *)mapping;
    fk_world *world = m->world;
    fake_lock(world);
    world->system_mappings--;
    fake_unlock(world);
    free(m);
}

uint64_t fk_system_mappings(fk_world *world)
{
    fake_lock(world);
    uint64_t mappings = world->system_mappings;
    fake_unlock(world);
    return mappings;
}
