/* kc_handles.h - the handle table: 64-bit ids = generation (high 32) | type (8) | slot (24),
 * bound to the session that created them. The only mutable table state of the core. Not locked
 * itself: callers hold the core lock. */
#ifndef KC_HANDLES_H
#define KC_HANDLES_H
#include <stdint.h>
#include "kc_platform.h"

#define KC_HT_CHANNEL 1u
#define KC_HT_PACKET 2u
#define KC_HT_MAX_SLOTS (1u << 24)

typedef struct kc_ht_slot {
    uint32_t gen;       /* last generation issued (0 = never) */
    uint8_t state;      /* KC_HS_* */
    uint8_t type;
    uint16_t pad;
    uint32_t next_free; /* free-list link (FIFO, so retired ids stay recognisable for long) */
    void *obj;
    uint64_t owner; /* session serial number (never reused, unlike addresses) */
} kc_ht_slot;

#define KC_HS_FREE 0
#define KC_HS_LIVE 1
#define KC_HS_RETIRED 2

typedef struct kc_handle_table {
    kc_ht_slot *slots;
    uint32_t capacity;
    uint32_t free_head;
    uint32_t free_tail;
    uint32_t live;
} kc_handle_table;

kc_status kc_ht_init(kc_handle_table *t, const kc_platform *p, uint32_t capacity);
void kc_ht_destroy(kc_handle_table *t, const kc_platform *p);
kc_status kc_ht_alloc(kc_handle_table *t, uint8_t type, void *obj, uint64_t owner, uint64_t *out_id);
/* Returns SUCCESS and the object, or INVALID_HANDLE (forged: wrong type, out of range, never
 * issued), STALE_ID (freed), PACKET_RETIRED (retired packet), FOREIGN_ID (other owner). */
kc_status kc_ht_lookup(const kc_handle_table *t, uint64_t id, uint8_t type, uint64_t owner, void **obj);
/* Frees a live id. retire != 0 keeps it recognisable as retired until the slot is reused. */
void kc_ht_free(kc_handle_table *t, uint64_t id, int retire);

#endif
