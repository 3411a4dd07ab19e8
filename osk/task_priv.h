/*
 * What osk/task.c shares with the other blocking code of osk (waitq.c,
 * ipc.c) and no one else: the switch away from the current task.
 */
#ifndef SV_OSK_TASK_PRIV_H
#define SV_OSK_TASK_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/sched.h"

/*
 * Called with interrupts disabled, on the stack of the task that is current
 * or has just blocked (sched_block): hand the processor to the next task,
 * or to the idle loop when nothing is runnable. Returns when this task is
 * picked again (at once if it is still runnable and the fairest choice).
 */
void task_switch_away(struct sv_sched *s);

/* Whether the caller runs on the stack of s's current task. */
static inline bool task_in_task(const struct sv_sched *s)
{
	return s->current && s->on_cpu == s->current;
}

/* The deadline timeout_ns after now, saturating at SV_TIME_NEVER. */
static inline uint64_t deadline_after(uint64_t now, uint64_t timeout_ns)
{
	return timeout_ns >= SV_TIME_NEVER - now ? SV_TIME_NEVER
						 : now + timeout_ns;
}

#endif /* SV_OSK_TASK_PRIV_H */
