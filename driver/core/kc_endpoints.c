/* kc_endpoints.c - endpoints: the devices (bound VMBus devices / KMCL providers) whose KMCL table
 * channels are allocated on, how many channels each admits, and their removal. */
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
    kc_list_insert_tail(&c->endpoints, &e->link);
    c->endpoint_count++;
    *out_id = e->id;
    kc_unlock(c);
    return KMCLB_STATUS_SUCCESS;
}

/* lock held */
static kc_endpoint *find_endpoint(kc_core *c, uint64_t id)
{
    for (kc_list_node *n = c->endpoints.first; n != NULL; n = n->next) {
        kc_endpoint *e = KC_CONTAINER_OF(n, kc_endpoint, link);
        if (e->id == id) {
            return e;
        }
    }
    return NULL;
}

const kc_endpoint *kc_endpoint_find(kc_core *c, uint64_t id)
{
    return find_endpoint(c, id);
}

kc_status kc_endpoint_set_single_channel(kc_core *c, uint64_t id, int single)
{
    kc_lock(c);
    kc_endpoint *e = find_endpoint(c, id);
    if (e != NULL) {
        e->single_channel = single != 0;
    }
    kc_unlock(c);
    return e != NULL ? KMCLB_STATUS_SUCCESS : KMCLB_STATUS_NOT_FOUND;
}

kc_status kc_endpoint_claim_channel(kc_core *c, kc_channel *ch)
{
    kc_endpoint *e = find_endpoint(c, ch->endpoint);
    if (e == NULL) {
        return KMCLB_STATUS_NO_SUCH_DEVICE;
    }
    if (e->single_channel && e->channels > 0) {
        return KMCLB_STATUS_CHANNEL_ALREADY_OPEN;
    }
    e->channels++;
    ch->holds_endpoint = 1;
    return KMCLB_STATUS_SUCCESS;
}

void kc_endpoint_release_channel(kc_core *c, kc_channel *ch)
{
    if (!ch->holds_endpoint) {
        return;
    }
    ch->holds_endpoint = 0;
    kc_endpoint *e = find_endpoint(c, ch->endpoint);
    if (e != NULL && e->channels > 0) {
        e->channels--;
    }
}

kc_status kc_endpoint_remove(kc_core *c, uint64_t id)
{
    kc_lock(c);
    kc_endpoint *e = find_endpoint(c, id);
    if (e != NULL) {
        kc_list_remove(&c->endpoints, &e->link);
        c->endpoint_count--;
    }
    kc_unlock(c);
    if (e == NULL) {
        return KMCLB_STATUS_NOT_FOUND;
    }
    kc_free(c, e);
    return KMCLB_STATUS_SUCCESS;
}

kc_status kc_endpoint_teardown(kc_core *c, uint64_t id)
{
    for (;;) {
        kc_lock(c);
        kc_channel *ch = NULL;
        int busy = 0;
        for (kc_list_node *n = c->all_channels.first; n != NULL; n = n->next) {
            kc_channel *x = KC_CONTAINER_OF(n, kc_channel, core_link);
            if (x->endpoint == id) {
                busy = 1;
                if (ch == NULL && !x->tearing_down) {
                    ch = x;
                }
            }
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
