/* Handle table: ids = generation | type | slot, bound to an owner. */
#include <stdlib.h>
#include "test_host.h"
#include "kc_handles.h"

static void *a(void *c, size_t n)
{
    (void)c;
    return calloc(1, n);
}
static void f(void *c, void *p)
{
    (void)c;
    free(p);
}

int main(void)
{
    kc_platform p;
    memset(&p, 0, sizeof(p));
    p.alloc = a;
    p.free = f;
    kc_handle_table t;
    uint64_t owner1 = 1, owner2 = 2;
    int obj;
    void *o;
    CHECK_ST(kc_ht_init(&t, &p, 0), KMCLB_STATUS_INVALID_PARAMETER);
    CHECK_ST(kc_ht_init(&t, &p, 4), 0);

    uint64_t id;
    CHECK_ST(kc_ht_alloc(&t, KC_HT_CHANNEL, &obj, owner1, &id), 0);
    CHECK((id >> 32) != 0);
    CHECK_ST(kc_ht_lookup(&t, id, KC_HT_CHANNEL, owner1, &o), 0);
    CHECK(o == &obj);
    /* forged: wrong type, generation 0, slot out of range, generation from the future */
    CHECK_ST(kc_ht_lookup(&t, id, KC_HT_PACKET, owner1, &o), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(kc_ht_lookup(&t, id & 0xFFFFFFFFu, KC_HT_CHANNEL, owner1, &o), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(kc_ht_lookup(&t, (id & ~0xFFFFFFull) | 1000u, KC_HT_CHANNEL, owner1, &o), KMCLB_STATUS_INVALID_HANDLE);
    CHECK_ST(kc_ht_lookup(&t, id + (1ull << 32), KC_HT_CHANNEL, owner1, &o), KMCLB_STATUS_INVALID_HANDLE);
    CHECK(o == NULL);
    /* foreign */
    CHECK_ST(kc_ht_lookup(&t, id, KC_HT_CHANNEL, owner2, &o), KMCLB_STATUS_FOREIGN_ID);
    /* stale after free */
    kc_ht_free(&t, id, 0);
    CHECK_ST(kc_ht_lookup(&t, id, KC_HT_CHANNEL, owner1, &o), KMCLB_STATUS_STALE_ID);
    CHECK(t.live == 0);
    /* retired packet ids are recognised until the slot is reused (FIFO reuse) */
    uint64_t pk;
    CHECK_ST(kc_ht_alloc(&t, KC_HT_PACKET, &obj, owner1, &pk), 0);
    CHECK((pk & 0xFFFFFF) != (id & 0xFFFFFF)); /* FIFO: the freed slot is not reused first */
    kc_ht_free(&t, pk, 1);
    CHECK_ST(kc_ht_lookup(&t, pk, KC_HT_PACKET, owner1, &o), KMCLB_STATUS_PACKET_RETIRED);
    CHECK_ST(kc_ht_lookup(&t, pk, KC_HT_PACKET, owner2, &o), KMCLB_STATUS_FOREIGN_ID);
    /* exhaustion, then reuse makes old ids stale */
    uint64_t ids[4];
    for (int i = 0; i < 4; i++) {
        CHECK_ST(kc_ht_alloc(&t, KC_HT_CHANNEL, &obj, owner1, &ids[i]), 0);
    }
    uint64_t extra;
    CHECK_ST(kc_ht_alloc(&t, KC_HT_CHANNEL, &obj, owner1, &extra), KMCLB_STATUS_INSUFFICIENT_RESOURCES);
    CHECK(extra == 0);
    CHECK_ST(kc_ht_lookup(&t, id, KC_HT_CHANNEL, owner1, &o), KMCLB_STATUS_STALE_ID);
    CHECK_ST(kc_ht_lookup(&t, pk, KC_HT_PACKET, owner1, &o), KMCLB_STATUS_STALE_ID);
    for (int i = 0; i < 4; i++) {
        kc_ht_free(&t, ids[i], 0);
        kc_ht_free(&t, ids[i], 0); /* double free is ignored */
    }
    CHECK(t.live == 0);
    kc_ht_destroy(&t, &p);
    TEST_MAIN_END();
}
