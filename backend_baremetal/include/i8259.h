/*
 * The legacy 8259A interrupt-controller pair (master at 0x20, slave at
 * 0xa0, cascaded on master input 2). irq.c uses it for device interrupts
 * when there is no I/O APIC, and otherwise only remaps and masks it so
 * its vectors cannot collide with the CPU's exceptions.
 */
#ifndef SV_BM_I8259_H
#define SV_BM_I8259_H

#include <stdbool.h>

#define I8259_IRQS    16
#define I8259_CASCADE 2		/* master input the slave is wired to */

/* ICW1-4: IRQ n raises vector base + n; every line masked. */
void i8259_init(unsigned base_vector);
void i8259_set_masked(unsigned irq, bool masked);
/* End of interrupt for irq (the slave, then the master, for 8-15). */
void i8259_eoi(unsigned irq);
/*
 * IRQ 7 and 15 also arrive when a request went away before the CPU
 * acknowledged it. True when irq is such a spurious one (its in-service
 * bit is clear); for 15 the master still gets its EOI for the cascade.
 */
bool i8259_spurious(unsigned irq);

#endif /* SV_BM_I8259_H */
