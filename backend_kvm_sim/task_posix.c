/*
 * The Linux host's context switch (sv/task_arch.h), with ucontext:
 * makecontext prepares a task's first entry, swapcontext switches. Each
 * task's ucontext is kept at the top of its own stack, as the contract
 * allows, so nothing is allocated or freed here; the boot thread's context
 * (sched_run's idle loop) is a thread-local. The unit tests run the
 * portable scheduler and IPC on it with real switches.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "sv/errno.h"
#include "sv/panic.h"
#include "sv/task.h"
#include "sv/task_arch.h"

/* glibc's swapcontext and the calls made on a task's stack need room. */
#define POSIX_STACK_MIN (16 * 1024)

struct posix_ctx {
	ucontext_t uc;
	void (*entry)(void *);
	void *arg;
};

static _Thread_local struct posix_ctx boot_ctx;

/* makecontext passes ints: the context's address comes in two halves. */
static void trampoline(unsigned int hi, unsigned int lo)
{
	struct posix_ctx *c = (struct posix_ctx *)
		(((uintptr_t)hi << 32) | (uintptr_t)lo);

	c->entry(c->arg);
	sv_panic("task entry returned");
}

int task_arch_init(struct sv_task *t, void (*entry)(void *), void *arg,
		   void *stack, size_t stack_size)
{
	uintptr_t base = (uintptr_t)stack, top = base + stack_size, at;
	struct posix_ctx *c;

	if (stack_size < sizeof(struct posix_ctx) + POSIX_STACK_MIN)
		return -SV_EINVAL;
	at = (top - sizeof(struct posix_ctx)) & ~(uintptr_t)63;
	c = (struct posix_ctx *)at;
	memset(c, 0, sizeof(*c));
	if (getcontext(&c->uc))
		return -SV_EHW;
	c->entry = entry;
	c->arg = arg;
	c->uc.uc_stack.ss_sp = stack;
	c->uc.uc_stack.ss_size = at - base;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, (void (*)(void))trampoline, 2,
		    (unsigned int)(at >> 32), (unsigned int)at);
	t->arch = c;
	return 0;
}

void task_arch_init_boot(struct sv_task *t)
{
	t->arch = &boot_ctx;
}

void task_arch_switch(struct sv_task *from, struct sv_task *to)
{
	struct posix_ctx *f = from->arch, *n = to->arch;

	if (swapcontext(&f->uc, &n->uc))
		sv_panic("swapcontext from %s to %s failed", from->name,
			 to->name);
}

