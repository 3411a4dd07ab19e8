/*
 * The interrupt framework (irq.h): picks the controllers at boot, keeps a
 * table of handlers per vector and per line, routes lines through the I/O
 * APIC or the 8259 pair, and is where every hardware interrupt arrives
 * from isr.S: count, handlers, end of interrupt, exit hook.
 */
#include "irq.h"

#include "acpi.h"
#include "apic.h"
#include "i8259.h"
#include "ioapic.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"

#define PC_PIT_GSI        2	/* where IRQ 0 arrives on every PC */
#define OVERRIDES_TEXT_MAX 160

struct irq_action {
	irq_handler_fn *fn;
	void *ctx;
};

struct irq_line {
	struct irq_action act[IRQ_HANDLERS_PER_LINE];
	unsigned n;
	uint64_t count;
};

struct irq_vector {
	irq_handler_fn *fn;
	void *ctx;
};

static struct irq_line lines[IRQ_LINES];
static struct irq_vector vectors[IRQ_VECTORS];
static irq_exit_hook_fn *exit_hook;
static bool have_lapic, have_ioapic;
static uint64_t spurious, apic_errors, unexpected;

/*
 * ISA IRQ -> I/O APIC pin, trigger and polarity: the MADT's interrupt
 * source overrides, or without a MADT the PC's usual one (IRQ 0 on pin 2).
 * An IRQ whose pin another IRQ's override took (IRQ 2, the cascade, behind
 * the PIT's pin) has none.
 */
struct isa_route {
	uint32_t gsi;
	bool level, active_low;
	bool usable;
};

static struct isa_route isa[IRQ_ISA_COUNT];
static char overrides_text[OVERRIDES_TEXT_MAX];	/* for the report */

bool irq_have_lapic(void)
{
	return have_lapic;
}

bool irq_have_ioapic(void)
{
	return have_ioapic;
}

int irq_route(unsigned irq, struct irq_route *r)
{
	if (irq >= IRQ_LINES)
		return -SV_EINVAL;
	if (have_ioapic) {
		/* GSIs above the ISA range: PCI, level-triggered active low */
		struct isa_route gsi = { irq, true, true, true };
		const struct isa_route *ir = irq < IRQ_ISA_COUNT ? &isa[irq] : &gsi;

		/* a GSI an ISA IRQ was moved to is reached by that IRQ only */
		for (unsigned i = 0; i < IRQ_ISA_COUNT && irq >= IRQ_ISA_COUNT; i++)
			if (isa[i].usable && isa[i].gsi == irq)
				return -SV_EINVAL;
		if (!ir->usable || ir->gsi >= ioapic_pins() ||
		    ir->gsi >= IRQ_VECTOR_APIC_TIMER - IRQ_VECTOR_IOAPIC_BASE)
			return -SV_EINVAL;
		*r = (struct irq_route){
			.vector = IRQ_VECTOR_IOAPIC_BASE + ir->gsi, .pin = ir->gsi,
			.ioapic = true,
			.level = ir->level,
			.active_low = ir->active_low,
		};
		return 0;
	}
	if (irq >= I8259_IRQS || irq == I8259_CASCADE)
		return -SV_EINVAL;
	*r = (struct irq_route){ .vector = IRQ_VECTOR_PIC_BASE + irq, .pin = irq };
	return 0;
}

static void line_set_masked(unsigned irq, const struct irq_route *r,
			    bool masked)
{
	if (r->ioapic)
		ioapic_route(r->pin, r->vector, apic_id(), r->level,
			     r->active_low, masked);
	else
		i8259_set_masked(r->pin, masked);
}

/* The handler of every line's vector: ctx is the line. */
static void line_interrupt(void *ctx)
{
	struct irq_line *l = ctx;

	l->count++;
	for (unsigned i = 0; i < l->n; i++)
		l->act[i].fn(l->act[i].ctx);
}

int irq_register(unsigned irq, irq_handler_fn *handler, void *ctx)
{
	struct irq_route r;
	struct irq_line *l;
	unsigned long flags;
	int err = irq_route(irq, &r);

	if (err)
		return err;
	if (!handler)
		return -SV_EINVAL;
	l = &lines[irq];
	flags = host_irq_save();
	for (unsigned i = 0; i < l->n; i++)
		if (l->act[i].fn == handler && l->act[i].ctx == ctx)
			err = -SV_EEXIST;
	if (!err && l->n == IRQ_HANDLERS_PER_LINE)
		err = -SV_EBUSY;
	if (!err) {
		l->act[l->n++] = (struct irq_action){ handler, ctx };
		if (l->n == 1) {
			vectors[r.vector] = (struct irq_vector){ line_interrupt, l };
			line_set_masked(irq, &r, false);
		}
	}
	host_irq_restore(flags);
	return err;
}

int irq_unregister(unsigned irq, irq_handler_fn *handler, void *ctx)
{
	struct irq_route r;
	struct irq_line *l;
	unsigned long flags;
	int err = irq_route(irq, &r);

	if (err)
		return err;
	l = &lines[irq];
	err = -SV_ENOENT;
	flags = host_irq_save();
	for (unsigned i = 0; i < l->n; i++) {
		if (l->act[i].fn != handler || l->act[i].ctx != ctx)
			continue;
		for (unsigned j = i + 1; j < l->n; j++)
			l->act[j - 1] = l->act[j];
		l->n--;
		if (!l->n) {
			line_set_masked(irq, &r, true);
			vectors[r.vector] = (struct irq_vector){ 0 };
		}
		err = 0;
		break;
	}
	host_irq_restore(flags);
	return err;
}

uint64_t irq_count(unsigned irq)
{
	return irq < IRQ_LINES ? lines[irq].count : 0;
}

uint64_t irq_spurious_count(void)
{
	return spurious;
}

int irq_set_vector_handler(unsigned vector, irq_handler_fn *handler,
			   void *ctx)
{
	unsigned long flags;

	if (vector != IRQ_VECTOR_APIC_TIMER && vector != IRQ_VECTOR_SELFTEST)
		return -SV_EINVAL;
	flags = host_irq_save();
	vectors[vector] = (struct irq_vector){ handler, ctx };
	host_irq_restore(flags);
	return 0;
}

irq_exit_hook_fn *irq_set_exit_hook(irq_exit_hook_fn *hook)
{
	unsigned long flags = host_irq_save();
	irq_exit_hook_fn *old = exit_hook;

	exit_hook = hook;
	host_irq_restore(flags);
	return old;
}

static void apic_error_interrupt(void *ctx)
{
	uint32_t esr = apic_read_error();

	(void)ctx;
	if (!apic_errors++)
		sv_printf("apic: error interrupt, ESR 0x%x (reported once)\n",
			  esr);
}

static bool is_pic_vector(unsigned v)
{
	return v >= IRQ_VECTOR_PIC_BASE && v < IRQ_VECTOR_PIC_BASE + I8259_IRQS;
}

void irq_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	const struct irq_vector *iv = &vectors[v];

	if (v == IRQ_VECTOR_SPURIOUS ||
	    (is_pic_vector(v) && i8259_spurious(v - IRQ_VECTOR_PIC_BASE))) {
		spurious++;	/* never acknowledged: no EOI */
		return;
	}
	if (iv->fn) {
		iv->fn(iv->ctx);
	} else if (!unexpected++) {
		sv_printf("irq: unexpected vector 0x%x (no handler; reported "
			  "once)\n", v);
	}
	/* 8259 interrupts come as ExtINT, which the local APIC never holds. */
	if (is_pic_vector(v))
		i8259_eoi(v - IRQ_VECTOR_PIC_BASE);
	else if (have_lapic)
		apic_eoi();
	if (exit_hook)
		exit_hook();
}

static void report(void)
{
	sv_printf("irq: 8259 pair remapped to vectors 0x%x-0x%x and masked\n",
		  IRQ_VECTOR_PIC_BASE, IRQ_VECTOR_PIC_BASE + I8259_IRQS - 1);
	if (have_lapic)
		sv_printf("apic: local APIC id %u version 0x%x at 0x%lx, "
			  "uncached\n", apic_id(), apic_version(),
			  apic_base_pa());
	if (have_ioapic)
		sv_printf("ioapic: %u pins, version 0x%x, at 0x%lx; device "
			  "IRQs go through it; ISA overrides %s\n", ioapic_pins(),
			  ioapic_version(), ioapic_base_pa(), overrides_text);
	else
		sv_printf("irq: device IRQs go through the 8259 pair%s\n",
			  have_lapic ? " (local APIC LINT0 as virtual wire)" : "");
}

/* The ISA routes from the MADT (or a PC's defaults without one). */
static void isa_routes(const struct acpi_madt *madt, const char *source)
{
	struct acpi_madt pc;
	size_t len;

	if (!madt) {
		acpi_madt_defaults(&pc);
		pc.isa[IRQ_PIT].gsi = PC_PIT_GSI;
		pc.isa[IRQ_PIT].overridden = true;
		madt = &pc;
	}
	len = (size_t)sv_snprintf(overrides_text, sizeof(overrides_text),
				  "(%s):", source);
	for (unsigned i = 0; i < IRQ_ISA_COUNT; i++) {
		const struct acpi_isa_irq *a = &madt->isa[i];

		isa[i] = (struct isa_route){ a->gsi, a->level, a->active_low,
					     i != IRQ_CASCADE };
		for (unsigned j = 0; j < IRQ_ISA_COUNT; j++)
			if (j != i && !a->overridden &&
			    madt->isa[j].overridden && madt->isa[j].gsi == a->gsi)
				isa[i].usable = false;
		if (a->overridden && len < sizeof(overrides_text))
			len += (size_t)sv_snprintf(overrides_text + len,
				sizeof(overrides_text) - len, " %u->%u%s%s", i,
				a->gsi, a->level ? " level" : "",
				a->active_low ? " low" : "");
	}
}

/* The I/O APIC that serves the ISA IRQs (GSI 0 up), or false. */
static bool isa_ioapic(const struct acpi_madt *madt, uint64_t *pa)
{
	if (!madt) {
		*pa = IOAPIC_DEFAULT_BASE;
		return true;
	}
	for (unsigned i = 0; i < madt->n_ioapics; i++)
		if (madt->ioapic[i].gsi_base == 0) {
			*pa = madt->ioapic[i].pa;
			return true;
		}
	return false;
}

void irq_init(bool allow_apic, const struct acpi_madt *madt)
{
	uint64_t ioapic_pa;
	int err;

	i8259_init(IRQ_VECTOR_PIC_BASE);
	isa_routes(madt, madt ? "ACPI MADT" : "no MADT, PC default");
	vectors[IRQ_VECTOR_APIC_ERROR] =
		(struct irq_vector){ apic_error_interrupt, NULL };
	if (allow_apic) {
		err = apic_init(IRQ_VECTOR_SPURIOUS, IRQ_VECTOR_APIC_ERROR);
		have_lapic = err == 0;
		if (err && err != -SV_ENODEV)
			sv_printf("apic: local APIC not usable: %s\n",
				  sv_strerror(err));
	}
	if (have_lapic) {
		if (isa_ioapic(madt, &ioapic_pa)) {
			err = ioapic_init(ioapic_pa);
			have_ioapic = err == 0;
			if (err)
				sv_printf("ioapic: none at 0x%lx: %s\n",
					  ioapic_pa, sv_strerror(err));
		} else {
			sv_printf("ioapic: the MADT lists none for the ISA "
				  "IRQs\n");
		}
		apic_set_lint0_extint(!have_ioapic);
	}
	report();
}
