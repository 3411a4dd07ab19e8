/*
 * The periodic tick (timer.h). With a local APIC: its timer, divide by 16,
 * periodic, on IRQ_VECTOR_APIC_TIMER. Its rate is measured over an
 * interval PIT channel 2 times, as a ratio to the TSC (itself calibrated
 * against the PIT): the two counters are read back to back at each end, so
 * a late look at the interval's end (an emulator's host descheduling it)
 * changes nothing, and the tick agrees with host_time_ns() by
 * construction. Without a local APIC: PIT channel 0 as a rate generator
 * on IRQ 0, through irq.c like any device line.
 */
#include "timer.h"

#include "apic.h"
#include "i8254.h"
#include "irq.h"
#include "sv/errno.h"
#include "sv/format.h"
#include "sv/host.h"
#include "tsc.h"
#include "x86.h"

#define CALIBRATE_MS      I8254_GATE_MAX_MS
#define HZ_PER_KHZ        1000u
#define PAIR_TRIES        8
#define PAIR_MAX_US       20	/* TSC span of one good pair of reads */
#define US_PER_MS         1000u

static timer_tick_fn *tick_hook;
static void *tick_ctx;
static volatile uint64_t ticks;
static const char *source;

static void tick(void *ctx)
{
	(void)ctx;
	ticks++;
	if (tick_hook)
		tick_hook(timer_now_ns(), tick_ctx);
}

void timer_set_tick_hook(timer_tick_fn *fn, void *ctx)
{
	unsigned long flags = host_irq_save();	/* the tick reads both */

	tick_hook = fn;
	tick_ctx = ctx;
	host_irq_restore(flags);
}

uint64_t timer_ticks(void)
{
	return ticks;
}

uint64_t timer_now_ns(void)
{
	if (tsc_khz_get())
		return tsc_ns();
	return ticks * TIMER_PERIOD_NS;
}

const char *timer_source(void)
{
	return source;
}

/* The TSC and the APIC timer read together: false if too far apart. */
static bool read_pair(uint64_t *tsc, uint32_t *apic)
{
	uint64_t max = tsc_khz_get() * PAIR_MAX_US / US_PER_MS;

	for (int i = 0; i < PAIR_TRIES; i++) {
		uint64_t t0 = rdtsc();
		uint32_t a = apic_timer_current();
		uint64_t t1 = rdtsc();

		if (t1 - t0 <= max) {
			*tsc = t0 + (t1 - t0) / 2;
			*apic = a;
			return true;
		}
	}
	return false;
}

/* Local APIC timer counts (after the divider) per second, or 0. */
static uint64_t apic_timer_hz(void)
{
	uint64_t tsc0, tsc1, khz = tsc_khz_get();
	uint32_t apic0, apic1;
	bool ok;

	if (!khz)
		return 0;
	apic_timer_start_free();
	i8254_gate_start(CALIBRATE_MS);
	ok = read_pair(&tsc0, &apic0);
	ok = i8254_gate_wait() && ok;
	ok = read_pair(&tsc1, &apic1) && ok;
	apic_timer_stop();
	if (!ok || apic1 >= apic0 || tsc1 <= tsc0)
		return 0;
	/* counts / (tsc ticks / (khz * 1000)); 128-bit: no overflow */
	return (uint64_t)((unsigned __int128)(apic0 - apic1) * khz *
			  HZ_PER_KHZ / (tsc1 - tsc0));
}

static int start_apic_timer(void)
{
	uint64_t hz = apic_timer_hz();
	uint64_t per_tick = hz / TIMER_HZ;
	int err;

	if (!per_tick || per_tick > UINT32_MAX) {
		sv_printf("apic: timer calibration failed (%lu Hz)\n", hz);
		return -SV_EIO;
	}
	err = irq_set_vector_handler(IRQ_VECTOR_APIC_TIMER, tick, NULL);
	if (err)
		return err;
	apic_timer_start_periodic((uint32_t)per_tick, IRQ_VECTOR_APIC_TIMER);
	source = "local APIC timer";
	sv_printf("apic: timer %u Hz calibrated against the PIT and TSC: "
		  "input %lu.%03lu MHz after divide-by-%u, %lu counts per tick\n",
		  TIMER_HZ, hz / (HZ_PER_KHZ * HZ_PER_KHZ),
		  hz / HZ_PER_KHZ % HZ_PER_KHZ, APIC_TIMER_DIVISOR, per_tick);
	return 0;
}

static int start_pit(void)
{
	int err = irq_register(IRQ_PIT, tick, NULL);

	if (err)
		return err;
	i8254_periodic(TIMER_HZ);
	source = "PIT channel 0";
	sv_printf("pit: timer %u Hz on IRQ %u (no local APIC in use)\n",
		  TIMER_HZ, IRQ_PIT);
	return 0;
}

int timer_init(void)
{
	return irq_have_lapic() ? start_apic_timer() : start_pit();
}
