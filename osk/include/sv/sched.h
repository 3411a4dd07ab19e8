/*
 * The weighted fair scheduler (osk/sched.c), in the manner of Linux's CFS.
 *
 * Each task has a virtual runtime: the processor time it received, scaled
 * by SV_SCHED_NICE0_WEIGHT / weight, so a task of twice the weight ages half
 * as fast. The scheduler always runs the runnable task of smallest virtual
 * runtime, so over time every task's share of the processor is its weight
 * over the sum of the runnable weights. The running task keeps the processor
 * for a slice: the target latency (every runnable task runs once within it)
 * divided in proportion to the weights, never less than the minimum
 * granularity (then the period stretches to n * granularity).
 *
 * A task that blocked and wakes is placed at max(its own virtual runtime,
 * min_vruntime - sleeper bonus): it keeps a debt it ran up, it is not made
 * to wait behind tasks that ran while it slept, and sleeping cannot bank
 * more than the bonus, so a sleeper can neither starve the others nor be
 * starved. A woken task that is more than the wake-up granularity behind the
 * running one preempts it at the next sched_tick.
 *
 * Time is always given, never read: the policy functions take `now` (ns,
 * monotonic; a value earlier than one seen before counts as that one), so
 * tests and benchmarks drive them with a simulated clock and the kernel with
 * its monotonic clock. The blocking task functions (sv/task.h, sv/waitq.h,
 * sv/ipc.h) read time through the config's clock hook.
 *
 * Runqueue: a binary min-heap of the runnable tasks (the current one not
 * included), keyed by (virtual runtime, enqueue order): pick O(log n),
 * enqueue O(log n), removal of any task O(log n) through its heap index;
 * FIFO among equal virtual runtimes. Timed waits are on a list sorted by
 * deadline: insert O(n), expiry O(1) per task; fine for tens of tasks.
 * Virtual runtimes compare by signed difference, so they may wrap.
 *
 * All state is in struct sv_sched; a kernel keeps one per processor. The
 * functions disable interrupts (host_irq_save) around their work, so the
 * timer interrupt may call sched_tick and any handler may wake tasks.
 */
#ifndef SV_SCHED_H
#define SV_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/task.h"

#define SV_SCHED_MAX_TASKS	128	/* tasks attached to one scheduler */

/* Defaults (ns), Linux's values for one processor. */
#define SV_SCHED_LATENCY_NS		6000000ull
#define SV_SCHED_MIN_GRANULARITY_NS	750000ull
#define SV_SCHED_WAKEUP_GRANULARITY_NS	1000000ull
/* sleeper bonus: latency / 2 */

/*
 * Configuration; a zero field takes its default. The hooks are needed only
 * by sched_run and the blocking task functions.
 */
struct sv_sched_config {
	uint64_t latency_ns;		/* target latency */
	uint64_t min_granularity_ns;	/* shortest slice */
	uint64_t wakeup_granularity_ns;	/* lead a woken task needs to preempt */
	uint64_t sleeper_bonus_ns;	/* most a sleeper is placed before others */
	/* The clock: monotonic ns. */
	uint64_t (*clock)(void *ctx);
	/*
	 * Nothing is runnable: wait for an interrupt or until the clock reaches
	 * deadline (SV_TIME_NEVER: no deadline), then return 0; any other
	 * return makes sched_run return it. Called with interrupts disabled;
	 * returns with them disabled (bare metal: arm the one-shot timer, then
	 * sti; hlt; cli). A simulated clock just jumps to deadline.
	 */
	int (*idle)(void *ctx, uint64_t deadline);
	void *ctx;
};

struct sv_sched {
	struct sv_sched_config cfg;

	/* runqueue: runnable tasks but the current one */
	struct sv_task *rq[SV_SCHED_MAX_TASKS];
	size_t nr_queued;
	uint64_t queued_weight;		/* sum of their weights */
	uint64_t next_seq;

	struct sv_task *current;	/* RUNNING, or NULL: idle */
	uint64_t exec_start;		/* current accounted up to here */
	uint64_t slice_start;		/* current got the processor here */
	uint64_t min_vruntime;		/* never decreases (mod 2^64) */
	bool need_resched;		/* a woken task should preempt */
	uint64_t now;			/* latest time seen */

	struct sv_list_node timed;	/* tasks with a wake deadline, earliest first */
	struct sv_list_node tasks;	/* every attached task */
	size_t nr_tasks;
	size_t nr_live;			/* attached and not DEAD */
	uint32_t next_id;

	/* real switching (osk/task.c) */
	struct sv_task idle;		/* the boot thread running sched_run */
	struct sv_task *on_cpu;		/* whose stack runs: a task, &idle, NULL */
	unsigned long run_irq_flags;	/* interrupt state sched_run began with */

	uint64_t nr_switches;
};

/*
 * Initialize s. cfg may be NULL (defaults). -SV_EINVAL when the granularity
 * exceeds the latency or the latency exceeds one second.
 */
SV_MUST_CHECK int sched_init(struct sv_sched *s,
			     const struct sv_sched_config *cfg);

/*
 * Attach a detached task (task_init) and make it runnable at min_vruntime,
 * so it starts with an equal share and no credit. Assigns t->id.
 * -SV_EBUSY: t is attached already; -SV_ENOSPC: s is full.
 */
SV_MUST_CHECK int sched_add(struct sv_sched *s, struct sv_task *t,
			    uint64_t now);

/*
 * Detach t in whatever state: off the runqueue, its wait queue and the
 * timed list; if it is current, s becomes idle. t ends DEAD and detached.
 * For tasks without a context of their own (simulations) and for reaping;
 * a task with a stack is ended with task_exit instead. -SV_EINVAL: t is not
 * attached to s.
 */
SV_MUST_CHECK int sched_remove(struct sv_sched *s, struct sv_task *t,
			       uint64_t now);

/*
 * Account the current task up to now, wake the tasks whose deadline has
 * passed, and say whether the processor should change hands: the current
 * task's slice is used up and another task is runnable, or a woken task
 * should preempt it, or s is idle and a task is runnable. The timer
 * interrupt calls it; then task_yield on its way out when true.
 */
bool sched_tick(struct sv_sched *s, uint64_t now);

/*
 * Switch decision: the current task (if still RUNNING) goes back on the
 * runqueue; the runnable task of smallest virtual runtime becomes current
 * and RUNNING with a new slice, and is returned (perhaps the same task).
 * NULL: nothing is runnable, s is idle. Does not switch stacks: task.c does.
 */
struct sv_task *sched_pick(struct sv_sched *s, uint64_t now);

/*
 * The current task stops being runnable: state is SV_TASK_BLOCKED,
 * SV_TASK_SLEEPING or SV_TASK_DEAD; with a deadline other than
 * SV_TIME_NEVER it is woken with -SV_ETIMEDOUT then (sched_tick,
 * sched_expire). s is idle until the next sched_pick. Panics if there is no
 * current task or state is not one of those.
 */
void sched_block(struct sv_sched *s, enum sv_task_state state,
		 uint64_t deadline, uint64_t now);

/*
 * Make a BLOCKED or SLEEPING task runnable: off its wait queue and the timed
 * list, wake_result = result, placed as described above. Returns false (and
 * does nothing) for a task in any other state.
 */
bool sched_wake(struct sv_sched *s, struct sv_task *t, int result,
		uint64_t now);

/* Wake, with -SV_ETIMEDOUT, every task whose deadline is <= now. */
size_t sched_expire(struct sv_sched *s, uint64_t now);

/* Earliest wake deadline of a blocked task, or SV_TIME_NEVER. */
uint64_t sched_next_deadline(const struct sv_sched *s);

/* Change t's weight; it counts from now on. -SV_EINVAL: bad weight. */
SV_MUST_CHECK int sched_set_weight(struct sv_sched *s, struct sv_task *t,
				   uint32_t weight, uint64_t now);

/* The current task's slice (ns) as things stand; 0 when idle. */
uint64_t sched_slice(const struct sv_sched *s);

/* The time on the config's clock (or the latest seen, without a clock). */
uint64_t sched_clock(struct sv_sched *s);

static inline struct sv_task *sched_current(const struct sv_sched *s)
{
	return s->current;
}

/* Runnable tasks, the current one included. */
static inline size_t sched_nr_runnable(const struct sv_sched *s)
{
	return s->nr_queued + (s->current ? 1 : 0);
}

/*
 * Run the tasks (osk/task.c): the calling (boot) thread becomes the idle
 * loop. It expires deadlines, switches to the task sched_pick chooses, and
 * when nothing is runnable calls cfg.idle with the next deadline. Returns 0
 * once every task has exited (the dead ones are still to be reaped), or what
 * cfg.idle returned. Call with interrupts enabled: new tasks start with the
 * interrupt state sched_run was called with. -SV_EINVAL: no clock or idle
 * hook; -SV_EBUSY: s is running already.
 */
SV_MUST_CHECK int sched_run(struct sv_sched *s);

#endif /* SV_SCHED_H */
