/*
 * Wait queues: where a task blocks until another task, an interrupt handler
 * or a timeout wakes it (osk/waitq.c). A queue is a FIFO list of blocked
 * tasks threaded through their struct sv_task; it owns no memory, so one
 * can be embedded anywhere (a port, a device, a task waiting for another to
 * exit).
 *
 * The sleep/wake protocol on one processor: a caller that tests a condition
 * an interrupt handler may change holds host_irq_save() across the test and
 * the wait, so no wake-up can fall between them; the wait releases the
 * processor with interrupts still disabled and the task gets them back, as
 * it left them, when it next runs. Wake-ups carry a result code that the
 * woken wait returns (0, or e.g. -SV_EPIPE when the object closed).
 */
#ifndef SV_WAITQ_H
#define SV_WAITQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/list.h"

struct sv_sched;
struct sv_task;

/* A timeout that never expires; a deadline that never comes. */
#define SV_TIMEOUT_INFINITE	UINT64_MAX
#define SV_TIME_NEVER		UINT64_MAX

struct sv_waitq {
	struct sv_list_node waiters;	/* sv_task.wait_node, oldest first */
};

#define SV_WAITQ_INIT(name) { SV_LIST_HEAD_INIT((name).waiters) }

static inline void waitq_init(struct sv_waitq *q)
{
	sv_list_init(&q->waiters);
}

static inline bool waitq_empty(const struct sv_waitq *q)
{
	return sv_list_empty(&q->waiters);
}

/*
 * Block the current task on q until a wake-up or until timeout_ns have
 * passed on the scheduler's clock (SV_TIMEOUT_INFINITE: no limit; 0: fail
 * at once without blocking). Returns the waker's result code, or
 * -SV_ETIMEDOUT. Task context only (panics elsewhere: blocking outside a
 * task is a bug of the caller); never from an interrupt handler.
 */
SV_MUST_CHECK int waitq_wait(struct sv_sched *s, struct sv_waitq *q,
			     uint64_t timeout_ns);
/* The same with an absolute deadline on the scheduler's clock. */
SV_MUST_CHECK int waitq_wait_until(struct sv_sched *s, struct sv_waitq *q,
				   uint64_t deadline);

/*
 * Wake the longest waiter of q, which returns result from its wait; returns
 * it, or NULL when q is empty. Never blocks: callable from interrupt
 * handlers and from outside any task.
 */
struct sv_task *waitq_wake_one(struct sv_sched *s, struct sv_waitq *q,
			       int result);
/* Wake every waiter, oldest first; returns how many. Never blocks. */
size_t waitq_wake_all(struct sv_sched *s, struct sv_waitq *q, int result);

#endif /* SV_WAITQ_H */
