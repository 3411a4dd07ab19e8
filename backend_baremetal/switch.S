/*
 * The kernel context switch and the start of a new kernel thread
 * (context.h). The pushes of arch_switch and struct switch_frame in
 * context.h describe the same layout: change them together.
 */
	.text

/* void arch_switch(void **save_sp, void *new_sp) */
	.globl arch_switch
	.type arch_switch, @function
arch_switch:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq			/* last: no interrupt on a half-restored frame */
	ret
	.size arch_switch, . - arch_switch

/*
 * First return of a new thread (arch_context_init put its address in the
 * frame): R12 = entry, R13 = arg, R14 = exit_fn. RSP is 16-byte aligned
 * here, as the ABI wants it at a call.
 */
	.globl arch_thread_start
	.type arch_thread_start, @function
arch_thread_start:
	movq %r13, %rdi
	callq *%r12
	movq %r13, %rdi
	callq *%r14
	ud2			/* exit_fn returned */
	.size arch_thread_start, . - arch_thread_start
