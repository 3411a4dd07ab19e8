/*
 * Kernel execution contexts: the register switch between two kernel
 * threads and the first frame of a new one. No FPU/SSE state: the kernel
 * is built without it (toolchain-baremetal.cmake), and guest FPU state is
 * the VMX backend's business. This is the hardware half of tasks; the
 * scheduler's seam (osk's sv/task_arch.h, task_arch.c here) is built on it.
 */
#ifndef SV_BM_CONTEXT_H
#define SV_BM_CONTEXT_H

#include <stdint.h>

/*
 * Save the callee-saved registers (RBX, RBP, R12-R15) and RFLAGS on the
 * current stack, store the stack pointer in *save_sp, switch to the stack
 * new_sp (saved by an earlier arch_switch, or made by arch_context_init)
 * and return into that context with its own registers and RFLAGS. The
 * caller resumes, returning from this call, when someone switches to what
 * was stored in *save_sp. Each context gets back its own interrupt flag;
 * the scheduler calls this with interrupts disabled.
 */
void arch_switch(void **save_sp, void *new_sp);

/* What a suspended context keeps on its stack, lowest address first. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rflags;
	uint64_t rip;		/* where arch_switch returns to */
};

/* Bytes arch_context_init uses at the top of a stack. */
#define ARCH_CONTEXT_FRAME_SIZE (sizeof(struct switch_frame) + 16)

/*
 * Lay out the first frame of a new kernel thread below stack_top and
 * return the stack pointer to give arch_switch. The first switch to it
 * calls entry(arg) with interrupts disabled (entry enables them) and the
 * stack aligned as at a call; if entry returns, exit_fn(arg) is called,
 * which must not return.
 */
void *arch_context_init(uint64_t stack_top, void (*entry)(void *arg),
			void *arg, void (*exit_fn)(void *arg));

#endif /* SV_BM_CONTEXT_H */
