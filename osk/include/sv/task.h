/*
 * Tasks: the kernel's threads of control (osk/task.c). A task is a struct
 * sv_task the caller provides, a stack the caller provides, and an entry
 * function; the scheduler (sv/sched.h) decides which runnable task has the
 * processor, and the host's context switch (sv/task_arch.h) moves between
 * their stacks. vCPU threads of VMs and service tasks are tasks alike.
 *
 * Life cycle and ownership:
 *
 *   task_create()  RUNNABLE <-> RUNNING  -> BLOCKED / SLEEPING -> RUNNABLE
 *                                        -> DEAD (task_exit, or entry returned)
 *   task_join() / task_reap()  detaches a DEAD task from its scheduler.
 *
 * The core allocates nothing. The struct sv_task and the stack belong to
 * whoever created the task and must stay valid until the task has been
 * reaped; the reaper (the one caller of task_join or task_reap that
 * succeeds) then owns both again and releases them. A task cannot reap
 * itself: its stack is in use until it has switched away for good. Every
 * task must be reaped exactly once: a dead, unreaped task still holds one of
 * the scheduler's SV_SCHED_MAX_TASKS places.
 *
 * Unless it says otherwise, a function here runs in task context: on the
 * stack of the scheduler's current task, not in an interrupt handler.
 */
#ifndef SV_TASK_H
#define SV_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/waitq.h"

struct sv_sched;

#define SV_TASK_NAME_MAX	16	/* bytes, NUL included */

/*
 * Smallest stack the core accepts. The core itself needs well under this
 * (no recursion, no large locals); the host's task_arch_init may ask for
 * more (the Linux unit tests' ucontext version does).
 */
#define SV_TASK_STACK_MIN	4096
#define SV_TASK_STACK_ALIGN	16	/* base and size: x86-64 ABI alignment */

/* Weight of a default task; shares are weight / sum of runnable weights. */
#define SV_SCHED_NICE0_WEIGHT	1024u
#define SV_SCHED_WEIGHT_MIN	1u
#define SV_SCHED_WEIGHT_MAX	(1u << 20)

enum sv_task_state {
	SV_TASK_RUNNABLE,	/* on the runqueue, waiting for the processor */
	SV_TASK_RUNNING,	/* the scheduler's current task */
	SV_TASK_BLOCKED,	/* on a wait queue (perhaps with a deadline) */
	SV_TASK_SLEEPING,	/* waiting for a deadline or task_wakeup */
	SV_TASK_DEAD,		/* exited; waiting to be reaped */
};

/* Per-task accounting the scheduler keeps (ns). Read-only for others. */
struct sv_task_stats {
	uint64_t sum_exec_ns;		/* processor time received */
	uint64_t nr_runs;		/* times it was given the processor */
	uint64_t wait_max_ns;		/* longest runnable-to-running wait */
	uint64_t wake_latency_max_ns;	/* the same, counted from a wake-up */
	uint64_t nr_wakeups;
};

struct sv_task {
	uint32_t id;			/* unique per scheduler, from 1 */
	char name[SV_TASK_NAME_MAX];
	uint32_t weight;		/* share of the processor, see above */
	enum sv_task_state state;

	/* fair-share state (osk/sched.c) */
	uint64_t vruntime;		/* ns of run time, scaled by 1024/weight */
	uint32_t vruntime_rem;		/* remainder of that division */
	uint64_t rq_seq;		/* enqueue order: FIFO among equal vruntimes */
	size_t rq_index;		/* slot in the runqueue heap, or SV_RQ_NONE */
	uint64_t runnable_since;	/* when it last became RUNNABLE */
	bool woken;			/* became RUNNABLE by a wake-up */
	struct sv_task_stats stats;

	/* blocking (osk/sched.c, osk/waitq.c) */
	uint64_t wake_deadline;		/* SV_TIME_NEVER: none */
	struct sv_list_node timed_node;	/* sv_sched.timed, by deadline */
	struct sv_waitq *waitq;		/* queue it is blocked on, or NULL */
	struct sv_list_node wait_node;	/* in waitq->waiters */
	int wake_result;		/* what the blocking call returns */

	/* life cycle (osk/task.c) */
	struct sv_sched *sched;		/* NULL until added, again once reaped */
	struct sv_list_node sched_node;	/* sv_sched.tasks */
	struct sv_waitq exited;		/* task_join waits here */
	int exit_code;
	void (*entry)(void *arg);
	void *arg;
	void *stack;			/* as given to task_create */
	size_t stack_size;
	void *arch;			/* the host's context: sv/task_arch.h */
};

#define SV_RQ_NONE SIZE_MAX

/*
 * Initialize t as a detached task that has no context of its own: the form
 * the scheduler's policy functions take (sched_add), as in simulations
 * where the caller plays the task's part. name is truncated to fit.
 * -SV_EINVAL: weight outside [SV_SCHED_WEIGHT_MIN, SV_SCHED_WEIGHT_MAX].
 */
SV_MUST_CHECK int task_init(struct sv_task *t, const char *name,
			    uint32_t weight);

/*
 * Create a kernel thread: initialize t, prepare the host context that runs
 * entry(arg) on [stack, stack + stack_size), and make it runnable on s.
 * When entry returns the task exits with code 0. The caller provides t and
 * the stack (SV_TASK_STACK_ALIGN-aligned base and size, at least
 * SV_TASK_STACK_MIN bytes, guard page below it on bare metal) and gets them
 * back from task_join/task_reap. Errors: -SV_EINVAL (weight, stack, entry),
 * -SV_ENOSPC (s has SV_SCHED_MAX_TASKS tasks), or task_arch_init's error.
 * Callable from task context and before sched_run.
 */
SV_MUST_CHECK int task_create(struct sv_sched *s, struct sv_task *t,
			      const char *name, uint32_t weight,
			      void (*entry)(void *arg), void *arg,
			      void *stack, size_t stack_size);

/*
 * Give the processor to the task the scheduler prefers; returns when this
 * task is picked again (at once if it is still the fairest choice). Also the
 * preemption point: the timer interrupt's exit path calls it when
 * sched_tick() returned true. Outside a task (the idle loop, before
 * sched_run) it does nothing.
 */
void task_yield(struct sv_sched *s);

/*
 * Sleep for ns on the scheduler's clock. Returns 0 after the full time, or
 * the time that was left when task_wakeup ended the sleep early.
 */
uint64_t task_sleep(struct sv_sched *s, uint64_t ns);

/*
 * End t's task_sleep early. Returns whether t was sleeping. Never blocks;
 * callable from anywhere. Tasks blocked on a wait queue are not affected
 * (only their queue's owner may wake them).
 */
bool task_wakeup(struct sv_sched *s, struct sv_task *t);

/* End the current task with code; wakes its joiner. Never returns. */
SV_NORETURN void task_exit(struct sv_sched *s, int code);

/*
 * Wait until t has exited, then reap it (task_reap). -SV_EINVAL: t is the
 * caller or not a task of s.
 */
SV_MUST_CHECK int task_join(struct sv_sched *s, struct sv_task *t,
			    int *exit_code);

/*
 * Reap a dead task without blocking: detach it from s, store its exit code
 * (exit_code may be NULL), and hand t and its stack back to the caller.
 * -SV_EBUSY: t has not exited; -SV_EINVAL: t is not a task of s. Callable
 * from anywhere, e.g. by the boot thread after sched_run returned.
 */
SV_MUST_CHECK int task_reap(struct sv_sched *s, struct sv_task *t,
			    int *exit_code);

#endif /* SV_TASK_H */
