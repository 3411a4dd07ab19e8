/*
 * Interrupt lines and the VM's interrupt controller, as the vmm sees them.
 *
 * Devices drive numbered lines with vm_irq_set() (sv/vm.h); the VM routes
 * them to the one interrupt-controller model registered for it (the 8259A
 * pair in devices/), which the vmm asks, before each entry, whether an
 * interrupt is pending and, when the guest can take it, for its vector.
 * The vmm never names the controller: it knows it only through these ops.
 */
#ifndef SV_IRQ_H
#define SV_IRQ_H

#include <stdbool.h>

struct sv_intc_ops {
	/* A device line changed level (edge-triggered models look for 0->1). */
	void (*set_irq)(void *ctx, unsigned irq, bool level);
	/* True when the controller would raise INTR to the CPU now. */
	bool (*pending)(void *ctx);
	/* The CPU acknowledges INTR: return the vector to deliver (0-255). */
	int (*ack)(void *ctx);
};

#endif /* SV_IRQ_H */
