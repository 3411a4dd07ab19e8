/*
 * Tasks with stacks of their own (sv/task.h): creation, the switch between
 * them through the host's seam (sv/task_arch.h), sleep and wake-up, exit
 * and reaping, and sched_run, the idle loop the boot thread becomes.
 *
 * Which stack runs is s->on_cpu: the current task's, or the boot thread's
 * (s->idle) when nothing is runnable. Every switch happens in
 * task_switch_away or in the idle loop, with interrupts disabled, right
 * after sched_pick has chosen; the task switched to returns from its own
 * earlier switch and restores its own interrupt state. The policy itself
 * (who runs, for how long) is all in osk/sched.c.
 */
#include "sv/task.h"

#include <stdint.h>

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "sv/sched.h"
#include "sv/task_arch.h"
#include "task_priv.h"

static struct sv_task *current_or_panic(struct sv_sched *s, const char *what)
{
	if (!task_in_task(s))
		sv_panic("%s outside a task", what);
	return s->current;
}

void task_switch_away(struct sv_sched *s)
{
	struct sv_task *prev = s->on_cpu, *next;

	if (!prev || prev == &s->idle)
		sv_panic("switch away outside a task");
	next = sched_pick(s, sched_clock(s));
	if (!next)
		next = &s->idle;
	if (next == prev)
		return;
	s->on_cpu = next;
	task_arch_switch(prev, next);
	/* picked again: whoever switched back set on_cpu to prev */
}

/* Every task starts here (the entry given to task_arch_init). */
static void task_start(void *arg)
{
	struct sv_task *t = arg;
	struct sv_sched *s = t->sched;

	/* the switch that brought us here left interrupts disabled */
	host_irq_restore(s->run_irq_flags);
	t->entry(t->arg);
	task_exit(s, 0);
}

int task_create(struct sv_sched *s, struct sv_task *t, const char *name,
		uint32_t weight, void (*entry)(void *arg), void *arg,
		void *stack, size_t stack_size)
{
	int rc;

	if (!entry || !stack || stack_size < SV_TASK_STACK_MIN ||
	    ((uintptr_t)stack | stack_size) % SV_TASK_STACK_ALIGN)
		return -SV_EINVAL;
	if (s->nr_tasks >= SV_SCHED_MAX_TASKS)
		return -SV_ENOSPC;
	rc = task_init(t, name, weight);
	if (rc)
		return rc;
	t->entry = entry;
	t->arg = arg;
	t->stack = stack;
	t->stack_size = stack_size;
	rc = task_arch_init(t, task_start, t, stack, stack_size);
	if (rc)
		return rc;
	/* the host keeps nothing outside t and the stack: no undo needed */
	return sched_add(s, t, sched_clock(s));
}

void task_yield(struct sv_sched *s)
{
	unsigned long flags = host_irq_save();

	if (task_in_task(s))
		task_switch_away(s);
	host_irq_restore(flags);
}

uint64_t task_sleep(struct sv_sched *s, uint64_t ns)
{
	unsigned long flags = host_irq_save();
	struct sv_task *t = current_or_panic(s, "task_sleep");
	uint64_t now = sched_clock(s), deadline = deadline_after(now, ns);

	if (ns == 0) {
		host_irq_restore(flags);
		return 0;
	}
	sched_block(s, SV_TASK_SLEEPING, deadline, now);
	task_switch_away(s);
	now = sched_clock(s);
	host_irq_restore(flags);
	if (t->wake_result == -SV_ETIMEDOUT || now >= deadline)
		return 0;
	return deadline - now;
}

bool task_wakeup(struct sv_sched *s, struct sv_task *t)
{
	unsigned long flags = host_irq_save();
	bool woken = t->sched == s && t->state == SV_TASK_SLEEPING &&
		     sched_wake(s, t, 0, sched_clock(s));

	host_irq_restore(flags);
	return woken;
}

void task_exit(struct sv_sched *s, int code)
{
	struct sv_task *t;

	/* never restored: this stack is left for good */
	(void)host_irq_save();
	t = current_or_panic(s, "task_exit");

	t->exit_code = code;
	sched_block(s, SV_TASK_DEAD, SV_TIME_NEVER, sched_clock(s));
	waitq_wake_all(s, &t->exited, 0);
	task_switch_away(s);
	sv_panic("dead task %s was resumed", t->name);
}

int task_join(struct sv_sched *s, struct sv_task *t, int *exit_code)
{
	unsigned long flags;

	if (t->sched != s || t == s->current)
		return -SV_EINVAL;
	flags = host_irq_save();
	while (t->state != SV_TASK_DEAD) {
		/* only task_exit wakes this queue, and with 0 */
		int rc = waitq_wait(s, &t->exited, SV_TIMEOUT_INFINITE);

		SV_ASSERT(rc == 0);
	}
	host_irq_restore(flags);
	return task_reap(s, t, exit_code);
}

int task_reap(struct sv_sched *s, struct sv_task *t, int *exit_code)
{
	unsigned long flags = host_irq_save();
	int rc = 0;

	if (t->sched != s)
		rc = -SV_EINVAL;
	else if (t->state != SV_TASK_DEAD || t == s->on_cpu)
		rc = -SV_EBUSY;	/* alive, or still on its stack */
	if (!rc) {
		if (exit_code)
			*exit_code = t->exit_code;
		rc = sched_remove(s, t, s->now);
	}
	host_irq_restore(flags);
	return rc;
}

int sched_run(struct sv_sched *s)
{
	unsigned long flags;
	int rc = 0;

	if (!s->cfg.clock || !s->cfg.idle)
		return -SV_EINVAL;
	if (s->on_cpu)
		return -SV_EBUSY;
	flags = host_irq_save();
	s->run_irq_flags = flags;
	task_arch_init_boot(&s->idle);
	s->on_cpu = &s->idle;
	for (;;) {
		uint64_t now = sched_clock(s);
		struct sv_task *next;

		sched_expire(s, now);
		next = sched_pick(s, now);
		if (next) {
			s->on_cpu = next;
			task_arch_switch(&s->idle, next);
			continue;	/* nothing was runnable any more */
		}
		if (s->nr_live == 0)
			break;
		rc = s->cfg.idle(s->cfg.ctx, sched_next_deadline(s));
		if (rc)
			break;
	}
	s->on_cpu = NULL;
	host_irq_restore(flags);
	return rc;
}
