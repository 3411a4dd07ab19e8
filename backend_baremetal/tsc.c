/*
 * TSC calibration against the 8254 PIT. Channel 2 is gated through port
 * 0x61 and counts down from a known value in mode 0; when OUT2 goes high,
 * CALIBRATE_MS milliseconds of PIT time (1.193182 MHz) have passed and the
 * TSC delta gives its frequency. The local APIC timer replaces the PIT for
 * ticks with the kernel issue; this only serves host_time_ns().
 */
#include "tsc.h"

#include "x86.h"

#define PIT_HZ          1193182u
#define PIT_CH2_DATA    0x42
#define PIT_CMD         0x43
#define PIT_CMD_CH2_MODE0_LOHI 0xb0	/* channel 2, lobyte/hibyte, mode 0 */
#define PORT_B          0x61
#define PORT_B_GATE2    0x01
#define PORT_B_SPEAKER  0x02
#define PORT_B_OUT2     0x20
#define CALIBRATE_MS    10
#define SPIN_LIMIT      100000000ull

static uint64_t tsc_khz;
static uint64_t tsc_base;

uint64_t tsc_calibrate(void)
{
	uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t portb = inb(PORT_B);
	uint64_t start, end, spins = 0;

	/* gate off, speaker off, then load the count in mode 0 */
	outb(PORT_B, (portb & ~(PORT_B_GATE2 | PORT_B_SPEAKER)));
	outb(PIT_CMD, PIT_CMD_CH2_MODE0_LOHI);
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	outb(PORT_B, (portb & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	start = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2) && ++spins < SPIN_LIMIT)
		;
	end = rdtsc();
	outb(PORT_B, portb);
	if (spins >= SPIN_LIMIT || end <= start)
		return 0;
	tsc_khz = (end - start) / CALIBRATE_MS;
	tsc_base = end;
	return tsc_khz;
}

uint64_t tsc_ns(void)
{
	uint64_t d;

	if (!tsc_khz)
		return 0;
	d = rdtsc() - tsc_base;
	/* d * 1e6 / khz, split to avoid overflow for long uptimes */
	return d / tsc_khz * 1000000u + d % tsc_khz * 1000000u / tsc_khz;
}
