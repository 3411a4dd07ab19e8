/*
 * Bounded waits for polling drivers. Every loop that waits on hardware
 * stops at a deadline so that a missing or wedged device cannot hang the
 * kernel. Time is the calibrated TSC (tsc.h); before calibration, or if
 * the PIT never ticked, a spin count stands in, assuming each poll (a port
 * read) costs at least DEADLINE_NS_PER_SPIN.
 */
#ifndef SV_BM_DRV_DEADLINE_H
#define SV_BM_DRV_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "portio.h"
#include "tsc.h"
#include "x86.h"

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define DEADLINE_NS_PER_SPIN 100ull

struct deadline {
	uint64_t end_ns;	/* tsc_ns() value; 0: counting spins */
	uint64_t spins_left;
};

static inline void deadline_start(struct deadline *d, uint64_t timeout_ns)
{
	uint64_t now = tsc_ns();

	d->end_ns = now ? now + timeout_ns : 0;
	d->spins_left = timeout_ns / DEADLINE_NS_PER_SPIN + 1;
}

/* Call once per poll; true once the time is up. */
static inline bool deadline_passed(struct deadline *d)
{
	if (d->end_ns)
		return tsc_ns() >= d->end_ns;
	if (!d->spins_left)
		return true;
	d->spins_left--;
	cpu_relax();
	return false;
}

/* Busy-wait for at least ns nanoseconds (a port write per spin keeps the
 * uncalibrated fallback on the long side). */
static inline void delay_ns(uint64_t ns)
{
	struct deadline d;

	deadline_start(&d, ns);
	while (!deadline_passed(&d))
		pio_delay();
}

#endif /* SV_BM_DRV_DEADLINE_H */
