/*
 * The kernel's own descriptor tables and exception handling: a GDT with a
 * 64-bit TSS (separate IST stacks for #DF, NMI and #MC, so a blown kernel
 * stack still reports), and an IDT whose 32 exception vectors print the
 * vector, error code, RIP, CR2 and registers, then stop the machine.
 */
#ifndef SV_BM_ARCH_H
#define SV_BM_ARCH_H

#include <stdint.h>

/* Saved by isr.S: registers, then vector and error code, then the CPU frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* Load the GDT, TSS and IDT. Interrupts stay disabled. */
void arch_init(void);

/* Short mnemonic of an exception vector ("#PF"), or "?" for others. */
const char *arch_exception_name(unsigned vector);

/* Called from isr.S for every exception. */
void trap_handler(struct trap_frame *f);

#endif
