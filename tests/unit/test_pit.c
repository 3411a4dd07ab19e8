/*
 * The 8254 PIT and port B (devices/pit.c), driven through the I/O bus as a
 * guest would, on simulated guest time (vm_set_clock) that the tests
 * advance and then run the VM's due timers, as the vCPU loop does before
 * each entry. IRQ 0 is observed by a fake interrupt controller that counts
 * rising edges, and in one test by the real 8259A pair.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fake_backend.h"
#include "sv/dev/pic.h"
#include "sv/dev/pit.h"
#include "sv/errno.h"
#include "sv/iobus.h"
#include "sv/vm.h"
#include "sv_test.h"

enum {
	PIT_CH0 = 0x40, PIT_CH1 = 0x41, PIT_CH2 = 0x42, PIT_CTRL = 0x43,
	PORT_B = 0x61,
	/* Control words: SC RW M BCD. */
	CW_CH0_LATCH = 0x00,
	CW_CH0_MODE0 = 0x30, CW_CH0_MODE2 = 0x34, CW_CH0_MODE3 = 0x36,
	CW_CH0_MODE4 = 0x38,
	CW_CH2_MODE0 = 0xb0, CW_CH2_MODE1 = 0xb2, CW_CH2_MODE3 = 0xb6,
	CW_CH2_MODE5 = 0xba, CW_CH2_LATCH = 0x80,
	PORT_B_GATE2 = 0x01, PORT_B_SPEAKER = 0x02, PORT_B_REFRESH = 0x10,
	PORT_B_OUT2 = 0x20,
};

/* Start ten hours into guest time: the arithmetic must not care. */
#define T0_NS (10ull * 3600 * 1000000000ull)

struct fake_intc {
	bool level[16];
	unsigned rises[16];
};

struct env {
	struct sv_vm vm;
	struct sv_pit pit;
	struct fake_intc intc;
	uint64_t now;
};

static void fake_set_irq(void *ctx, unsigned irq, bool level)
{
	struct fake_intc *f = ctx;

	if (irq >= 16)
		return;
	if (level && !f->level[irq])
		f->rises[irq]++;
	f->level[irq] = level;
}

static bool fake_pending(void *ctx)
{
	(void)ctx;
	return false;
}

static int fake_ack(void *ctx)
{
	(void)ctx;
	return -SV_EAGAIN;
}

static const struct sv_intc_ops fake_intc_ops = {
	.set_irq = fake_set_irq,
	.pending = fake_pending,
	.ack = fake_ack,
};

static uint64_t env_clock(void *ctx)
{
	return ((struct env *)ctx)->now;
}

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_FATAL(vm_init(&e->vm, "t", &fake_backend_ops, NULL) == 0);
	e->now = T0_NS;
	vm_set_clock(&e->vm, env_clock, e, false);
	CU_ASSERT_FATAL(vm_set_intc(&e->vm, &fake_intc_ops, &e->intc) == 0);
	CU_ASSERT_FATAL(pit_init(&e->pit, &e->vm) == 0);
	return e;
}

static void env_free(struct env *e)
{
	vm_destroy(&e->vm);
	free(e);
}

/* Move guest time to ns and fire what is due, as the vCPU loop would. */
static void run_to(struct env *e, uint64_t ns)
{
	e->now = ns;
	vm_timers_run(&e->vm, ns);
}

/* Advance in steps of step ns, as a guest that exits often would. */
static void run_steps(struct env *e, uint64_t ns, uint64_t step)
{
	while (e->now + step < ns)
		run_to(e, e->now + step);
	run_to(e, ns);
}

static uint64_t now_tick(struct env *e)
{
	return pit_ns_to_ticks(e->now);
}

/* To the start of CLK pulse t. */
static void run_to_tick(struct env *e, uint64_t t)
{
	run_to(e, pit_ticks_to_ns(t));
}

static void out8(struct env *e, uint16_t port, uint8_t val)
{
	uint64_t data = val;

	SV_CHECK_EQ_I64(iobus_access(&e->vm.bus, SV_IO_PORT, port, 1, true,
				     &data), 0);
}

static uint8_t in8(struct env *e, uint16_t port)
{
	uint64_t data = 0;

	SV_CHECK_EQ_I64(iobus_access(&e->vm.bus, SV_IO_PORT, port, 1, false,
				     &data), 0);
	return (uint8_t)data;
}

/* Program counter ch (0-2) with control word cw and a 16-bit count. */
static void program(struct env *e, unsigned ch, uint8_t cw, uint16_t count)
{
	out8(e, PIT_CTRL, cw);
	out8(e, (uint16_t)(PIT_CH0 + ch), (uint8_t)count);
	out8(e, (uint16_t)(PIT_CH0 + ch), (uint8_t)(count >> 8));
}

/* Counter latch command, then LSB and MSB (RW mode 3). */
static uint16_t latch_read(struct env *e, unsigned ch)
{
	uint16_t lo, hi;

	out8(e, PIT_CTRL, (uint8_t)(ch << 6));
	lo = in8(e, (uint16_t)(PIT_CH0 + ch));
	hi = in8(e, (uint16_t)(PIT_CH0 + ch));
	return (uint16_t)(hi << 8 | lo);
}

/* An unlatched two-byte read: LSB, then MSB (two separate bus cycles). */
static uint16_t read16(struct env *e, uint16_t port)
{
	uint16_t lo = in8(e, port);

	return (uint16_t)(in8(e, port) << 8 | lo);
}

static void test_tick_conversion(void)
{
	/* Exact against 128-bit arithmetic, from boot to a century. */
	static const uint64_t ns[] = {
		0, 1, 837, 838, 839, 999999999, 1000000000, 1000000001,
		T0_NS, T0_NS + 123456789, 4611686018427387904ull,
		3155760000000000000ull,
	};

	for (unsigned i = 0; i < SV_ARRAY_SIZE(ns); i++) {
		unsigned __int128 ref = (unsigned __int128)ns[i] * SV_PIT_HZ /
					1000000000u;
		uint64_t t = pit_ns_to_ticks(ns[i]);

		SV_CHECK_EQ_U64(t, (uint64_t)ref);
		/* ticks_to_ns gives the first ns of that tick. */
		SV_CHECK(pit_ns_to_ticks(pit_ticks_to_ns(t)) == t);
		SV_CHECK(pit_ticks_to_ns(t) == 0 ||
			 pit_ns_to_ticks(pit_ticks_to_ns(t) - 1) == t - 1);
	}
}

static void test_mode2_periodic_irq0(void)
{
	struct env *e = env_new();
	const uint16_t n = 11932;	/* Linux's LATCH for HZ=100 */
	uint64_t load;

	/* Linux: mode 2, LSB then MSB. */
	program(e, 0, CW_CH0_MODE2, n);
	load = now_tick(e) + 1;	/* the CE loads on the next CLK pulse */
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	for (unsigned k = 1; k <= 20; k++) {
		/* Edge k at (load + k n) / 1.193182 MHz, to the ns. */
		unsigned __int128 x = (unsigned __int128)(load + (uint64_t)k * n) *
				      1000000000u;
		uint64_t at = (uint64_t)((x + 1193182u - 1) / 1193182u);

		run_to(e, at - 1);
		SV_CHECK_EQ_U64(e->intc.rises[0], k - 1);
		run_to(e, at);
		SV_CHECK_EQ_U64(e->intc.rises[0], k);
	}
	/* The period is n / 1.193182 MHz = 10.0001 ms over many periods. */
	run_steps(e, e->now + 1000000000ull, 1000000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 20 + 99);
	SV_CHECK_EQ_U64(e->pit.irq_edges, 20 + 99);
	SV_CHECK_EQ_U64(e->pit.irq_missed, 0);
	/* Edge-triggered delivery: the line rests low between pulses. */
	SV_CHECK(!e->intc.level[0]);
	env_free(e);
}

static void test_count_readback(void)
{
	struct env *e = env_new();
	const uint16_t n = 0x1000;
	uint64_t load;
	uint16_t v1, v2;

	program(e, 0, CW_CH0_MODE2, n);
	load = now_tick(e) + 1;
	run_to_tick(e, load);
	SV_CHECK_EQ_U64(latch_read(e, 0), n);
	run_to_tick(e, load + 5);
	SV_CHECK_EQ_U64(latch_read(e, 0), n - 5);
	/* Mode 2 counts n .. 1 then reloads. */
	run_to_tick(e, load + n - 1);
	SV_CHECK_EQ_U64(latch_read(e, 0), 1);
	run_to_tick(e, load + n);
	SV_CHECK_EQ_U64(latch_read(e, 0), n);
	/* Read without latching at arbitrary times: n - elapsed mod n. */
	for (unsigned i = 1; i < 40; i++) {
		uint16_t v;

		run_to(e, e->now + 200000 + i * 777);
		v = read16(e, PIT_CH0);
		SV_CHECK_EQ_U64(v, n - (now_tick(e) - load) % n);
	}
	/* Decreasing with time: 100 pulses later it is 100 less. */
	run_to_tick(e, load + 20 * n + 50);
	v1 = latch_read(e, 0);
	run_to(e, e->now + pit_ticks_to_ns(100));
	v2 = latch_read(e, 0);
	SV_CHECK_EQ_U64(v1, n - 50);
	SV_CHECK_EQ_U64(v2, v1 - 100);
	env_free(e);
}

static void test_latch_freezes(void)
{
	struct env *e = env_new();
	uint64_t load;
	uint16_t lo, hi;

	program(e, 0, CW_CH0_MODE2, 50000);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 100);
	out8(e, PIT_CTRL, CW_CH0_LATCH);
	run_to_tick(e, load + 7000);
	/* A second latch before the first is read is ignored. */
	out8(e, PIT_CTRL, CW_CH0_LATCH);
	lo = in8(e, PIT_CH0);
	run_to_tick(e, load + 9000);
	hi = in8(e, PIT_CH0);
	SV_CHECK_EQ_U64(hi << 8 | lo, 50000 - 100);
	/* Once read, reads follow the count again. */
	lo = in8(e, PIT_CH0);
	hi = in8(e, PIT_CH0);
	SV_CHECK_EQ_U64(hi << 8 | lo, 50000 - 9000);
	env_free(e);
}

static void test_access_modes(void)
{
	struct env *e = env_new();
	uint64_t load;

	/* LSB only: the MSB is zero. Reads return the LSB only, every time. */
	out8(e, PIT_CTRL, 0x94);	/* ch2, LSB, mode 2 */
	out8(e, PORT_B, PORT_B_GATE2);
	out8(e, PIT_CH2, 0x80);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 3);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x80 - 3);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x80 - 3);
	SV_CHECK_EQ_U64(e->pit.ch[2].n, 0x80);

	/* MSB only: the LSB is zero. */
	out8(e, PIT_CTRL, 0xa4);	/* ch2, MSB, mode 2 */
	out8(e, PIT_CH2, 0x12);
	load = now_tick(e) + 1;
	SV_CHECK_EQ_U64(e->pit.ch[2].n, 0x1200);
	run_to_tick(e, load + 0x100);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x11);
	out8(e, PIT_CTRL, CW_CH2_LATCH);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x11);	/* latched, MSB form */
	SV_CHECK(e->pit.ch[2].latch == SV_PIT_LATCH_NONE);

	/* LSB then MSB: nothing loads until the MSB is in. */
	out8(e, PIT_CTRL, 0xb4);
	out8(e, PIT_CH2, 0x34);
	SV_CHECK(e->pit.ch[2].state == SV_PIT_WAIT_COUNT);
	out8(e, PIT_CH2, 0x12);
	load = now_tick(e) + 1;
	SV_CHECK_EQ_U64(e->pit.ch[2].n, 0x1234);
	run_to_tick(e, load + 0x34);
	/* Reads alternate LSB, MSB. */
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x00);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x12);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x00);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0x12);
	/* The control register itself does not read back. */
	SV_CHECK_EQ_U64(in8(e, PIT_CTRL), 0xff);
	env_free(e);
}

static void test_readback_status(void)
{
	struct env *e = env_new();
	uint64_t load;

	/* Mode 2 control word: OUT high, NULL COUNT, RW 3, mode 010. */
	out8(e, PIT_CTRL, CW_CH0_MODE2);
	out8(e, PIT_CTRL, 0xe2);	/* read-back: status of counter 0 */
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xf4);
	/* Count written: NULL COUNT until the next CLK pulse loads it. */
	out8(e, PIT_CH0, 0x00);
	out8(e, PIT_CH0, 0x10);
	load = now_tick(e) + 1;
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xf4);
	run_to_tick(e, load);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xb4);
	/* OUT low for the pulse where the count is 1. */
	run_to_tick(e, load + 0x1000 - 1);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0x34);

	/* Count and status together: status first, then the count. */
	run_to_tick(e, load + 0x1000 + 0x10);
	out8(e, PIT_CTRL, 0xc2);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xb4);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xf0);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0x0f);

	/* Several counters at once; mode 0 before its count: OUT low. */
	out8(e, PIT_CTRL, 0x71);	/* ch1, RW 3, mode 0, BCD */
	out8(e, PIT_CTRL, 0x9c);	/* ch2, RW 1 (LSB), mode 6 (= 2) */
	out8(e, PIT_CTRL, 0xee);	/* status of counters 0, 1, 2 */
	SV_CHECK_EQ_U64(in8(e, PIT_CH1), 0x71);
	SV_CHECK_EQ_U64(in8(e, PIT_CH2), 0xdc);	/* mode bits read 110 */
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xb4);
	SV_CHECK_EQ_U64(e->pit.ch[2].mode, 2);
	/* A second status latch before the read is ignored. */
	out8(e, PIT_CTRL, 0xe2);
	run_to_tick(e, load + 0x2000 - 1);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK_EQ_U64(in8(e, PIT_CH0), 0xb4);
	env_free(e);
}

static void test_mode0_single_interrupt(void)
{
	struct env *e = env_new();
	uint64_t load;

	program(e, 0, CW_CH0_MODE0, 1000);
	load = now_tick(e) + 1;
	SV_CHECK(!e->intc.level[0]);
	/* OUT rises when the count reaches 0: n + 1 pulses after the write. */
	run_to_tick(e, load + 999);
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	SV_CHECK_EQ_U64(latch_read(e, 0), 1);
	run_to_tick(e, load + 1000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	SV_CHECK(e->intc.level[0]);	/* OUT stays high */
	/* Once only; the counter wraps and keeps counting. */
	run_to(e, e->now + 1000000000ull);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	SV_CHECK(e->intc.level[0]);
	run_to_tick(e, load + 1001 + 65536 * 20);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0xffff);

	/* A new count lowers OUT and counts again. */
	program(e, 0, CW_CH0_MODE0, 10);
	SV_CHECK(!e->intc.level[0]);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 10);
	SV_CHECK_EQ_U64(e->intc.rises[0], 2);

	/* Mode 0 and two-byte writes: the first byte stops the count. */
	out8(e, PIT_CTRL, CW_CH0_MODE0);
	out8(e, PIT_CH0, 0x00);
	out8(e, PIT_CH0, 0x01);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 10);
	out8(e, PIT_CH0, 0x20);
	run_to_tick(e, load + 1000);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0x100 - 10);	/* frozen */
	SV_CHECK_EQ_U64(e->intc.rises[0], 2);
	out8(e, PIT_CH0, 0x00);	/* count 0x0020 */
	load = now_tick(e) + 1;
	run_to_tick(e, load + 0x20);
	SV_CHECK_EQ_U64(e->intc.rises[0], 3);
	env_free(e);
}

static void test_mode3_square_wave(void)
{
	struct env *e = env_new();
	uint64_t load;

	/* Even count on counter 2: 50 pulses high, 50 low. */
	out8(e, PORT_B, PORT_B_GATE2);
	program(e, 2, CW_CH2_MODE3, 100);
	load = now_tick(e) + 1;
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	run_to_tick(e, load);
	SV_CHECK_EQ_U64(latch_read(e, 2), 100);
	run_to_tick(e, load + 1);
	SV_CHECK_EQ_U64(latch_read(e, 2), 98);	/* counts by two */
	run_to_tick(e, load + 49);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	run_to_tick(e, load + 50);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	SV_CHECK_EQ_U64(latch_read(e, 2), 100);
	run_to_tick(e, load + 99);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	run_to_tick(e, load + 100);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);

	/* Odd count: high for (n + 1) / 2, low for (n - 1) / 2. */
	program(e, 2, CW_CH2_MODE3, 101);
	load = now_tick(e) + 1;
	run_to_tick(e, load);
	SV_CHECK_EQ_U64(latch_read(e, 2), 100);
	run_to_tick(e, load + 50);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	SV_CHECK_EQ_U64(latch_read(e, 2), 0);	/* one pulse at 0, then low */
	run_to_tick(e, load + 51);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	SV_CHECK_EQ_U64(latch_read(e, 2), 100);
	run_to_tick(e, load + 52);
	SV_CHECK_EQ_U64(latch_read(e, 2), 98);
	run_to_tick(e, load + 100);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	run_to_tick(e, load + 101);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);

	/* GATE low forces OUT high and stops the count. */
	run_to_tick(e, load + 101 + 60);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	out8(e, PORT_B, 0);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);

	/* Counter 0 in mode 3 (the BIOS's 18.2 Hz): one IRQ per period. */
	program(e, 0, CW_CH0_MODE3, 0);
	load = now_tick(e) + 1;
	run_steps(e, pit_ticks_to_ns(load + 65536 * 3 - 1), 1000000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 2);
	run_to_tick(e, load + 65536 * 3);
	SV_CHECK_EQ_U64(e->intc.rises[0], 3);
	env_free(e);
}

static void test_bcd(void)
{
	struct env *e = env_new();
	uint64_t load;

	/* Counter 2, mode 0, BCD, count 1000 decimal. */
	out8(e, PORT_B, PORT_B_GATE2);
	program(e, 2, CW_CH2_MODE0 | 1, 0x1000);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 1);
	SV_CHECK_EQ_U64(latch_read(e, 2), 0x0999);
	run_to_tick(e, load + 999);
	SV_CHECK_EQ_U64(latch_read(e, 2), 0x0001);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	run_to_tick(e, load + 1000);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	/* Wraps through 9999 in BCD. */
	run_to_tick(e, load + 1001);
	SV_CHECK_EQ_U64(latch_read(e, 2), 0x9999);

	/* BCD count 0 is 10^4: counter 0 mode 2 ticks every 10000 pulses. */
	program(e, 0, CW_CH0_MODE2 | 1, 0x0000);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 9999);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0x0001);
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	run_to_tick(e, load + 10000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0x0000);	/* 10000 reads as 0000 */
	run_to_tick(e, load + 10001);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0x9999);
	env_free(e);
}

static void test_count0_is_65536(void)
{
	struct env *e = env_new();
	uint64_t load;

	program(e, 0, CW_CH0_MODE2, 0);
	load = now_tick(e) + 1;
	SV_CHECK_EQ_U64(e->pit.ch[0].n, 65536);
	run_to_tick(e, load);
	SV_CHECK_EQ_U64(latch_read(e, 0), 0);
	run_to_tick(e, load + 1);
	SV_CHECK_EQ_U64(latch_read(e, 0), 65535);
	run_to_tick(e, load + 65535);
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	run_to_tick(e, load + 65536);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	/* Mode 0 with count 0 also waits 65536 pulses. */
	program(e, 0, CW_CH0_MODE0, 0);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 65535);
	SV_CHECK(!e->intc.level[0]);
	run_to_tick(e, load + 65536);
	SV_CHECK(e->intc.level[0]);
	env_free(e);
}

static void test_late_timer_no_storm(void)
{
	struct env *e = env_new();
	const uint16_t n = 1193;	/* ~1 ms */
	uint64_t load, before;

	program(e, 0, CW_CH0_MODE2, n);
	load = now_tick(e) + 1;
	run_to_tick(e, load + n);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	/* The guest did not exit for 50 periods and a bit. */
	run_to_tick(e, load + 51 * n + 7);
	SV_CHECK_EQ_U64(e->intc.rises[0], 2);
	SV_CHECK_EQ_U64(e->pit.irq_edges, 2);
	SV_CHECK_EQ_U64(e->pit.irq_missed, 49);
	/* Re-armed for the next period boundary after now, on the grid. */
	SV_CHECK_EQ_U64(e->pit.edge_tick, load + 52 * n);
	SV_CHECK_EQ_U64(e->pit.timer.deadline, pit_ticks_to_ns(load + 52 * n));
	SV_CHECK(e->pit.timer.deadline > e->now);
	/* Running the timers again at the same time delivers nothing. */
	before = e->intc.rises[0];
	vm_timers_run(&e->vm, e->now);
	SV_CHECK_EQ_U64(e->intc.rises[0], before);
	run_to_tick(e, load + 52 * n);
	SV_CHECK_EQ_U64(e->intc.rises[0], 3);
	SV_CHECK_EQ_U64(e->pit.irq_missed, 49);
	env_free(e);
}

static void test_new_count_next_period(void)
{
	struct env *e = env_new();
	uint64_t load;

	program(e, 0, CW_CH0_MODE2, 1000);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 300);
	/* Without a control word, mode 2 finishes the present period. */
	out8(e, PIT_CH0, 500 & 0xff);
	out8(e, PIT_CH0, 500 >> 8);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK(in8(e, PIT_CH0) & 0x40);	/* NULL COUNT until the reload */
	run_to_tick(e, load + 999);
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	SV_CHECK_EQ_U64(latch_read(e, 0), 1);
	run_to_tick(e, load + 1000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	SV_CHECK_EQ_U64(latch_read(e, 0), 500);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK(!(in8(e, PIT_CH0) & 0x40));
	run_to_tick(e, load + 1499);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	run_to_tick(e, load + 1500);
	SV_CHECK_EQ_U64(e->intc.rises[0], 2);
	run_to_tick(e, load + 2000);
	SV_CHECK_EQ_U64(e->intc.rises[0], 3);
	env_free(e);
}

static void test_mode4_and_mode5_strobes(void)
{
	struct env *e = env_new();
	uint64_t load;

	/* Mode 4: OUT low for one pulse at count 0, one IRQ edge after it. */
	program(e, 0, CW_CH0_MODE4, 100);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 100);
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);
	out8(e, PIT_CTRL, 0xe2);
	SV_CHECK(!(in8(e, PIT_CH0) & 0x80));
	run_to_tick(e, load + 101);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);
	run_to(e, e->now + 1000000000ull);
	SV_CHECK_EQ_U64(e->intc.rises[0], 1);

	/* Mode 5 on counter 2: the GATE edge triggers the strobe. */
	program(e, 2, CW_CH2_MODE5, 40);
	run_to(e, e->now + 100000);
	SV_CHECK(e->pit.ch[2].state == SV_PIT_WAIT_TRIGGER);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	out8(e, PORT_B, PORT_B_GATE2);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 39);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	run_to_tick(e, load + 40);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	run_to_tick(e, load + 41);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	env_free(e);
}

static void test_mode1_one_shot(void)
{
	struct env *e = env_new();
	uint64_t load;

	program(e, 2, CW_CH2_MODE1, 30);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	out8(e, PORT_B, PORT_B_GATE2);	/* trigger */
	load = now_tick(e) + 1;
	run_to_tick(e, load);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	run_to_tick(e, load + 20);
	/* Retrigger: the one-shot restarts from the full count. */
	out8(e, PORT_B, 0);
	out8(e, PORT_B, PORT_B_GATE2);
	load = now_tick(e) + 1;
	run_to_tick(e, load + 29);
	SV_CHECK(!(in8(e, PORT_B) & PORT_B_OUT2));
	SV_CHECK_EQ_U64(latch_read(e, 2), 1);
	run_to_tick(e, load + 30);
	SV_CHECK(in8(e, PORT_B) & PORT_B_OUT2);
	env_free(e);
}

static void test_port_b_tsc_calibration(void)
{
	struct env *e = env_new();
	const uint16_t latch = 59659;	/* Linux: 1193182 / (1000 / 50) */
	uint64_t start = e->now, steps = 0;
	uint8_t b;

	SV_CHECK_EQ_U64(in8(e, PORT_B) & 0x0f, 0);	/* power-on: GATE2 low */
	/* Linux's pit_calibrate_tsc(), step by step. */
	out8(e, PORT_B, (uint8_t)((in8(e, PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	out8(e, PIT_CTRL, CW_CH2_MODE0);
	out8(e, PIT_CH2, latch & 0xff);
	out8(e, PIT_CH2, latch >> 8);
	while (!((b = in8(e, PORT_B)) & PORT_B_OUT2) && steps < 100000) {
		run_to(e, e->now + 1000);	/* 1 us per poll */
		steps++;
	}
	/* (latch + 1) pulses = 50.0007 ms after the write, to the us. */
	SV_CHECK(e->now - start >= 50000000ull);
	SV_CHECK(e->now - start <= 50002000ull);
	SV_CHECK_EQ_U64(b & 0x0f, PORT_B_GATE2);
	/* The counter-0 IRQ is not affected by counter 2. */
	SV_CHECK_EQ_U64(e->intc.rises[0], 0);

	/* GATE2 low pauses mode 0 counting; high resumes it. */
	program(e, 2, CW_CH2_MODE0, 1000);
	run_to(e, e->now + 100 * 838);
	out8(e, PORT_B, 0);
	{
		uint16_t v = latch_read(e, 2);

		run_to(e, e->now + 1000000);
		SV_CHECK_EQ_U64(latch_read(e, 2), v);
		out8(e, PORT_B, PORT_B_GATE2);
		run_to(e, e->now + 10 * 838 + 1);
		SV_CHECK(latch_read(e, 2) < v);
	}
	/* The refresh bit toggles every 15 us; speaker bits read back. */
	out8(e, PORT_B, PORT_B_GATE2 | PORT_B_SPEAKER | 0xf0);
	b = in8(e, PORT_B) & PORT_B_REFRESH;
	run_to(e, e->now + 15085);
	SV_CHECK_EQ_U64(in8(e, PORT_B) & PORT_B_REFRESH, b ^ PORT_B_REFRESH);
	SV_CHECK_EQ_U64(in8(e, PORT_B) & 0x0f, PORT_B_GATE2 | PORT_B_SPEAKER);
	env_free(e);
}

static void test_irq0_through_pic(void)
{
	struct env *e = calloc(1, sizeof(*e));
	struct sv_pic *pic = calloc(1, sizeof(*pic));
	static const uint8_t init[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0x00 }, { 0xa1, 0x00 },
	};
	uint64_t load;

	CU_ASSERT_FATAL(e && pic);
	CU_ASSERT_FATAL(vm_init(&e->vm, "t", &fake_backend_ops, NULL) == 0);
	e->now = T0_NS;
	vm_set_clock(&e->vm, env_clock, e, false);
	CU_ASSERT_FATAL(pic_init(pic, &e->vm) == 0);
	CU_ASSERT_FATAL(pit_init(&e->pit, &e->vm) == 0);
	for (unsigned i = 0; i < SV_ARRAY_SIZE(init); i++)
		out8(e, init[i][0], init[i][1]);

	program(e, 0, CW_CH0_MODE2, 1193);
	load = now_tick(e) + 1;
	for (unsigned k = 1; k <= 5; k++) {
		run_to_tick(e, load + k * 1193u - 1);
		SV_CHECK(!pic_pending(pic));
		run_to_tick(e, load + k * 1193u);
		SV_CHECK(pic_pending(pic));
		SV_CHECK_EQ_I64(pic_ack(pic), 0x30);
		out8(e, 0x20, 0x20);	/* EOI */
	}
	/* A guest that sat with IF=0 for 10 ms gets one interrupt, not ten. */
	run_to_tick(e, load + 15 * 1193u + 1);
	SV_CHECK_EQ_I64(pic_ack(pic), 0x30);
	out8(e, 0x20, 0x20);
	SV_CHECK(!pic_pending(pic));
	vm_destroy(&e->vm);
	free(pic);
	free(e);
}

/* A tiny deterministic generator, so failures reproduce. */
static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool counter_sane(const struct sv_pit_counter *c)
{
	uint32_t m = c->bcd ? 10000 : 65536;

	return c->mode <= 5 && c->mode_bits <= 7 && c->rw >= 1 && c->rw <= 3 &&
	       c->state <= SV_PIT_COUNTING && c->latch <= SV_PIT_LATCH_WORD_MSB &&
	       (c->state != SV_PIT_COUNTING || (c->n >= 1 && c->n <= m)) &&
	       c->hold < 65536;
}

static bool bcd_valid(uint16_t v)
{
	for (unsigned i = 0; i < 4; i++)
		if ((v >> (4 * i) & 0xf) > 9)
			return false;
	return true;
}

static void test_hostile_sequences(void)
{
	static const uint16_t ports[] = {
		PIT_CH0, PIT_CH1, PIT_CH2, PIT_CTRL, PIT_CTRL, PORT_B,
	};
	struct env *e = env_new();
	uint32_t seed = 0x8254;
	unsigned bad = 0, first_bad = 0;

#define INVARIANT(cond) \
	do { \
		if (!(cond) && !bad++) \
			first_bad = step; \
	} while (0)

	for (unsigned step = 1; step <= 200000; step++) {
		uint32_t r = rng_next(&seed);
		uint16_t port = ports[r % SV_ARRAY_SIZE(ports)];
		uint64_t data = rng_next(&seed);
		unsigned size = 1u << ((r >> 4) % 3);
		unsigned rises = e->intc.rises[0];

		switch ((r >> 8) % 8) {
		case 0:
		case 1:
		case 2:
			INVARIANT(iobus_access(&e->vm.bus, SV_IO_PORT, port,
					       size, true, &data) == 0);
			break;
		case 3:
		case 4:
			INVARIANT(iobus_access(&e->vm.bus, SV_IO_PORT, port,
					       size, false, &data) == 0);
			break;
		case 5: {
			/*
			 * A BCD counter's latched value is always valid BCD:
			 * read back count and status of every counter.
			 */
			uint8_t st;
			uint16_t v;

			out8(e, PIT_CTRL, 0xce);
			for (unsigned ch = 0; ch < 3; ch++) {
				const struct sv_pit_counter *c = &e->pit.ch[ch];
				uint16_t p = (uint16_t)(PIT_CH0 + ch);

				if (!c->status_latched)
					continue;	/* an older latch is pending */
				st = in8(e, p);
				INVARIANT((st & 0x3f) == (c->rw << 4 |
							  c->mode_bits << 1 | c->bcd));
				if (c->rw != 3 || c->latch != SV_PIT_LATCH_WORD_LSB)
					continue;
				v = read16(e, p);
				INVARIANT(!c->bcd || bcd_valid(v));
			}
			break;
		}
		default:
			/* Time moves on by up to ~100 ms; timers run. */
			run_to(e, e->now + (r >> 12) % (1u << 17) *
				   ((r & 1) ? 1 : 1000));
			/* One edge per run at most, and nothing left due. */
			INVARIANT(e->intc.rises[0] - rises <= 1);
			INVARIANT(!e->pit.edge_armed ||
				  e->pit.timer.deadline > e->now);
			break;
		}
		for (unsigned ch = 0; ch < 3; ch++)
			INVARIANT(counter_sane(&e->pit.ch[ch]));
		INVARIANT(e->pit.ch[0].gate && e->pit.ch[1].gate);
		INVARIANT(e->pit.ch[2].gate == (e->pit.port_b & 1));
		/* The line level we drive is the one the controller saw. */
		INVARIANT(e->pit.irq_line == e->intc.level[0]);
		INVARIANT(e->pit.irq_edges <= e->intc.rises[0]);
	}
#undef INVARIANT
	SV_CHECK_EQ_U64(bad, 0);
	SV_CHECK_EQ_U64(first_bad, 0);
	SV_CHECK(e->pit.irq_edges > 10);	/* IRQ 0 did run */
	env_free(e);
}

static uint64_t pit_digest_of(const struct sv_pit *pit)
{
	struct sv_digest d;

	sv_digest_init(&d);
	pit_digest(pit, &d);
	return d.h;
}

/* The same accesses at the same simulated times on both PITs. */
static void digest_drive(struct env *e)
{
	out8(e, PIT_CTRL, CW_CH0_MODE2);
	out8(e, PIT_CH0, 0xa9);		/* 1193: about 1 kHz */
	out8(e, PIT_CH0, 0x04);
	run_steps(e, T0_NS + 5500000, 250000);
	(void)in8(e, PIT_CH0);
	out8(e, PIT_CTRL, CW_CH2_MODE3);
	out8(e, PIT_CH2, 0x00);
	out8(e, PIT_CH2, 0x10);
	out8(e, PORT_B, PORT_B_GATE2 | PORT_B_SPEAKER);
	run_to(e, T0_NS + 7300000);
	out8(e, PIT_CTRL, CW_CH2_LATCH);
	(void)in8(e, PIT_CH2);		/* the MSB stays latched */
}

static void test_state_digest(void)
{
	struct env *a = env_new(), *b = env_new();

	/* Two fresh PITs at different addresses: no pointer is hashed. */
	SV_CHECK(a != b);
	SV_CHECK_EQ_U64(pit_digest_of(&a->pit), pit_digest_of(&b->pit));

	digest_drive(a);
	digest_drive(b);
	SV_CHECK(a->pit.irq_edges >= 5 && a->pit.edge_armed);
	SV_CHECK_EQ_U64(pit_digest_of(&a->pit), pit_digest_of(&b->pit));

	/* One different count tells them apart. */
	out8(a, PIT_CTRL, CW_CH2_MODE0);
	out8(b, PIT_CTRL, CW_CH2_MODE0);
	SV_CHECK_EQ_U64(pit_digest_of(&a->pit), pit_digest_of(&b->pit));
	out8(a, PIT_CH2, 0x34);
	out8(a, PIT_CH2, 0x12);
	out8(b, PIT_CH2, 0x35);
	out8(b, PIT_CH2, 0x12);
	SV_CHECK(pit_digest_of(&a->pit) != pit_digest_of(&b->pit));

	/* So does time alone once counter 0's timer has fired in one only. */
	out8(b, PIT_CTRL, CW_CH2_MODE0);
	out8(b, PIT_CH2, 0x34);
	out8(b, PIT_CH2, 0x12);
	SV_CHECK_EQ_U64(pit_digest_of(&a->pit), pit_digest_of(&b->pit));
	run_to(b, T0_NS + 9000000);
	SV_CHECK(pit_digest_of(&a->pit) != pit_digest_of(&b->pit));

	env_free(a);
	env_free(b);
}

CU_TestInfo sv_tests_pit[] = {
	{ "ns <-> CLK pulses", test_tick_conversion },
	{ "mode 2 periodic IRQ 0", test_mode2_periodic_irq0 },
	{ "count readback", test_count_readback },
	{ "latch command freezes", test_latch_freezes },
	{ "LSB/MSB access modes", test_access_modes },
	{ "read-back status", test_readback_status },
	{ "mode 0 single interrupt", test_mode0_single_interrupt },
	{ "mode 3 square wave", test_mode3_square_wave },
	{ "BCD counting", test_bcd },
	{ "count 0 is 65536", test_count0_is_65536 },
	{ "late timer does not storm", test_late_timer_no_storm },
	{ "mode 2 new count next period", test_new_count_next_period },
	{ "modes 4 and 5 strobes", test_mode4_and_mode5_strobes },
	{ "mode 1 one-shot", test_mode1_one_shot },
	{ "port 0x61 and TSC calibration", test_port_b_tsc_calibration },
	{ "IRQ 0 through the PIC", test_irq0_through_pic },
	{ "hostile sequences", test_hostile_sequences },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
