/*
 * The scheduler on the hardware (arch_sched.h): the tick accounts the
 * running task and wakes sleepers (sched_tick); when that says the
 * processor should change hands, the interrupt's exit path, after the EOI,
 * calls task_yield, which switches stacks right there. The preempted task
 * resumes later on the same path and returns from the interrupt.
 */
#include "arch_sched.h"

#include "irq.h"
#include "sv/host.h"
#include "sv/task.h"
#include "timer.h"
#include "x86.h"

static struct sv_sched *attached;
static bool resched;	/* the last tick asked for a switch */

static uint64_t clock_ns(void *ctx)
{
	(void)ctx;
	return timer_now_ns();
}

/* Called and returns with interrupts disabled (sv/sched.h). */
static int idle(void *ctx, uint64_t deadline)
{
	(void)ctx;
	if (deadline <= timer_now_ns())
		return 0;
	/* sti's one-instruction shadow: no interrupt slips in before hlt */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	return 0;
}

void arch_sched_config(struct sv_sched_config *cfg)
{
	cfg->clock = clock_ns;
	cfg->idle = idle;
	cfg->ctx = NULL;
}

static void on_tick(uint64_t now_ns, void *ctx)
{
	if (sched_tick(ctx, now_ns))
		resched = true;
}

static void on_irq_exit(void)
{
	if (!resched || !attached)
		return;
	resched = false;
	task_yield(attached);	/* nothing outside a task (the idle loop) */
}

void arch_sched_attach(struct sv_sched *s)
{
	unsigned long flags = host_irq_save();

	attached = s;
	resched = false;
	timer_set_tick_hook(s ? on_tick : NULL, s);
	irq_set_exit_hook(s ? on_irq_exit : NULL);
	host_irq_restore(flags);
}

struct sv_sched *arch_sched_attached(void)
{
	return attached;
}
