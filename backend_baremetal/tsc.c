/*
 * TSC calibration against the 8254 PIT: channel 2 times CALIBRATE_MS
 * milliseconds (i8254.c) and the TSC delta over it gives the frequency.
 * Anything that delays the loop that sees the interval end (an SMI; under
 * an emulator, the host descheduling it) only makes the delta larger, so
 * the smallest of CALIBRATE_ROUNDS measurements is kept. host_time_ns()
 * reads this clock; the tick (timer.c) is measured against it.
 */
#include "tsc.h"

#include "i8254.h"
#include "sv/compiler.h"
#include "x86.h"

#define CALIBRATE_MS     10
#define CALIBRATE_ROUNDS 3
#define NS_PER_MS       1000000u

static uint64_t tsc_khz;
static uint64_t tsc_base;

uint64_t tsc_calibrate(void)
{
	uint64_t best = UINT64_MAX, start, end = 0;

	for (int i = 0; i < CALIBRATE_ROUNDS; i++) {
		bool ok;

		i8254_gate_start(CALIBRATE_MS);
		start = rdtsc();
		ok = i8254_gate_wait();
		end = rdtsc();
		if (!ok || end <= start)
			return 0;
		best = SV_MIN(best, end - start);
	}
	tsc_khz = best / CALIBRATE_MS;
	tsc_base = end;
	return tsc_khz;
}

uint64_t tsc_khz_get(void)
{
	return tsc_khz;
}

uint64_t tsc_ns(void)
{
	uint64_t d;

	if (!tsc_khz)
		return 0;
	d = rdtsc() - tsc_base;
	/* d * 1e6 / khz, split to avoid overflow for long uptimes */
	return d / tsc_khz * NS_PER_MS + d % tsc_khz * NS_PER_MS / tsc_khz;
}
