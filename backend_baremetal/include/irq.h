/*
 * Hardware interrupts of the bare-metal kernel: vectors 32-255, device
 * interrupt lines and the controllers behind them.
 *
 * Controllers: the 8259 pair is always remapped to IRQ_VECTOR_PIC_BASE and
 * masked. Where there is a local APIC (and `noapic` is not on the command
 * line) it is enabled; device lines then go through the I/O APIC when one
 * answers, else through the 8259 pair with the local APIC's LINT0 as a
 * virtual wire. Without a local APIC the 8259 pair does everything.
 *
 * Lines: an irq number is an ISA IRQ (0-15) or, with the I/O APIC, a
 * global system interrupt number (16 and up, level-triggered active-low
 * as PCI wires them). ISA IRQs reach the I/O APIC pin, with the trigger
 * mode and polarity, that the ACPI MADT's interrupt source overrides give
 * (without a MADT: IRQ 0, the PIT, on pin 2 as on every PC, the others on
 * their own pin, edge-triggered active-high). The I/O APIC used is the
 * one the MADT lists for GSI 0 (without a MADT: 0xfec00000); others are
 * not driven.
 *
 * Vectors:  0x20-0x2f  8259 IRQs 0-15
 *           0x30-0x6f  I/O APIC pins 0-63
 *           0xf0       local APIC timer (the tick, timer.c)
 *           0xf1       self-test IPI
 *           0xfe       local APIC error
 *           0xff       local APIC spurious interrupt
 *
 * Handlers run with interrupts disabled on the stack of whatever was
 * interrupted, and must neither block nor switch tasks. The end of
 * interrupt is signalled after the handlers return; then the exit hook
 * (irq_set_exit_hook) runs: the place where the scheduler may preempt.
 */
#ifndef SV_BM_IRQ_H
#define SV_BM_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "sv/compiler.h"

struct acpi_madt;

/* ISA IRQ lines of the PC */
#define IRQ_PIT        0
#define IRQ_KEYBOARD   1
#define IRQ_CASCADE    2
#define IRQ_COM2       3
#define IRQ_COM1       4
#define IRQ_RTC        8
#define IRQ_MOUSE      12
#define IRQ_ATA_PRIMARY   14
#define IRQ_ATA_SECONDARY 15
#define IRQ_ISA_COUNT  16

#define IRQ_LINES      64	/* irq numbers 0-63 */
#define IRQ_HANDLERS_PER_LINE 4	/* shared lines */

#define IRQ_VECTOR_FIRST       0x20	/* below: CPU exceptions */
#define IRQ_VECTOR_PIC_BASE    0x20
#define IRQ_VECTOR_IOAPIC_BASE 0x30
#define IRQ_VECTOR_APIC_TIMER  0xf0
#define IRQ_VECTOR_SELFTEST    0xf1
#define IRQ_VECTOR_APIC_ERROR  0xfe
#define IRQ_VECTOR_SPURIOUS    0xff
#define IRQ_VECTORS            256

typedef void irq_handler_fn(void *ctx);

/*
 * Set the controllers up as described above, every line masked.
 * allow_apic false forces the 8259 pair (the `noapic` word); madt is what
 * acpi_read_madt() found, or NULL. Prints what it found. Interrupts stay
 * disabled.
 */
void irq_init(bool allow_apic, const struct acpi_madt *madt);

/* The local APIC is in use (timer, EOI); the I/O APIC routes device lines. */
bool irq_have_lapic(void);
bool irq_have_ioapic(void);

/*
 * Call handler(ctx) on every interrupt of line irq, and unmask the line
 * when it is the first handler. -SV_EINVAL for an irq that the
 * controllers cannot deliver, -SV_EEXIST when this handler and ctx are
 * already registered, -SV_EBUSY when the line has IRQ_HANDLERS_PER_LINE.
 */
SV_MUST_CHECK int irq_register(unsigned irq, irq_handler_fn *handler,
			       void *ctx);
/* Remove a handler; the line is masked when it was the last. -SV_ENOENT. */
SV_MUST_CHECK int irq_unregister(unsigned irq, irq_handler_fn *handler,
				 void *ctx);

/* How a line reaches the CPU (for reports and tests). */
struct irq_route {
	unsigned vector;
	unsigned pin;		/* I/O APIC pin, or 8259 input */
	bool ioapic;		/* else the 8259 pair */
	bool level, active_low;
};
SV_MUST_CHECK int irq_route(unsigned irq, struct irq_route *r);

/* Interrupts of line irq since boot. */
uint64_t irq_count(unsigned irq);
/* Spurious interrupts (APIC spurious vector, 8259 IRQ 7/15) since boot. */
uint64_t irq_spurious_count(void);

/*
 * Own a local vector (IRQ_VECTOR_APIC_TIMER, IRQ_VECTOR_SELFTEST): the
 * handler runs like a line's, EOI to the local APIC afterwards. NULL
 * releases it. -SV_EINVAL for a vector that belongs to lines or errors.
 */
SV_MUST_CHECK int irq_set_vector_handler(unsigned vector,
					 irq_handler_fn *handler, void *ctx);

/*
 * Called at the end of every interrupt, after the EOI, with interrupts
 * still disabled, on the interrupted context's stack: it may switch to
 * another task (which resumes this one later through the same path).
 * NULL: none. Returns the previous hook.
 */
typedef void irq_exit_hook_fn(void);
irq_exit_hook_fn *irq_set_exit_hook(irq_exit_hook_fn *hook);

/* From trap_handler (arch.c) for vectors IRQ_VECTOR_FIRST and up. */
void irq_dispatch(struct trap_frame *f);

#endif /* SV_BM_IRQ_H */
