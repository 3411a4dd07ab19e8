/*
 * Test support for the scheduler and IPC suites (sched_harness.c): a scheduler
 * on a simulated clock whose idle hook jumps straight to the next deadline,
 * so timeouts cost no real time and every run is deterministic, and tasks on
 * heap-allocated stacks switched by the ucontext implementation of
 * sv/task_arch.h.
 */
#ifndef SV_TEST_SCHED_HARNESS_H
#define SV_TEST_SCHED_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sv/sched.h"

#define TEST_STACK_SIZE (64 * 1024)

struct test_sched {
	struct sv_sched s;
	uint64_t now;		/* the simulated clock, ns */
	unsigned idle_calls;	/* times the idle hook ran */
};

/*
 * sched_init with the simulated clock and idle hooks (cfg may be NULL; its
 * hooks are replaced). The idle hook advances the clock to the deadline, or
 * stops sched_run with -SV_EAGAIN when there is none (a deadlock: nothing
 * could ever wake a task).
 */
int test_sched_init(struct test_sched *ts, const struct sv_sched_config *cfg);

/* A task's simulated work: move the clock forward. */
static inline void test_clock_advance(struct test_sched *ts, uint64_t ns)
{
	ts->now += ns;
}

/* task_create on a fresh TEST_STACK_SIZE stack. */
int test_task_spawn(struct test_sched *ts, struct sv_task *t, const char *name,
		    uint32_t weight, void (*entry)(void *), void *arg);

/*
 * Detach every task still attached (dead or not: a failed test may leave
 * some blocked) and free the stacks test_task_spawn allocated. Returns how
 * many were not dead.
 */
size_t test_sched_cleanup(struct test_sched *ts);

void *test_stack_alloc(size_t size);
void test_stack_free(void *stack);

#endif /* SV_TEST_SCHED_HARNESS_H */
