/*
 * Interrupt entry stubs for all 256 vectors. Exceptions 0-31: each pushes
 * a zero where the CPU pushes no error code, then its vector. Vectors
 * 32-255 (hardware interrupts, irq.h): generated 16-byte stubs that push
 * a zero and the vector. So every frame has one layout (struct trap_frame
 * in arch.h); the common path saves the general-purpose registers and
 * calls trap_handler(frame), which dispatches exceptions and interrupts.
 *
 * Also arch_probe_read: a read that may fault, resumed by trap_handler.
 */
	.text

.macro ISR_NOERR vec
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

.macro ISR_ERR vec
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

/* Vectors whose exceptions push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

#define FIRST_IRQ_VECTOR 32
#define NUM_VECTORS      256
#define IRQ_STUB_SIZE    16	/* push $0 (2) + push $vec (5) + jmp (5), padded */

	.balign IRQ_STUB_SIZE
irq_stubs:
	vector = FIRST_IRQ_VECTOR
	.rept NUM_VECTORS - FIRST_IRQ_VECTOR
	.balign IRQ_STUB_SIZE
	pushq $0
	pushq $vector
	jmp isr_common
	vector = vector + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call trap_handler
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	iretq

/*
 * int arch_probe_read(const volatile void *p, uint64_t *out): the load at
 * arch_probe_insn may fault; trap_handler then resumes at arch_probe_done
 * with RAX set to the error (arch.h).
 */
	.globl arch_probe_read, arch_probe_insn, arch_probe_done
	.type arch_probe_read, @function
arch_probe_read:
	xorl %eax, %eax
arch_probe_insn:
	movq (%rdi), %rcx
	movq %rcx, (%rsi)
arch_probe_done:
	ret
	.size arch_probe_read, . - arch_probe_read

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\vec
	.endr
	stub = 0
	.rept NUM_VECTORS - FIRST_IRQ_VECTOR
	.quad irq_stubs + stub * IRQ_STUB_SIZE
	stub = stub + 1
	.endr
