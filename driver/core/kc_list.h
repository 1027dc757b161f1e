/* kc_list.h - the one intrusive doubly linked list of the core (packets, sends, channels, parked
 * requests, queued records, endpoints, GPADLs). A node lives inside the object it links; the list
 * ends in NULL at both sides, so a zeroed list is empty and a zeroed node is unlinked (objects come
 * zeroed from kc_platform.alloc, and hosts zero their kc_request). Portable C11 that MSVC accepts:
 * no statement expressions, no typeof. The list never locks: a channel's or the core's lists are used
 * with the core lock held, lists taken off them (kc_list_take_all) by their one owner. */
#ifndef KC_LIST_H
#define KC_LIST_H
#include <stddef.h>

typedef struct kc_list_node {
    struct kc_list_node *prev, *next;
} kc_list_node;

typedef struct kc_list {
    kc_list_node *first, *last;
} kc_list;

/* the object of type that holds node in its field member */
#define KC_CONTAINER_OF(node, type, member) ((type *)(void *)((char *)(node) - offsetof(type, member)))

static inline int kc_list_is_empty(const kc_list *list)
{
    return list->first == NULL;
}

/* whether node is in list (a node is in at most one list at a time through one field) */
static inline int kc_list_is_linked(const kc_list *list, const kc_list_node *node)
{
    return node->prev != NULL || list->first == node;
}

/* links node between prev and next, neighbours in list (NULL at its ends) */
static inline void kc_list_insert_between(kc_list *list, kc_list_node *prev, kc_list_node *next, kc_list_node *node)
{
    node->prev = prev;
    node->next = next;
    if (prev != NULL) {
        prev->next = node;
    } else {
        list->first = node;
    }
    if (next != NULL) {
        next->prev = node;
    } else {
        list->last = node;
    }
}

static inline void kc_list_insert_head(kc_list *list, kc_list_node *node)
{
    kc_list_insert_between(list, NULL, list->first, node);
}

static inline void kc_list_insert_tail(kc_list *list, kc_list_node *node)
{
    kc_list_insert_between(list, list->last, NULL, node);
}

/* takes node (which must be in list) out and leaves it unlinked */
static inline void kc_list_remove(kc_list *list, kc_list_node *node)
{
    if (node->prev != NULL) {
        node->prev->next = node->next;
    } else {
        list->first = node->next;
    }
    if (node->next != NULL) {
        node->next->prev = node->prev;
    } else {
        list->last = node->prev;
    }
    node->prev = node->next = NULL;
}

/* the first node, taken out; NULL when the list is empty */
static inline kc_list_node *kc_list_pop_head(kc_list *list)
{
    kc_list_node *node = list->first;
    if (node != NULL) {
        kc_list_remove(list, node);
    }
    return node;
}

/* every node moves to the returned list; list is left empty */
static inline kc_list kc_list_take_all(kc_list *list)
{
    kc_list all = *list;
    list->first = list->last = NULL;
    return all;
}

#endif
