/*
 * The first frame of a new kernel thread (context.h): a struct
 * switch_frame whose return address is arch_thread_start (switch.S) and
 * whose R12-R14 carry the entry point, its argument and the exit function,
 * above it a null return address so backtraces end there.
 */
#include "context.h"

#define RFLAGS_FIXED   (1ull << 1)	/* reserved, always 1; IF clear */
#define STACK_ALIGN    16

_Static_assert(ARCH_CONTEXT_FRAME_SIZE % STACK_ALIGN == 0,
	       "the first frame keeps the stack aligned");

void arch_thread_start(void);

void *arch_context_init(uint64_t stack_top, void (*entry)(void *arg),
			void *arg, void (*exit_fn)(void *arg))
{
	uint64_t *top = (uint64_t *)(uintptr_t)(stack_top &
						~(uint64_t)(STACK_ALIGN - 1));
	struct switch_frame *f;

	top[-1] = 0;	/* padding: arch_thread_start runs 16-byte aligned */
	top[-2] = 0;	/* null return address */
	f = (struct switch_frame *)(top - 2) - 1;
	*f = (struct switch_frame){
		.r12 = (uint64_t)(uintptr_t)entry,
		.r13 = (uint64_t)(uintptr_t)arg,
		.r14 = (uint64_t)(uintptr_t)exit_fn,
		.rflags = RFLAGS_FIXED,
		.rip = (uint64_t)(uintptr_t)arch_thread_start,
	};
	return f;
}
