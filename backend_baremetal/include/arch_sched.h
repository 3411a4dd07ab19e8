/*
 * Running the kernel's scheduler (osk's sv/sched.h) on this machine: its
 * clock and idle hooks, and preemption on the tick. The scheduler's
 * context switch itself is task_arch.c.
 */
#ifndef SV_BM_ARCH_SCHED_H
#define SV_BM_ARCH_SCHED_H

#include "sv/sched.h"

/*
 * Set cfg's clock (timer_now_ns) and idle hook: halt until the next
 * interrupt, which the tick guarantees within TIMER_PERIOD_NS, so a
 * deadline is met at most a tick late. Other fields are left alone.
 */
void arch_sched_config(struct sv_sched_config *cfg);

/*
 * Make the tick drive s: sched_tick on every tick, and task_yield on the
 * way out of the interrupt when it asked for a switch (irq.h's exit hook),
 * which preempts the running task. One scheduler at a time; NULL detaches.
 * Takes over the tick hook and the interrupt exit hook.
 */
void arch_sched_attach(struct sv_sched *s);

/* The scheduler attached now, or NULL. */
struct sv_sched *arch_sched_attached(void);

#endif /* SV_BM_ARCH_SCHED_H */
