/*
 * The kernel's periodic tick and its clock. The tick comes from the local
 * APIC timer, calibrated against the PIT at boot, or from PIT channel 0 on
 * IRQ 0 where there is no local APIC. Each tick calls the tick hook: the
 * scheduler hangs its accounting there and preempts from the interrupt's
 * exit hook (irq.h). The clock is the TSC, calibrated against the same
 * PIT, so ticks and nanoseconds agree.
 */
#ifndef SV_BM_TIMER_H
#define SV_BM_TIMER_H

#include <stdint.h>

#include "sv/compiler.h"

#define TIMER_HZ 1000
#define TIMER_PERIOD_NS (1000000000ull / TIMER_HZ)

/* Called in interrupt context on each tick with the clock's time. */
typedef void timer_tick_fn(uint64_t now_ns, void *ctx);

/*
 * Calibrate and start the tick (after irq_init, before sti: the first
 * tick comes once interrupts are enabled). Prints the calibration.
 * -SV_EIO when the PIT never ran out (nothing to calibrate against).
 */
SV_MUST_CHECK int timer_init(void);

/* Install the tick hook (NULL: none). One hook: the scheduler's. */
void timer_set_tick_hook(timer_tick_fn *fn, void *ctx);

/* Ticks since interrupts were enabled. */
uint64_t timer_ticks(void);

/*
 * Monotonic nanoseconds: the calibrated TSC, or the tick count times the
 * period if the TSC could not be calibrated. host_time_ns() is this.
 */
uint64_t timer_now_ns(void);

/* "local APIC timer" or "PIT channel 0"; NULL before timer_init(). */
const char *timer_source(void);

#endif /* SV_BM_TIMER_H */
