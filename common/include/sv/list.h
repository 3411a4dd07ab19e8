/*
 * Intrusive circular doubly linked list, in the Linux style: a struct
 * sv_list_node is embedded in each element and sv_list_entry() gets back to
 * the element. An empty list is a head pointing at itself. No allocation.
 */
#ifndef SV_LIST_H
#define SV_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"

struct sv_list_node {
	struct sv_list_node *next, *prev;
};

#define SV_LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void sv_list_init(struct sv_list_node *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool sv_list_empty(const struct sv_list_node *head)
{
	return head->next == head;
}

static inline void sv_list_insert_between_(struct sv_list_node *n,
					   struct sv_list_node *prev,
					   struct sv_list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Insert n right after head (stack order). */
static inline void sv_list_add(struct sv_list_node *head, struct sv_list_node *n)
{
	sv_list_insert_between_(n, head, head->next);
}

/* Insert n right before head, i.e. at the tail (queue order). */
static inline void sv_list_add_tail(struct sv_list_node *head,
				    struct sv_list_node *n)
{
	sv_list_insert_between_(n, head->prev, head);
}

/* Unlink n; it then points at itself, so a second remove is harmless. */
static inline void sv_list_remove(struct sv_list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	sv_list_init(n);
}

/* First node of the list, or NULL when empty. */
static inline struct sv_list_node *sv_list_first(const struct sv_list_node *head)
{
	return sv_list_empty(head) ? NULL : head->next;
}

static inline size_t sv_list_count(const struct sv_list_node *head)
{
	size_t n = 0;

	for (const struct sv_list_node *p = head->next; p != head; p = p->next)
		n++;
	return n;
}

#define sv_list_entry(node, type, member) sv_container_of(node, type, member)

/* Iterate over nodes; safe against removing the current node. */
#define sv_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#define sv_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif /* SV_LIST_H */
