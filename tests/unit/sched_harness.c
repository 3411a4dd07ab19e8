/*
 * The unit tests' scheduler harness (sched_harness.h): a simulated clock, an
 * idle hook that jumps it to the next deadline, and task stacks on the
 * heap, registered with valgrind so it follows the switches between them.
 * The switching itself is the Linux host's (backend_kvm_sim/task_posix.c).
 */
#include "sched_harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(start, end) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#include "sv/errno.h"
#include "sv/panic.h"

/* ---- the test harness ------------------------------------------------------ */

static uint64_t test_clock(void *ctx)
{
	return ((struct test_sched *)ctx)->now;
}

static int test_idle(void *ctx, uint64_t deadline)
{
	struct test_sched *ts = ctx;

	if (deadline == SV_TIME_NEVER)
		return -SV_EAGAIN;
	ts->idle_calls++;
	if (deadline > ts->now)
		ts->now = deadline;
	return 0;
}

int test_sched_init(struct test_sched *ts, const struct sv_sched_config *cfg)
{
	struct sv_sched_config c = cfg ? *cfg : (struct sv_sched_config){ 0 };

	ts->now = 0;
	ts->idle_calls = 0;
	c.clock = test_clock;
	c.idle = test_idle;
	c.ctx = ts;
	return sched_init(&ts->s, &c);
}

/* Before each stack: its valgrind id. 64 bytes keep the stack aligned. */
struct stack_header {
	unsigned vg_id;
	char pad[60];
};

void *test_stack_alloc(size_t size)
{
	struct stack_header *h;
	char *stack;

	if (posix_memalign((void **)&h, 64, sizeof(*h) + size))
		return NULL;
	stack = (char *)(h + 1);
	h->vg_id = VALGRIND_STACK_REGISTER(stack, stack + size);
	return stack;
}

void test_stack_free(void *stack)
{
	struct stack_header *h;

	if (!stack)
		return;
	h = (struct stack_header *)stack - 1;
	VALGRIND_STACK_DEREGISTER(h->vg_id);
	free(h);
}

int test_task_spawn(struct test_sched *ts, struct sv_task *t, const char *name,
		    uint32_t weight, void (*entry)(void *), void *arg)
{
	void *stack = test_stack_alloc(TEST_STACK_SIZE);
	int rc;

	if (!stack)
		return -SV_ENOMEM;
	rc = task_create(&ts->s, t, name, weight, entry, arg, stack,
			 TEST_STACK_SIZE);
	if (rc)
		test_stack_free(stack);
	return rc;
}

size_t test_sched_cleanup(struct test_sched *ts)
{
	size_t alive = 0;

	while (!sv_list_empty(&ts->s.tasks)) {
		struct sv_task *t = sv_list_entry(ts->s.tasks.next,
						  struct sv_task, sched_node);
		void *stack = t->stack;

		if (t->state != SV_TASK_DEAD)
			alive++;
		if (sched_remove(&ts->s, t, ts->now))
			sv_panic("cannot detach task %s", t->name);
		test_stack_free(stack);
	}
	return alive;
}
