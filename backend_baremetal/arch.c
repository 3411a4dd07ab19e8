/*
 * GDT, TSS and IDT of the bare-metal kernel, and the trap handler every
 * vector reaches through isr.S: vectors from IRQ_VECTOR_FIRST up go to the
 * interrupt framework (irq.c), exceptions are handled here.
 *
 * Every exception is a bug of the kernel (guests' faults are VM exits, not
 * exceptions here): the handler prints what the CPU told it, names a
 * kernel stack overflow when the fault hit a stack's guard page, and ends
 * the run through kernel_stop(), which halts (or, in a test run, ends it
 * as failed). The one exception that returns is a fault at
 * arch_probe_read's load, which makes that call fail instead.
 */
#include "arch.h"

#include "irq.h"
#include "kernel.h"
#include "kstack.h"
#include "sv/compiler.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "x86.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} SV_PACKED;
SV_STATIC_ASSERT(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t zero;
} SV_PACKED;
SV_STATIC_ASSERT(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} SV_PACKED;

#define IDT_INTERRUPT_GATE 0x8e		/* present, DPL 0, 64-bit interrupt gate */
#define TSS_AVAILABLE      0x89		/* present, 64-bit TSS (available) */
#define IST_STACK_SIZE     8192

/*
 * Interrupt stack table slots: exceptions that must run on a known-good
 * stack. #PF is among them so that a kernel stack overflow (a push into
 * the guard page) is reported by the #PF handler with the faulting RIP,
 * rather than escalating to a #DF; this is fine while every #PF is fatal,
 * and #PF must leave the IST if page faults ever become recoverable by
 * switching tasks.
 */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_PF = 4, IST_COUNT = 4 };

#define X86_VEC_NMI 2
#define X86_VEC_DF  8
#define X86_VEC_GP  13
#define X86_VEC_PF  14
#define X86_VEC_MC  18
#define NUM_EXCEPTIONS 32
#define NUM_VECTORS 256

_Static_assert(IRQ_VECTOR_FIRST == NUM_EXCEPTIONS, "isr.S stubs follow this");

extern const uint64_t isr_stub_table[NUM_VECTORS];
extern const char arch_probe_insn[], arch_probe_done[];

static struct tss64 tss;
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] SV_ALIGNED(16);
static struct idt_gate idt[NUM_VECTORS];
static unsigned exception_depth;	/* > 1: an exception in the handler */

/* null, kernel code (64-bit), kernel data, TSS (two slots) */
static uint64_t gdt[5] = {
	0,
	0x00af9a000000ffffull,
	0x00cf92000000ffffull,
	0, 0,
};

static void gdt_set_tss(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 ((uint64_t)TSS_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"ltr %w3\n\t"
		: : "m"(p), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA),
		    "r"(GDT_TSS)
		: "rax", "memory");
}

static void idt_set(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = GDT_KERNEL_CODE,
		.ist = ist,
		.type_attr = IDT_INTERRUPT_GATE,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

void arch_init(void)
{
	for (unsigned i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[i] + IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss);	/* no I/O permission bitmap */
	gdt_set_tss();
	gdt_load();

	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		uint8_t ist = v == X86_VEC_DF ? IST_DF :
			      v == X86_VEC_NMI ? IST_NMI :
			      v == X86_VEC_MC ? IST_MC :
			      v == X86_VEC_PF ? IST_PF : 0;
		idt_set(v, isr_stub_table[v], ist);
	}
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

static const char *const exception_names[NUM_EXCEPTIONS] = {
	[0] = "#DE divide error", [1] = "#DB debug", [2] = "NMI",
	[3] = "#BP breakpoint", [4] = "#OF overflow", [5] = "#BR bound range",
	[6] = "#UD invalid opcode", [7] = "#NM device not available",
	[8] = "#DF double fault", [9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS", [11] = "#NP segment not present",
	[12] = "#SS stack fault", [13] = "#GP general protection",
	[14] = "#PF page fault", [16] = "#MF x87 error",
	[17] = "#AC alignment check", [18] = "#MC machine check",
	[19] = "#XM SIMD error", [20] = "#VE virtualization exception",
	[21] = "#CP control protection", [28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication", [30] = "#SX security exception",
};

const char *arch_exception_name(unsigned vector)
{
	if (vector < NUM_EXCEPTIONS && exception_names[vector])
		return exception_names[vector];
	return "reserved";
}

/* A fault at arch_probe_read's load: make the call return -SV_EFAULT. */
static bool probe_fixup(struct trap_frame *f)
{
	if ((f->vector != X86_VEC_PF && f->vector != X86_VEC_GP) ||
	    f->rip != (uint64_t)(uintptr_t)arch_probe_insn)
		return false;
	f->rip = (uint64_t)(uintptr_t)arch_probe_done;
	f->rax = (uint64_t)-SV_EFAULT;
	return true;
}

/* A #PF or #DF that touched a guard page: say which stack overflowed. */
static void report_stack_overflow(const struct trap_frame *f, uint64_t cr2)
{
	struct kstack ks;

	if (f->vector != X86_VEC_PF && f->vector != X86_VEC_DF)
		return;
	if (!kstack_guard_hit(cr2, &ks) && !kstack_guard_hit(f->rsp, &ks))
		return;
	sv_printf("  kernel stack overflow: 0x%016lx is in the guard page "
		  "below the %s stack 0x%016lx-0x%016lx\n", cr2,
		  ks.slot == KSTACK_SLOT_BOOT ? "boot" : "kernel", ks.bottom,
		  ks.top);
}

static SV_NORETURN void exception(struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();

	if (++exception_depth > 1) {
		sv_printf("\nEXCEPTION: vector %lu (%s) while reporting an "
			  "exception, rip 0x%016lx cr2 0x%016lx\n", f->vector,
			  arch_exception_name((unsigned)f->vector), f->rip, cr2);
		kernel_stop(false);
	}
	sv_printf("\nEXCEPTION: vector %lu (%s) error 0x%lx\n", f->vector,
		  arch_exception_name((unsigned)f->vector), f->error);
	sv_printf("  rip 0x%016lx cs 0x%lx rflags 0x%lx\n", f->rip, f->cs,
		  f->rflags);
	sv_printf("  cr2 0x%016lx cr0 0x%lx cr4 0x%lx\n", cr2,
		  read_cr0(), read_cr4());
	report_stack_overflow(f, cr2);
	sv_printf("  rax 0x%016lx rbx 0x%016lx rcx 0x%016lx rdx 0x%016lx\n",
		  f->rax, f->rbx, f->rcx, f->rdx);
	sv_printf("  rsi 0x%016lx rdi 0x%016lx rbp 0x%016lx rsp 0x%016lx\n",
		  f->rsi, f->rdi, f->rbp, f->rsp);
	sv_printf("  r8  0x%016lx r9  0x%016lx r10 0x%016lx r11 0x%016lx\n",
		  f->r8, f->r9, f->r10, f->r11);
	sv_printf("  r12 0x%016lx r13 0x%016lx r14 0x%016lx r15 0x%016lx\n",
		  f->r12, f->r13, f->r14, f->r15);
	kernel_stop(false);
}

void trap_handler(struct trap_frame *f)
{
	if (f->vector >= IRQ_VECTOR_FIRST) {
		irq_dispatch(f);
		return;
	}
	if (probe_fixup(f))
		return;
	exception(f);
}
