/*
 * The scheduler's context-switch seam (osk's sv/task_arch.h) on bare
 * metal: a task's context is its saved stack pointer, kept in t->arch; the
 * registers live on its own stack (struct switch_frame, context.h), so
 * nothing is allocated. Stacks come from the task's creator, with a guard
 * page below (kstack_alloc).
 */
#include "sv/task_arch.h"

#include "context.h"
#include "sv/errno.h"
#include "sv/panic.h"

static SV_NORETURN void entry_returned(void *arg)
{
	sv_panic("task_arch: entry of task %p returned", arg);
}

int task_arch_init(struct sv_task *t, void (*entry)(void *), void *arg,
		   void *stack, size_t stack_size)
{
	if (!stack || stack_size < ARCH_CONTEXT_FRAME_SIZE)
		return -SV_EINVAL;
	t->arch = arch_context_init((uint64_t)(uintptr_t)stack + stack_size,
				    entry, arg, entry_returned);
	return 0;
}

void task_arch_init_boot(struct sv_task *t)
{
	t->arch = NULL;	/* filled by the first switch away from it */
}

void task_arch_switch(struct sv_task *from, struct sv_task *to)
{
	arch_switch(&from->arch, to->arch);
}
