/* kc_gpadls.c - GPADLs: buffers we share with the peer (created from core memory, client side) and
 * guest GPADLs our server maps; reads and writes of either; their release at teardown. */
#include <string.h>
#include "kc_internal.h"

/* records a GPADL on its channel (takes the lock) */
static void track_gpadl(kc_channel *ch, kc_gpadl *g, uint32_t handle, void *buf, uint32_t size, void *mapping,
                        int ours)
{
    g->handle = handle;
    g->buf = buf;
    g->size = size;
    g->mapping = mapping;
    g->ours = ours;
    kc_lock(ch->core);
    kc_list_insert_head(&ch->gpadls, &g->link);
    kc_unlock(ch->core);
}

/* lock held: the channel's GPADL of the given kind, or NULL */
static kc_gpadl *find_gpadl(kc_channel *ch, uint32_t handle, int ours)
{
    for (kc_list_node *n = ch->gpadls.first; n != NULL; n = n->next) {
        kc_gpadl *g = KC_CONTAINER_OF(n, kc_gpadl, link);
        if (g->handle == handle && g->ours == ours) {
            return g;
        }
    }
    return NULL;
}

/* takes a GPADL of the given kind off its channel (takes the lock); NULL when there is none */
static kc_gpadl *untrack_gpadl(kc_channel *ch, uint32_t handle, int ours)
{
    kc_lock(ch->core);
    kc_gpadl *found = find_gpadl(ch, handle, ours);
    if (found != NULL) {
        kc_list_remove(&ch->gpadls, &found->link);
    }
    kc_unlock(ch->core);
    return found;
}

/* gives a GPADL back to KMCL (delete blocks while the server has it mapped) and frees it */
static void release_gpadl(kc_channel *ch, kc_gpadl *g)
{
    if (g->ours) {
        ch->ops->delete_gpadl(ch->kch, g->handle);
        kc_free_host_visible(ch->core, g->buf, g->size);
    } else {
        if (g->mapping != NULL) {
            ch->ops->unmap_system_address(g->mapping); /* before KMCL takes the MDL back */
        }
        ch->ops->unmap_gpadl(ch->kch, g->handle);
    }
    kc_free(ch->core, g);
}

/* The buffer is host-visible pages of its own: the host sees every byte of them. */
kc_status kc_op_gpadl_create(kc_channel *ch, uint32_t size, uint32_t flags, uint32_t *handle)
{
    kc_core *c = ch->core;
    kc_gpadl *g = (kc_gpadl *)kc_alloc(c, sizeof(kc_gpadl));
    void *buf = kc_alloc_host_visible(c, size);
    if (g == NULL || buf == NULL) {
        kc_free(c, g);
        kc_free_host_visible(c, buf, size);
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(g, 0, sizeof(*g));
    kc_status st = ch->ops->create_gpadl_from_buffer(ch->kch, flags, buf, size, handle);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        kc_free_host_visible(c, buf, size);
        return st;
    }
    track_gpadl(ch, g, *handle, buf, size, NULL, 1);
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
    void *mapping = NULL;
    uint32_t size = 0;
    kc_status st = ch->ops->map_gpadl(ch->kch, flags, handle, &addr, &size, &mapping);
    if (!KC_SUCCESS(st)) {
        kc_free(c, g);
        return st;
    }
    track_gpadl(ch, g, handle, addr, size, mapping, 0);
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
    kc_gpadl *g = find_gpadl(ch, handle, !mapped);
    if (g != NULL && offset <= g->size && (uint64_t)len <= (uint64_t)g->size - offset) {
        if (len > 0) {
            if (write) {
                memcpy((uint8_t *)g->buf + offset, data, len);
            } else {
                memcpy(data, (uint8_t *)g->buf + offset, len);
            }
        }
        st = KMCLB_STATUS_SUCCESS;
    }
    kc_unlock(c);
    return st;
}

kc_list kc_gpadls_take_mapped(kc_channel *ch)
{
    kc_list maps = {NULL, NULL};
    for (kc_list_node *n = ch->gpadls.first; n != NULL;) {
        kc_gpadl *g = KC_CONTAINER_OF(n, kc_gpadl, link);
        n = n->next; /* g may move to maps below */
        if (!g->ours) {
            kc_list_remove(&ch->gpadls, &g->link);
            kc_list_insert_head(&maps, &g->link); /* released newest first */
        }
    }
    return maps;
}

void kc_gpadls_release(kc_channel *ch, kc_list *list)
{
    kc_list_node *n;
    while ((n = kc_list_pop_head(list)) != NULL) {
        release_gpadl(ch, KC_CONTAINER_OF(n, kc_gpadl, link));
    }
}
