/*
 * The 8254 programmable interval timer, as the kernel uses it: channel 2
 * (gated through port 0x61, readable as OUT2) times a known interval to
 * calibrate the TSC and the local APIC timer; channel 0 (IRQ 0) is the
 * periodic tick when there is no local APIC, and a test interrupt source.
 */
#ifndef SV_BM_I8254_H
#define SV_BM_I8254_H

#include <stdbool.h>

#define I8254_HZ 1193182u		/* input clock */
#define I8254_GATE_MAX_MS 50	/* longest channel-2 interval (16-bit count) */

/* Start timing ms milliseconds (1..I8254_GATE_MAX_MS) on channel 2. */
void i8254_gate_start(unsigned ms);
/*
 * Wait until the interval has passed and give port 0x61 back as it was.
 * False when OUT2 never rose (no PIT, or a broken one).
 */
bool i8254_gate_wait(void);

/* Channel 0 as a rate generator: IRQ 0 hz times a second. */
void i8254_periodic(unsigned hz);
/* Channel 0 one-shot with the longest count: IRQ 0 stops ticking. */
void i8254_stop(void);

#endif /* SV_BM_I8254_H */
