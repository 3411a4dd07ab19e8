/*
 * Tests for the inline intrusive list of sv/list.h: insertion order at both
 * ends, removal (twice, harmlessly), emptiness and counts, removal while
 * iterating, and getting from a node back to its element.
 */
#include "sv/list.h"
#include "sv_test.h"

struct item {
	int value;
	struct sv_list_node node;	/* deliberately not the first member */
	char tag;
};

/* The values of the list, front to back, into out; returns how many. */
static size_t collect(struct sv_list_node *head, int *out, size_t max)
{
	struct sv_list_node *pos;
	size_t n = 0;

	sv_list_for_each(pos, head) {
		if (n < max)
			out[n] = sv_list_entry(pos, struct item, node)->value;
		n++;
	}
	return n;
}

/* Walk backwards too: the prev links must mirror the next links. */
static bool links_consistent(const struct sv_list_node *head)
{
	const struct sv_list_node *p = head;

	do {
		if (p->next->prev != p || p->prev->next != p)
			return false;
		p = p->next;
	} while (p != head);
	return true;
}

static void init_items(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		items[i].value = (int)i;
		items[i].tag = (char)('a' + i);
		sv_list_init(&items[i].node);
	}
}

static void test_empty(void)
{
	struct sv_list_node head = SV_LIST_HEAD_INIT(head);
	struct sv_list_node head2;

	SV_CHECK(sv_list_empty(&head));
	SV_CHECK_EQ_U64(sv_list_count(&head), 0);
	SV_CHECK(sv_list_first(&head) == NULL);
	SV_CHECK(links_consistent(&head));

	sv_list_init(&head2);
	SV_CHECK(sv_list_empty(&head2));
	SV_CHECK(head2.next == &head2 && head2.prev == &head2);
}

static void test_add_order(void)
{
	struct sv_list_node stack, queue;
	struct item a[4], b[4];
	int got[8];

	sv_list_init(&stack);
	sv_list_init(&queue);
	init_items(a, 4);
	init_items(b, 4);
	for (int i = 0; i < 4; i++) {
		sv_list_add(&stack, &a[i].node);
		sv_list_add_tail(&queue, &b[i].node);
	}

	SV_CHECK_EQ_U64(collect(&stack, got, 8), 4);
	SV_CHECK_EQ_I64(got[0], 3);
	SV_CHECK_EQ_I64(got[1], 2);
	SV_CHECK_EQ_I64(got[2], 1);
	SV_CHECK_EQ_I64(got[3], 0);
	SV_CHECK(links_consistent(&stack));

	SV_CHECK_EQ_U64(collect(&queue, got, 8), 4);
	SV_CHECK_EQ_I64(got[0], 0);
	SV_CHECK_EQ_I64(got[1], 1);
	SV_CHECK_EQ_I64(got[2], 2);
	SV_CHECK_EQ_I64(got[3], 3);
	SV_CHECK(links_consistent(&queue));

	SV_CHECK(!sv_list_empty(&queue));
	SV_CHECK_EQ_U64(sv_list_count(&queue), 4);
	SV_CHECK(sv_list_first(&queue) == &b[0].node);
	SV_CHECK(sv_list_first(&stack) == &a[3].node);
}

static void test_remove(void)
{
	struct sv_list_node head;
	struct item it[3];
	int got[4];

	sv_list_init(&head);
	init_items(it, 3);
	for (int i = 0; i < 3; i++)
		sv_list_add_tail(&head, &it[i].node);

	sv_list_remove(&it[1].node);
	SV_CHECK_EQ_U64(collect(&head, got, 4), 2);
	SV_CHECK_EQ_I64(got[0], 0);
	SV_CHECK_EQ_I64(got[1], 2);
	SV_CHECK(links_consistent(&head));
	/* A removed node points at itself... */
	SV_CHECK(it[1].node.next == &it[1].node);
	SV_CHECK(it[1].node.prev == &it[1].node);
	/* ...so removing it again changes nothing. */
	sv_list_remove(&it[1].node);
	SV_CHECK_EQ_U64(sv_list_count(&head), 2);
	SV_CHECK(links_consistent(&head));

	sv_list_remove(&it[0].node);
	sv_list_remove(&it[2].node);
	SV_CHECK(sv_list_empty(&head));
	SV_CHECK(links_consistent(&head));

	/* A removed node can go back on a list. */
	sv_list_add(&head, &it[1].node);
	SV_CHECK(sv_list_first(&head) == &it[1].node);
	SV_CHECK_EQ_U64(sv_list_count(&head), 1);
}

static void test_for_each_safe(void)
{
	struct sv_list_node head, *pos, *tmp;
	struct item it[10];
	int got[10];
	size_t visited = 0;

	sv_list_init(&head);
	init_items(it, 10);
	for (int i = 0; i < 10; i++)
		sv_list_add_tail(&head, &it[i].node);

	/* Remove the odd values while walking; every node is still visited. */
	sv_list_for_each_safe(pos, tmp, &head) {
		struct item *e = sv_list_entry(pos, struct item, node);

		visited++;
		if (e->value % 2)
			sv_list_remove(pos);
	}
	SV_CHECK_EQ_U64(visited, 10);
	SV_CHECK_EQ_U64(collect(&head, got, 10), 5);
	for (int i = 0; i < 5; i++)
		SV_CHECK_EQ_I64(got[i], 2 * i);
	SV_CHECK(links_consistent(&head));

	/* Emptying the whole list. */
	sv_list_for_each_safe(pos, tmp, &head)
		sv_list_remove(pos);
	SV_CHECK(sv_list_empty(&head));
}

static void test_container_of(void)
{
	struct item it = { .value = 42, .tag = 'z' };
	struct sv_list_node *n = &it.node;
	struct item *back = sv_list_entry(n, struct item, node);

	SV_CHECK(back == &it);
	SV_CHECK_EQ_I64(back->value, 42);
	SV_CHECK_EQ_I64(back->tag, 'z');
	SV_CHECK(sv_container_of(&it.tag, struct item, tag) == &it);
}

CU_TestInfo sv_tests_list[] = {
	{ "empty", test_empty },
	{ "add_order", test_add_order },
	{ "remove", test_remove },
	{ "for_each_safe", test_for_each_safe },
	{ "container_of", test_container_of },
	CU_TEST_INFO_NULL,
};
