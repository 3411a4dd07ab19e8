/*
 * Wait queues (sv/waitq.h). A waiting task is linked into the queue through
 * its wait_node and, when it has a deadline, into the scheduler's timed
 * list; sched_wake unlinks it from both, whoever wakes it (a waker here, or
 * sched_expire when the deadline passes), so a task is woken exactly once
 * and its wait returns the result of that one wake-up.
 */
#include "sv/waitq.h"

#include "sv/errno.h"
#include "sv/host.h"
#include "sv/panic.h"
#include "sv/sched.h"
#include "task_priv.h"

int waitq_wait_until(struct sv_sched *s, struct sv_waitq *q, uint64_t deadline)
{
	unsigned long flags = host_irq_save();
	uint64_t now = sched_clock(s);
	struct sv_task *t;
	int rc;

	if (deadline <= now) {
		host_irq_restore(flags);
		return -SV_ETIMEDOUT;
	}
	if (!task_in_task(s))
		sv_panic("waiting outside a task");
	t = s->current;
	t->waitq = q;
	sv_list_add_tail(&q->waiters, &t->wait_node);
	sched_block(s, SV_TASK_BLOCKED, deadline, now);
	task_switch_away(s);
	rc = t->wake_result;
	host_irq_restore(flags);
	return rc;
}

int waitq_wait(struct sv_sched *s, struct sv_waitq *q, uint64_t timeout_ns)
{
	return waitq_wait_until(s, q, deadline_after(sched_clock(s), timeout_ns));
}

struct sv_task *waitq_wake_one(struct sv_sched *s, struct sv_waitq *q,
			       int result)
{
	unsigned long flags = host_irq_save();
	struct sv_list_node *n = sv_list_first(&q->waiters);
	struct sv_task *t = NULL;

	if (n) {
		t = sv_list_entry(n, struct sv_task, wait_node);
		if (!sched_wake(s, t, result, sched_clock(s)))
			sv_panic("task %s on a wait queue in state %d", t->name,
				 t->state);
	}
	host_irq_restore(flags);
	return t;
}

size_t waitq_wake_all(struct sv_sched *s, struct sv_waitq *q, int result)
{
	unsigned long flags = host_irq_save();
	size_t n = 0;

	while (waitq_wake_one(s, q, result))
		n++;
	host_irq_restore(flags);
	return n;
}
