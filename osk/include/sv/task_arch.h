/*
 * The context-switch seam: three plain functions the host provides, chosen
 * at link time like sv/host.h. The bare-metal kernel implements them in
 * assembly (backend_baremetal/); the Linux unit tests with ucontext
 * (tests/unit/task_posix.c). The core (osk/task.c) is their only caller.
 *
 * The contract:
 *
 * Stacks. The creator of a task allocates its stack and frees it after
 * reaping it (sv/task.h); the core and the host never allocate or free one.
 * The core passes [stack, stack + stack_size) with stack and stack_size
 * aligned to SV_TASK_STACK_ALIGN (16) and stack_size >= SV_TASK_STACK_MIN.
 * On bare metal the creator puts an unmapped guard page right below stack,
 * so an overflow faults instead of corrupting the next object. The host may
 * keep its per-task context inside that stack (at its top, say) or in
 * t->arch itself; the core never frees anything the host keeps, so nothing
 * may be kept elsewhere unless it is released with the stack.
 *
 * Interrupts. The core calls task_arch_switch with interrupts disabled
 * (host_irq_save held) and the task resumed returns from its own earlier
 * task_arch_switch call, still disabled, and restores its own saved state.
 * A new task's entry is called with interrupts as they were at the switch
 * (disabled); the core's entry function enables them itself.
 *
 * Entry. The core always passes its own entry function, which never returns
 * (it ends in task_exit, also when the task's own entry returns). A host
 * whose entry returns anyway has a broken core: it panics.
 *
 * Registers. task_arch_switch saves and restores what the ABI says a callee
 * must preserve (x86-64 SysV: rbx, rbp, r12-r15, rsp, and the x87/MXCSR
 * control words where the FPU is used) and nothing else: it is an ordinary
 * function call for its caller. The kernel core is built without SSE, so a
 * bare-metal switch saves no vector registers.
 */
#ifndef SV_TASK_ARCH_H
#define SV_TASK_ARCH_H

#include <stddef.h>

#include "sv/compiler.h"
#include "sv/task.h"

/*
 * Prepare t so that the first task_arch_switch(x, t) calls entry(arg) on
 * the stack [stack, stack + stack_size), entered as a function is called
 * (x86-64: rsp + 8 a multiple of 16 at entry; no return address to go back
 * to), and store the context in t->arch. Must not run anything on that
 * stack yet. Returns 0, or -SV_EINVAL when the stack is too small for the
 * host's needs.
 */
SV_MUST_CHECK int task_arch_init(struct sv_task *t, void (*entry)(void *),
				 void *arg, void *stack, size_t stack_size);

/*
 * Make t stand for the calling thread on its own stack: the boot thread that
 * runs sched_run's idle loop. A later task_arch_switch(t, x) saves into it and
 * task_arch_switch(x, t) resumes the caller there. Cannot fail.
 */
void task_arch_init_boot(struct sv_task *t);

/*
 * Save the calling context into from->arch and resume to: either at the
 * point where to last called task_arch_switch, or, the first time, in the
 * entry given to task_arch_init. Returns when some task switches back to
 * from. from is the context executing the call; from != to.
 */
void task_arch_switch(struct sv_task *from, struct sv_task *to);

#endif /* SV_TASK_ARCH_H */
