/* kc_gpadls.c - GPADLs: buffers we share with the peer (created from core memory, client side) and
 * guest GPADLs our server maps; reads and writes of either; their release at teardown. */
#include <string.h>
#include "kc_internal.h"

/* records a GPADL on its channel (takes the lock) */
static void track_gpadl(kc_channel *ch, kc_gpadl *g, uint32_t handle, void *buf, uint32_t size, int ours)
{
    g->handle = handle;
    g->buf = buf;
    g->size = size;
    g->ours = ours;
    kc_lock(ch->core);
    g->next = ch->gpadls;
    ch->gpadls = g;
    kc_unlock(ch->core);
}

/* takes a GPADL of the given kind off its channel (takes the lock); NULL when there is none */
static kc_gpadl *untrack_gpadl(kc_channel *ch, uint32_t handle, int ours)
{
    kc_gpadl *found = NULL;
    kc_lock(ch->core);
    for (kc_gpadl **pp = &ch->gpadls; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->handle == handle && (*pp)->ours == ours) {
            found = *pp;
            *pp = found->next;
            break;
        }
    }
    kc_unlock(ch->core);
    return found;
}

/* gives a GPADL back to KMCL (delete blocks while the server has it mapped) and frees it */
static void release_gpadl(kc_channel *ch, kc_gpadl *g)
{
    if (g->ours) {
        ch->ops->delete_gpadl(ch->kch, g->handle);
        kc_free(ch->core, g->buf);
    } else {
        ch->ops->unmap_gpadl(ch->kch, g->handle);
    }
    kc_free(ch->core, g);
}

kc_status kc_op_gpadl_create(kc_channel *ch, uint32_t size, uint32_t flags, uint32_t *handle)
{
    kc_core *c = ch->core;
    kc_gpadl *g = (kc_gpadl *)kc_alloc(c, sizeof(kc_gpadl));
    void *buf = kc_alloc(c, size);
    if (g == NULL || buf == NULL) {
        kc_free(c, g);
        kc_free(c, buf);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(g, 0, sizeof(*g));
    memset(buf, 0, size);
    kc_status st = ch->ops->create_gpadl_from_buffer(ch->kch, flags, buf, size, handle);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        kc_free(c, buf);
        return st;
    }
    track_gpadl(ch, g, *handle, buf, size, 1);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_gpadl_map(kc_channel *ch, uint32_t handle, uint32_t flags)
{
    kc_core *c = ch->core;
    kc_gpadl *g = (kc_gpadl *)kc_alloc(c, sizeof(kc_gpadl));
    if (g == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(g, 0, sizeof(*g));
    void *addr = NULL;
    uint32_t size = 0;
    kc_status st = ch->ops->map_gpadl(ch->kch, flags, handle, &addr, &size);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        return st;
    }
    track_gpadl(ch, g, handle, addr, size, 0);
    return KMCLB_STATUS_SUCCESS;
}

/* ours: a GPADL we created (deleted); else a server mapping (unmapped) */
static kc_status release_tracked(kc_channel *ch, uint32_t handle, int ours)
{
    kc_gpadl *g = untrack_gpadl(ch, handle, ours);
    if (g == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    release_gpadl(ch, g);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_op_gpadl_delete(kc_channel *ch, uint32_t handle)
{
    return release_tracked(ch, handle, 1);
}

kc_status kc_op_gpadl_unmap(kc_channel *ch, uint32_t handle)
{
    return release_tracked(ch, handle, 0);
}

/* Copies under the core lock so a concurrent delete cannot free the memory mid-copy. */
kc_status kc_op_gpadl_access(kc_channel *ch, uint32_t handle, int mapped, uint64_t offset, void *data, uint32_t len,
                             int write)
{
    kc_core *c = ch->core;
    kc_status st = KMCLB_STATUS_INVALID_PARAMETER;
    kc_lock(c);
    for (kc_gpadl *g = ch->gpadls; g != NULL; g = g->next) {
        if (g->handle == handle && g->ours == !mapped) {
            if (offset > g->size || (uint64_t)len > (uint64_t)g->size - offset) {
                st = KMCLB_STATUS_INVALID_PARAMETER;
            } else {
                if (len > 0) {
                    if (write) {
                        memcpy((uint8_t *)g->buf + offset, data, len);
                    } else {
                        memcpy(data, (uint8_t *)g->buf + offset, len);
                    }
                }
                st = KMCLB_STATUS_SUCCESS;
            }
            break;
        }
    }
    kc_unlock(c);
    return st;
}

kc_gpadl *kc_gpadls_take_mapped(kc_channel *ch)
{
    kc_gpadl *maps = NULL;
    for (kc_gpadl **pp = &ch->gpadls; *pp != NULL;) {
        if (!(*pp)->ours) {
            kc_gpadl *g = *pp;
            *pp = g->next;
            g->next = maps;
            maps = g;
        } else {
            pp = &(*pp)->next;
        }
    }
    return maps;
}

void kc_gpadls_release(kc_channel *ch, kc_gpadl *list)
{
    while (list != NULL) {
        kc_gpadl *next = list->next;
        release_gpadl(ch, list);
        list = next;
    }
}
