/*
 * The kernel's own descriptor tables and exception handling: a GDT with a
 * 64-bit TSS (separate IST stacks for #DF, NMI, #MC and #PF, so a blown
 * kernel stack still reports), and an IDT of 256 vectors: the 32 exception
 * vectors print the vector, error code, RIP, CR2 and registers (and which
 * stack overflowed, for a fault on a guard page), then stop the machine;
 * the others are hardware interrupts, handed to irq.c.
 */
#ifndef SV_BM_ARCH_H
#define SV_BM_ARCH_H

#include <stdint.h>

#include "sv/compiler.h"

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

/* Called from isr.S for every vector. */
void trap_handler(struct trap_frame *f);

/*
 * Read 8 bytes at p into *out; -SV_EFAULT instead of an exception when p
 * is unmapped or non-canonical. For tests and diagnostics (is this page
 * mapped?), not for ordinary memory access.
 */
SV_MUST_CHECK int arch_probe_read(const volatile void *p, uint64_t *out);

#endif
