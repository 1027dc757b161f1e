/* gpadl.c - shared memory (GPADLs): ours (client side, created from our buffer, which the peer
 * may map) and the peer's (guest side of our server channel, which we map), B132..B144. */
#include <stdlib.h>
#include <string.h>
#include "fakekmcl_internal.h"

/* lock held: a new GPADL of the channel; NULL when out of memory */
static fake_gpadl *add_gpadl(fake_channel *channel, int ours, int read_only, uint8_t *buffer, uint32_t size)
{
    fake_gpadl *gpadl = (fake_gpadl *)calloc(1, sizeof(fake_gpadl));
    if (gpadl == NULL) {
        return NULL;
    }
    gpadl->handle = ++channel->world->next_gpadl;
    gpadl->ours = ours;
    gpadl->read_only = read_only != 0;
    gpadl->buffer = buffer;
    gpadl->size = size;
    gpadl->next = channel->gpadls;
    channel->gpadls = gpadl;
    return gpadl;
}

/* lock held */
static fake_gpadl *find_gpadl(fake_channel *channel, uint32_t handle, int ours)
{
    for (fake_gpadl *gpadl = channel->gpadls; gpadl != NULL; gpadl = gpadl->next) {
        if (gpadl->handle == handle && gpadl->ours == ours) {
            return gpadl;
        }
    }
    return NULL;
}

/* lock held: the peer's mapping of one of our GPADLs, in any channel */
static fake_gpadl *find_mapping(fk_world *world, uint64_t mapping)
{
    for (fake_channel *channel = world->channels; channel != NULL; channel = channel->next) {
        for (fake_gpadl *gpadl = channel->gpadls; gpadl != NULL; gpadl = gpadl->next) {
            if (gpadl->ours && gpadl->mapped && gpadl->mapping_id == mapping) {
                return gpadl;
            }
        }
    }
    return NULL;
}

/* lock held: reads or writes bytes of a GPADL's memory */
static kc_status copy_gpadl_bytes(fake_gpadl *gpadl, uint32_t offset, void *buffer, uint32_t length, int write)
{
    if (gpadl == NULL) {
        return KMCLB_STATUS_NOT_FOUND;
    }
    if ((uint64_t)offset + length > gpadl->size) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    if (length > 0) {
        if (write) {
            memcpy(gpadl->buffer + offset, buffer, length);
        } else {
            memcpy(buffer, gpadl->buffer + offset, length);
        }
    }
    return KMCLB_STATUS_SUCCESS;
}

void fake_free_gpadls(fake_channel *channel)
{
    while (channel->gpadls != NULL) {
        fake_gpadl *gpadl = channel->gpadls;
        channel->gpadls = gpadl->next;
        if (!gpadl->ours) {
            free(gpadl->buffer); /* the peer's memory was the fake's own */
        }
        free(gpadl);
    }
}

kc_status fake_create_gpadl_from_buffer(kc_vmbchannel handle, uint32_t flags, void *buffer, uint32_t size,
                                        uint32_t *out_handle)
{
    fake_channel *channel = fake_channel_of(handle);
    *out_handle = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if ((flags & ~1u) != 0 || buffer == NULL || size == 0) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    kc_status status = KMCLB_STATUS_SUCCESS;
    fake_gpadl *gpadl = NULL;
    if (channel->server) {
        status = KMCLB_STATUS_INVALID_DEVICE_REQUEST; /* Q17: the guest (client side) creates GPADLs */
    } else if (!fake_page_aligned(buffer)) {
        /* a GPADL describes whole pages: the host would see the first page from its start, other
         * bytes than the buffer's; the fake refuses and counts a contract violation */
        fake_violation(world);
        status = KMCLB_STATUS_INVALID_PARAMETER;
    } else if (channel->connection != CONNECTION_OPEN) {
        status = KMCLB_STATUS_INVALID_DEVICE_STATE; /* Q17, B135: no peer to acknowledge it */
    } else if ((gpadl = add_gpadl(channel, 1, (flags & 1u) != 0, (uint8_t *)buffer, size)) == NULL) {
        status = KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    } else {
        *out_handle = gpadl->handle;
    }
    fake_unlock(world);
    return status;
}

void fake_delete_gpadl(kc_vmbchannel handle, uint32_t gpadl_handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    fake_gpadl *gpadl = find_gpadl(channel, gpadl_handle, 1);
    if (gpadl == NULL) {
        fake_violation(world);
        fake_unlock(world);
        return;
    }
    while (gpadl->mapped) {
        fake_wait(world); /* B142: blocks until the server unmaps */
    }
    for (fake_gpadl **link = &channel->gpadls; *link != NULL; link = &(*link)->next) {
        if (*link == gpadl) {
            *link = gpadl->next;
            break;
        }
    }
    free(gpadl);
    fake_unlock(world);
}

kc_status fake_map_gpadl(kc_vmbchannel handle, uint32_t flags, uint32_t gpadl_handle, void **address, uint32_t *size,
                         void **mapping)
{
    fake_channel *channel = fake_channel_of(handle);
    *address = NULL;
    *size = 0;
    *mapping = NULL;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER_1;
    }
    if (!channel->server) {
        return KMCLB_STATUS_INVALID_DEVICE_REQUEST; /* Q17: a server-only method */
    }
    if ((flags & ~1u) != 0) {
        return KMCLB_STATUS_INVALID_PARAMETER; /* Q17 */
    }
    fk_world *world = channel->world;
    fake_lock(world);
    fake_gpadl *gpadl = find_gpadl(channel, gpadl_handle, 0);
    kc_status status = KMCLB_STATUS_SUCCESS;
    if (gpadl == NULL) {
        status = KMCLB_STATUS_INVALID_PARAMETER; /* Q17: unknown handle */
    } else if (gpadl->read_only && (flags & 1u) == 0) {
        status = KMCLB_STATUS_ACCESS_DENIED; /* B138 */
    } else if (gpadl->mapped) {
        status = KMCLB_STATUS_INVALID_DEVICE_STATE; /* B140 */
    } else if ((status = fake_map_system_address(world, mapping)) == KMCLB_STATUS_SUCCESS) {
        gpadl->mapped = 1; /* B139: read-only mapping does not prevent writes */
        *address = gpadl->buffer;
        *size = gpadl->size;
    }
    fake_unlock(world);
    return status;
}

void fake_unmap_gpadl(kc_vmbchannel handle, uint32_t gpadl_handle)
{
    fake_channel *channel = fake_channel_of(handle);
    if (channel == NULL) {
        return;
    }
    fake_lock(channel->world);
    fake_gpadl *gpadl = find_gpadl(channel, gpadl_handle, 0);
    if (gpadl == NULL || !gpadl->mapped) {
        fake_violation(channel->world);
    } else {
        gpadl->mapped = 0; /* B141 */
    }
    fake_unlock(channel->world);
}

kc_status fk_peer_map_gpadl(kc_vmbchannel ch, uint32_t handle, int read_only, uint64_t *out_mapping)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_mapping = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    fake_gpadl *gpadl = find_gpadl(channel, handle, 1);
    kc_status status = KMCLB_STATUS_SUCCESS;
    if (gpadl == NULL) {
        status = KMCLB_STATUS_NOT_FOUND;
    } else if (channel->connection != CONNECTION_OPEN) {
        status = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else if (gpadl->read_only && !read_only) {
        status = KMCLB_STATUS_ACCESS_DENIED;
    } else if (gpadl->mapped) {
        status = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else {
        gpadl->mapped = 1;
        gpadl->mapping_id = ++world->next_mapping;
        *out_mapping = gpadl->mapping_id;
    }
    fake_unlock(world);
    return status;
}

kc_status fk_mapping_read(fk_world *world, uint64_t mapping, uint32_t offset, void *buf, uint32_t len)
{
    fake_lock(world);
    kc_status status = copy_gpadl_bytes(find_mapping(world, mapping), offset, buf, len, 0);
    fake_unlock(world);
    return status;
}

kc_status fk_mapping_write(fk_world *world, uint64_t mapping, uint32_t offset, const void *buf, uint32_t len)
{
    fake_lock(world);
    kc_status status = copy_gpadl_bytes(find_mapping(world, mapping), offset, (void *)(uintptr_t)buf, len, 1);
    fake_unlock(world);
    return status;
}

kc_status fk_mapping_close(fk_world *world, uint64_t mapping)
{
    fake_lock(world);
    fake_gpadl *gpadl = find_mapping(world, mapping);
    if (gpadl != NULL) {
        gpadl->mapped = 0;
        fake_wake(world); /* a DeleteGpadl may wait for this (B142) */
    }
    fake_unlock(world);
    return gpadl ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_NOT_FOUND;
}

kc_status fk_peer_create_gpadl(kc_vmbchannel ch, uint32_t size, int read_only, uint32_t *out_handle)
{
    fake_channel *channel = fake_channel_of(ch);
    *out_handle = 0;
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    if (size == 0 || size > KMCLB_MAX_GPADL_SIZE) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    fk_world *world = channel->world;
    fake_lock(world);
    kc_status status = KMCLB_STATUS_SUCCESS;
    uint8_t *buffer = NULL;
    fake_gpadl *gpadl = NULL;
    if (!channel->server || channel->connection != CONNECTION_OPEN) {
        status = KMCLB_STATUS_INVALID_DEVICE_STATE;
    } else if ((buffer = (uint8_t *)calloc(1, size)) == NULL ||
               (gpadl = add_gpadl(channel, 0, read_only, buffer, size)) == NULL) {
        free(buffer);
        status = KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    } else {
        *out_handle = gpadl->handle;
    }
    fake_unlock(world);
    return status;
}

/* the peer reads or writes its own GPADL of our server channel */
static kc_status peer_copy_gpadl_bytes(kc_vmbchannel ch, uint32_t handle, uint32_t offset, void *buffer,
                                       uint32_t length, int write)
{
    fake_channel *channel = fake_channel_of(ch);
    if (channel == NULL) {
        return KMCLB_STATUS_INVALID_HANDLE;
    }
    fake_lock(channel->world);
    kc_status status = copy_gpadl_bytes(find_gpadl(channel, handle, 0), offset, buffer, length, write);
    fake_unlock(channel->world);
    return status;
}

kc_status fk_peer_read_gpadl(kc_vmbchannel ch, uint32_t handle, uint32_t offset, void *buf, uint32_t len)
{
    return peer_copy_gpadl_bytes(ch, handle, offset, buf, len, 0);
}

kc_status fk_peer_write_gpadl(kc_vmbchannel ch, uint32_t handle, uint32_t offset, const void *buf, uint32_t len)
{
    return peer_copy_gpadl_bytes(ch, handle, offset, (void *)(uintptr_t)buf, len, 1);
}
