/* kc_endpoints.c - endpoints: the devices (filter instances / KMCL providers) whose KMCL table
 * channels are allocated on, and their removal. */
#include <string.h>
#include "kc_internal.h"

kc_status kc_endpoint_add(kc_core *c, const kc_kmcl_ops *ops, void *device, const kc_guid *type,
                          const kc_guid *instance, const char *name, uint64_t *out_id)
{
    *out_id = 0;
    if (ops == NULL || type == NULL || instance == NULL) {
        return KMCLB_STATUS_INVALID_PARAMETER;
    }
    kc_endpoint *e = (kc_endpoint *)kc_alloc(c, sizeof(kc_endpoint));
    if (e == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(e, 0, sizeof(*e));
    e->ops = ops;
    e->device = device;
    e->type = *type;
    e->instance = *instance;
    if (name != NULL) {
        size_t n = strlen(name);
        if (n >= sizeof(e->name)) {
            n = sizeof(e->name) - 1;
        }
        memcpy(e->name, name, n);
    }
    kc_lock(c);
    e->id = c->next_endpoint++;
    kc_endpoint **pp = &c->endpoints;
    while (*pp != NULL) {
        pp = &(*pp)->next;
    }
    *pp = e;
    c->endpoint_count++;
    *out_id = e->id;
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

const kc_endpoint *kc_endpoint_find(kc_core *c, uint64_t id)
{
    for (const kc_endpoint *e = c->endpoints; e != NULL; e = e->next) {
        if (e->id == id) {
            return e;
        }
    }
    return NULL;
}

kc_status kc_endpoint_remove(kc_core *c, uint64_t id)
{
    kc_lock(c);
    for (kc_endpoint **pp = &c->endpoints; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            kc_endpoint *e = *pp;
            *pp = e->next;
            c->endpoint_count--;
            kc_unlock(c);
            kc_free(c, e);
            return KMCLB_STATUS_SUCCESS;
        }
    }
    kc_unlock(c);
    return KMCLB_STATUS_NOT_FOUND;
}

kc_status kc_endpoint_teardown(kc_core *c, uint64_t id)
{
    for (;;) {
        kc_lock(c);
        kc_channel *ch = c->all_channels;
        while (ch != NULL && (ch->endpoint != id || ch->tearing_down)) {
            ch = ch->all_next;
        }
        int busy = 0;
        for (kc_channel *x = c->all_channels; x != NULL; x = x->all_next) {
            busy |= x->endpoint == id;
        }
        if (ch != NULL) {
            ch->tearing_down = 1;
        }
        kc_unlock(c);
        if (ch != NULL) {
            kc_channel_teardown(ch, 1);
        } else if (busy) {
            c->p->sleep_ms(c->p->ctx, 1); /* another thread is tearing one down */
        } else {
            break;
        }
    }
    return kc_endpoint_remove(c, id);
}
