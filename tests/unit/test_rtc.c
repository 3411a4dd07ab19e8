/*
 * Tests of the MC146818 RTC / CMOS model through ports 0x70-0x71 with
 * simulated time: known dates (Unix times computed independently) in BCD
 * and binary, leap days and the century rollover, 12-hour mode, UIP just
 * before a second boundary, register C and the three interrupt sources on
 * IRQ 8, the NMI mask bit, the CMOS memory-size fields, setting the clock
 * with SET, divider reset, out-of-range values, and random guest accesses.
 */
#include <string.h>

#include "fake_backend.h"
#include "sv/dev/rtc.h"
#include "sv/errno.h"
#include "sv/vm.h"
#include "sv_test.h"

#define NS  1000000000ull
#define MS  1000000ull
#define US  1000ull

/* Unix times of the test dates (from Python's datetime, UTC). */
#define T_2026_11_26_063059 1795674659ull	/* a Thursday */
#define T_2026_11_26_183000 1795717800ull
#define T_2026_11_26_001500 1795652100ull
#define T_2026_11_26_121500 1795695300ull
#define T_2024_02_29_235959 1709251199ull
#define T_2023_02_28_235959 1677628799ull
#define T_2000_02_28_235959 951782399ull
#define T_2100_02_28_235959 4107542399ull
#define T_2099_12_31_235959 4102444799ull

struct watch_intc {
	bool level[16];
	unsigned rises[16];
};

static void watch_set_irq(void *ctx, unsigned irq, bool level)
{
	struct watch_intc *w = ctx;

	if (irq >= 16)
		return;
	if (level && !w->level[irq])
		w->rises[irq]++;
	w->level[irq] = level;
}

static bool watch_pending(void *ctx)
{
	(void)ctx;
	return false;
}

static int watch_ack(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct sv_intc_ops watch_ops = {
	watch_set_irq, watch_pending, watch_ack,
};

struct rig {
	struct sv_vm vm;
	struct watch_intc intc;
	struct sv_rtc rtc;
	uint64_t now;
};

static struct rig rig;

static uint64_t rig_clock(void *ctx)
{
	return ((struct rig *)ctx)->now;
}

/* An RTC whose clock reads unix_sec + frac_ns at VM time 5 s. */
static struct rig *rig_init(uint64_t unix_sec, uint64_t frac_ns)
{
	struct rig *r = &rig;

	memset(r, 0, sizeof(*r));
	r->now = 5 * NS;
	SV_CHECK_EQ_I64(vm_init(&r->vm, "rtc", &fake_backend_ops, NULL), 0);
	vm_set_clock(&r->vm, rig_clock, r, false);
	SV_CHECK_EQ_I64(vm_set_intc(&r->vm, &watch_ops, &r->intc), 0);
	SV_CHECK_EQ_I64(rtc_init(&r->rtc, &r->vm, unix_sec * NS + frac_ns), 0);
	return r;
}

static void rig_fini(struct rig *r)
{
	rtc_destroy(&r->rtc);
	vm_destroy(&r->vm);
}

static void port_out(struct rig *r, uint16_t port, unsigned size, uint64_t v)
{
	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size, true,
				     &v), 0);
}

static uint64_t port_in(struct rig *r, uint16_t port, unsigned size)
{
	uint64_t v = 0;

	SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port, size, false,
				     &v), 0);
	return v;
}

static uint8_t cmos_read(struct rig *r, uint8_t idx)
{
	port_out(r, SV_RTC_PORT_INDEX, 1, idx);
	return (uint8_t)port_in(r, SV_RTC_PORT_DATA, 1);
}

static void cmos_write(struct rig *r, uint8_t idx, uint8_t v)
{
	port_out(r, SV_RTC_PORT_INDEX, 1, idx);
	port_out(r, SV_RTC_PORT_DATA, 1, v);
}

static void advance(struct rig *r, uint64_t ns)
{
	r->now += ns;
	vm_timers_run(&r->vm, r->now);
}

static bool irq8(struct rig *r)
{
	return r->intc.level[SV_RTC_IRQ];
}

/* Expected register values, in the order sec min hour dow day mon yr cent. */
struct regs { uint8_t sec, min, hour, dow, day, mon, year, cent; };

static void check_regs_(struct rig *r, struct regs e, int line)
{
	struct regs g = {
		cmos_read(r, SV_RTC_SECONDS), cmos_read(r, SV_RTC_MINUTES),
		cmos_read(r, SV_RTC_HOURS), cmos_read(r, SV_RTC_DAY_OF_WEEK),
		cmos_read(r, SV_RTC_DAY_OF_MONTH), cmos_read(r, SV_RTC_MONTH),
		cmos_read(r, SV_RTC_YEAR), cmos_read(r, SV_RTC_CENTURY),
	};

	if (memcmp(&g, &e, sizeof(g)) != 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "line %d: got %02x:%02x:%02x dow %x "
			 "%02x%02x-%02x-%02x, expected %02x:%02x:%02x dow %x "
			 "%02x%02x-%02x-%02x", line, g.hour, g.min, g.sec, g.dow,
			 g.cent, g.year, g.mon, g.day, e.hour, e.min, e.sec,
			 e.dow, e.cent, e.year, e.mon, e.day);
		CU_assertImplementation(CU_FALSE, line, msg, __FILE__, "",
					CU_FALSE);
	} else {
		CU_PASS("registers");
	}
}

#define check_regs(r, ...) check_regs_(r, (struct regs){ __VA_ARGS__ }, __LINE__)

static void test_power_on_and_known_date_bcd(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 250 * MS);

	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_A), 0x26);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_B), SV_RTC_B_24H);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), 0);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_D), SV_RTC_D_VRT);
	check_regs(r, 0x59, 0x30, 0x06, 5, 0x26, 0x11, 0x26, 0x20);
	/* 0.75 s later the minute turns */
	advance(r, 749 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x59);
	advance(r, 1 * MS);
	check_regs(r, 0x00, 0x31, 0x06, 5, 0x26, 0x11, 0x26, 0x20);
	/* a day and a bit later: Friday the 27th */
	advance(r, 86400 * NS + 3600 * NS);
	check_regs(r, 0x00, 0x31, 0x07, 6, 0x27, 0x11, 0x26, 0x20);
	rig_fini(r);
}

static void test_binary_mode(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H | SV_RTC_B_DM);
	check_regs(r, 59, 30, 6, 5, 26, 11, 26, 20);
	advance(r, 1 * NS);
	check_regs(r, 0, 31, 6, 5, 26, 11, 26, 20);
	rig_fini(r);
}

struct rollover {
	uint64_t unix_sec;
	struct regs before, after;	/* BCD */
};

static void test_leap_days_and_century(void)
{
	static const struct rollover cases[] = {
		/* leap year: Feb 29 exists, then March */
		{ T_2024_02_29_235959, { 0x59, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20 },
		  { 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20 } },
		/* common year: Feb 28 is the last */
		{ T_2023_02_28_235959, { 0x59, 0x59, 0x23, 3, 0x28, 0x02, 0x23, 0x20 },
		  { 0x00, 0x00, 0x00, 4, 0x01, 0x03, 0x23, 0x20 } },
		/* 2000: divisible by 400, a leap year */
		{ T_2000_02_28_235959, { 0x59, 0x59, 0x23, 2, 0x28, 0x02, 0x00, 0x20 },
		  { 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x00, 0x20 } },
		/* 2100: divisible by 100 only, not a leap year */
		{ T_2100_02_28_235959, { 0x59, 0x59, 0x23, 1, 0x28, 0x02, 0x00, 0x21 },
		  { 0x00, 0x00, 0x00, 2, 0x01, 0x03, 0x00, 0x21 } },
		/* the century byte carries the year past 99 */
		{ T_2099_12_31_235959, { 0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x99, 0x20 },
		  { 0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig *r = rig_init(cases[i].unix_sec, 0);

		check_regs_(r, cases[i].before, __LINE__);
		advance(r, 1 * NS);
		check_regs_(r, cases[i].after, __LINE__);
		rig_fini(r);
	}
	/* and the century rollover in binary */
	{
		struct rig *r = rig_init(T_2099_12_31_235959, 0);

		cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H | SV_RTC_B_DM);
		check_regs(r, 59, 59, 23, 5, 31, 12, 99, 20);
		advance(r, 1 * NS);
		check_regs(r, 0, 0, 0, 6, 1, 1, 0, 21);
		rig_fini(r);
	}
}

static void test_12_hour_mode(void)
{
	static const struct { uint64_t t; uint8_t bcd, bin; } cases[] = {
		{ T_2026_11_26_063059, 0x06, 0x06 },
		{ T_2026_11_26_183000, 0x86, 0x86 },	/* 6 PM */
		{ T_2026_11_26_001500, 0x12, 0x0c },	/* 12 AM */
		{ T_2026_11_26_121500, 0x92, 0x8c },	/* 12 PM */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig *r = rig_init(cases[i].t, 0);

		cmos_write(r, SV_RTC_REG_B, 0);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_HOURS), cases[i].bcd);
		cmos_write(r, SV_RTC_REG_B, SV_RTC_B_DM);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_HOURS), cases[i].bin);
		rig_fini(r);
	}
	/* 11:59:59 PM rolls to 12 AM; set in 12-hour mode, read in 24 */
	{
		struct rig *r = rig_init(T_2026_11_26_063059, 0);

		cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET);
		cmos_write(r, SV_RTC_HOURS, 0x11 | SV_RTC_HOURS_PM);
		cmos_write(r, SV_RTC_MINUTES, 0x59);
		cmos_write(r, SV_RTC_SECONDS, 0x59);
		cmos_write(r, SV_RTC_REG_B, 0);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_HOURS), 0x91);
		advance(r, 1 * NS);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_HOURS), 0x12);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_DAY_OF_MONTH), 0x27);
		cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
		SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_HOURS), 0x00);
		rig_fini(r);
	}
}

static bool uip(struct rig *r)
{
	return cmos_read(r, SV_RTC_REG_A) & SV_RTC_A_UIP;
}

static void test_update_in_progress(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);
	unsigned rises = 0, falls = 0;
	bool last = false;

	SV_CHECK(!uip(r));
	advance(r, NS - 250 * US);
	SV_CHECK(!uip(r));
	advance(r, 5 * US);		/* 245 us before the update */
	SV_CHECK(!uip(r));
	advance(r, 2 * US);		/* 243 us before */
	SV_CHECK(uip(r));
	/* the registers still hold the old second: the update has not run */
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x59);
	advance(r, 243 * US);
	SV_CHECK(!uip(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x00);

	/* a guest polling every 10 us for 3 s sees it rise and fall 3 times */
	for (unsigned i = 0; i < 300100; i++) {
		bool now = uip(r);

		rises += now && !last;
		falls += !now && last;
		last = now;
		advance(r, 10 * US);
	}
	SV_CHECK_EQ_U64(rises, 3);
	SV_CHECK_EQ_U64(falls, 3);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x03);

	/* SET stops the updates: no UIP in the window */
	advance(r, NS - 100 * US - (r->now - 5 * NS) % NS);
	SV_CHECK(uip(r));
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H);
	SV_CHECK(!uip(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_A), 0x26);
	rig_fini(r);
}

static void test_register_c_and_update_irq(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 100 * MS);

	/* PF ticks at 1024 Hz even with PIE off; UF needs an update */
	advance(r, 2 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_PF);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), 0);
	SV_CHECK(!irq8(r));
	/* a flag already up raises IRQF the moment its enable is set */
	advance(r, 2 * MS);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_PIE | SV_RTC_B_24H);
	SV_CHECK(irq8(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_IRQF | SV_RTC_C_PF);
	SV_CHECK(!irq8(r));
	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ);	/* RS = 0: no PF */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_UIE | SV_RTC_B_24H);
	cmos_read(r, SV_RTC_REG_C);

	/* update-ended: the timer raises IRQ 8 at the second boundary */
	advance(r, 895 * MS);		/* 0.999 s */
	SV_CHECK(!irq8(r));
	advance(r, 2 * MS);
	SV_CHECK(irq8(r));
	SV_CHECK_EQ_U64(r->intc.rises[SV_RTC_IRQ], 2);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x00);
	/* unread, the line stays up and no further edge comes */
	advance(r, 3 * NS);
	SV_CHECK_EQ_U64(r->intc.rises[SV_RTC_IRQ], 2);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_IRQF | SV_RTC_C_UF);
	SV_CHECK(!irq8(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), 0);
	advance(r, 1 * NS);
	SV_CHECK(irq8(r));
	SV_CHECK_EQ_U64(r->intc.rises[SV_RTC_IRQ], 3);
	/* register C and D ignore writes */
	cmos_write(r, SV_RTC_REG_C, 0);
	cmos_write(r, SV_RTC_REG_D, 0);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_D), SV_RTC_D_VRT);
	SV_CHECK(irq8(r));
	/* SET clears UIE */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_UIE | SV_RTC_B_24H);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_B), SV_RTC_B_SET | SV_RTC_B_24H);
	SV_CHECK(!irq8(r));
	rig_fini(r);
}

/* Service IRQ 8 like a guest for duration ns in steps; count interrupts. */
static unsigned serve_periodic(struct rig *r, uint64_t duration, uint64_t step)
{
	unsigned n = 0;

	for (uint64_t t = 0; t < duration; t += step) {
		advance(r, step);
		if (irq8(r)) {
			SV_CHECK(cmos_read(r, SV_RTC_REG_C) & SV_RTC_C_PF);
			n++;
		}
	}
	return n;
}

static void test_periodic_interrupt(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);
	unsigned n;

	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ | 0x0f);	/* 2 Hz */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_PIE | SV_RTC_B_24H);
	advance(r, 499 * MS);
	SV_CHECK(!irq8(r));
	advance(r, 2 * MS);
	SV_CHECK(irq8(r));
	/* not serviced: one edge only, however long */
	advance(r, 2 * NS);
	SV_CHECK_EQ_U64(r->intc.rises[SV_RTC_IRQ], 1);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C),
			SV_RTC_C_IRQF | SV_RTC_C_PF | SV_RTC_C_UF);
	/* serviced: two a second */
	n = serve_periodic(r, 5 * NS, 10 * MS);
	SV_CHECK_EQ_U64(n, 10);

	/* 1024 Hz for 100 ms: 102 or 103 ticks by phase */
	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ | 0x06);
	cmos_read(r, SV_RTC_REG_C);
	n = serve_periodic(r, 100 * MS, 50 * US);
	SV_CHECK(n >= 102 && n <= 103);
	/* rate select 1 repeats rate 8: 256 Hz */
	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ | 0x01);
	cmos_read(r, SV_RTC_REG_C);
	n = serve_periodic(r, 1 * NS, 100 * US);
	SV_CHECK(n >= 255 && n <= 256);

	/* RS = 0: no interrupts and no timer left armed */
	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ);
	cmos_read(r, SV_RTC_REG_C);
	SV_CHECK_EQ_U64(serve_periodic(r, 1 * NS, 1 * MS), 0);
	SV_CHECK(sv_list_empty(&r->vm.timers));
	rig_fini(r);
}

static void test_alarm(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	cmos_write(r, SV_RTC_REG_A, SV_RTC_A_DV_32KHZ);	/* no PF */
	cmos_write(r, SV_RTC_HOURS_ALARM, 0x06);
	cmos_write(r, SV_RTC_MINUTES_ALARM, 0x31);
	cmos_write(r, SV_RTC_SECONDS_ALARM, 0x05);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_AIE | SV_RTC_B_24H);
	advance(r, 5500 * MS);			/* 06:31:04.5 */
	SV_CHECK(!irq8(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_UF);
	advance(r, 501 * MS);			/* 06:31:05 */
	SV_CHECK(irq8(r));
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C),
			SV_RTC_C_IRQF | SV_RTC_C_AF | SV_RTC_C_UF);
	/* a day later it matches again */
	advance(r, 86399 * NS);
	SV_CHECK(!irq8(r));
	advance(r, 1 * NS);
	SV_CHECK(irq8(r));
	cmos_read(r, SV_RTC_REG_C);

	/* "don't care" hours and minutes: every minute at :10 */
	cmos_write(r, SV_RTC_HOURS_ALARM, 0xc0);
	cmos_write(r, SV_RTC_MINUTES_ALARM, 0xff);
	cmos_write(r, SV_RTC_SECONDS_ALARM, 0x10);
	advance(r, 4 * NS);			/* :09 */
	SV_CHECK(!irq8(r));
	advance(r, 1 * NS);			/* :10 */
	SV_CHECK(irq8(r));
	cmos_read(r, SV_RTC_REG_C);
	advance(r, 59 * NS);
	SV_CHECK(!irq8(r));
	advance(r, 1 * NS);
	SV_CHECK(irq8(r));
	cmos_read(r, SV_RTC_REG_C);

	/* with AIE off, AF is still set by a match found lazily */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	advance(r, 2 * 86400 * NS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_AF | SV_RTC_C_UF);
	/* an alarm no time can match never fires */
	cmos_write(r, SV_RTC_SECONDS_ALARM, 0x60);
	advance(r, 2 * 86400 * NS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), SV_RTC_C_UF);
	rig_fini(r);
}

static void test_nmi_mask_and_index_port(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	SV_CHECK(!rtc_nmi_masked(&r->rtc));
	port_out(r, SV_RTC_PORT_INDEX, 1, SV_RTC_INDEX_NMI_MASK | SV_RTC_REG_D);
	SV_CHECK(rtc_nmi_masked(&r->rtc));
	/* the mask bit does not reach the index */
	SV_CHECK_EQ_U64(port_in(r, SV_RTC_PORT_DATA, 1), SV_RTC_D_VRT);
	/* the index register is write-only */
	SV_CHECK_EQ_U64(port_in(r, SV_RTC_PORT_INDEX, 1), 0xff);
	port_out(r, SV_RTC_PORT_INDEX, 1, SV_RTC_REG_D);
	SV_CHECK(!rtc_nmi_masked(&r->rtc));
	/* a 16-bit OUT writes the index, then the data */
	port_out(r, SV_RTC_PORT_INDEX, 2, 0x5540);
	SV_CHECK_EQ_U64(cmos_read(r, 0x40), 0x55);
	SV_CHECK_EQ_U64(port_in(r, SV_RTC_PORT_INDEX, 2), 0x55ff);
	/* plain RAM keeps all 128 bytes; index bit 7 never selects more */
	for (unsigned i = 0x40; i < 0x80; i++)
		cmos_write(r, (uint8_t)i, (uint8_t)(i ^ 0xa5));
	port_out(r, SV_RTC_PORT_INDEX, 1, 0xc1);
	SV_CHECK_EQ_U64(port_in(r, SV_RTC_PORT_DATA, 1), 0x41 ^ 0xa5);
	for (unsigned i = 0x40; i < 0x80; i++)
		SV_CHECK_EQ_U64(cmos_read(r, (uint8_t)i), i ^ 0xa5);
	rig_fini(r);
}

static uint16_t cmos16(struct rig *r, uint8_t lo)
{
	return (uint16_t)(cmos_read(r, lo) | cmos_read(r, (uint8_t)(lo + 1)) << 8);
}

static void check_checksum(struct rig *r)
{
	unsigned sum = 0;

	for (uint8_t i = 0x10; i < 0x2e; i++)
		sum += cmos_read(r, i);
	SV_CHECK_EQ_U64(cmos_read(r, SV_CMOS_CHECKSUM_HI) << 8 |
			cmos_read(r, SV_CMOS_CHECKSUM_LO), sum & 0xffff);
}

static void test_cmos_memory_size(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	SV_CHECK_EQ_U64(cmos_read(r, SV_CMOS_EQUIPMENT), 0x02);
	rtc_set_memory(&r->rtc, 256ull << 20);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_BASE_MEM_LO), 640);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM_LO), 0xffff);	/* capped */
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM2_LO), 0xffff);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_MEM16M_LO), (256 - 16) * 16);
	check_checksum(r);

	rtc_set_memory(&r->rtc, 32ull << 20);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM_LO), 31 * 1024);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM2_LO), 31 * 1024);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_MEM16M_LO), 256);
	check_checksum(r);

	rtc_set_memory(&r->rtc, 8ull << 20);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM_LO), 7 * 1024);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_MEM16M_LO), 0);

	rtc_set_memory(&r->rtc, 512ull << 10);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_BASE_MEM_LO), 512);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_EXT_MEM_LO), 0);

	rtc_set_memory(&r->rtc, 8ull << 30);
	SV_CHECK_EQ_U64(cmos16(r, SV_CMOS_MEM16M_LO), 0xffff);	/* capped */
	check_checksum(r);
	rig_fini(r);
}

static void test_set_time(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 250 * MS);

	/* Linux's way: SET, write every field, clear SET */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H);
	cmos_write(r, SV_RTC_YEAR, 0x30);
	cmos_write(r, SV_RTC_MONTH, 0x01);
	cmos_write(r, SV_RTC_DAY_OF_MONTH, 0x02);
	cmos_write(r, SV_RTC_DAY_OF_WEEK, 0x04);
	cmos_write(r, SV_RTC_HOURS, 0x03);
	cmos_write(r, SV_RTC_MINUTES, 0x04);
	cmos_write(r, SV_RTC_SECONDS, 0x05);
	cmos_write(r, SV_RTC_CENTURY, 0x20);
	/* no updates while SET: the registers keep what was written */
	advance(r, 5 * NS);
	check_regs(r, 0x05, 0x04, 0x03, 4, 0x02, 0x01, 0x30, 0x20);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	check_regs(r, 0x05, 0x04, 0x03, 4, 0x02, 0x01, 0x30, 0x20);
	/* the divider kept its phase: the next update is 0.75 s away */
	advance(r, 749 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x05);
	advance(r, 1 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x06);

	/* a field written while the clock runs sets it at once */
	cmos_write(r, SV_RTC_MINUTES, 0x45);
	advance(r, 1 * NS);
	check_regs(r, 0x07, 0x45, 0x03, 4, 0x02, 0x01, 0x30, 0x20);

	/* the day of week counts on from what the guest set */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H);
	cmos_write(r, SV_RTC_DAY_OF_WEEK, 0x01);
	cmos_write(r, SV_RTC_HOURS, 0x23);
	cmos_write(r, SV_RTC_MINUTES, 0x59);
	cmos_write(r, SV_RTC_SECONDS, 0x59);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	advance(r, 1 * NS);
	check_regs(r, 0x00, 0x00, 0x00, 2, 0x03, 0x01, 0x30, 0x20);

	/* set in binary: the clock runs on in binary, then shows BCD */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H | SV_RTC_B_DM);
	cmos_write(r, SV_RTC_YEAR, 99);
	cmos_write(r, SV_RTC_CENTURY, 19);
	cmos_write(r, SV_RTC_MONTH, 12);
	cmos_write(r, SV_RTC_DAY_OF_MONTH, 31);
	cmos_write(r, SV_RTC_HOURS, 23);
	cmos_write(r, SV_RTC_MINUTES, 59);
	cmos_write(r, SV_RTC_SECONDS, 59);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H | SV_RTC_B_DM);
	check_regs(r, 59, 59, 23, 2, 31, 12, 99, 19);
	advance(r, 1 * NS);
	check_regs(r, 0, 0, 0, 3, 1, 1, 0, 20);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_YEAR), 0x00);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_CENTURY), 0x20);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_MONTH), 0x01);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_DAY_OF_MONTH), 0x01);
	rig_fini(r);
}

static void test_divider_reset(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 300 * MS);

	cmos_write(r, SV_RTC_REG_A, 0x70);	/* DV = 111: divider reset */
	advance(r, 3 * NS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x59);
	/* no UIP, no periodic flag while held */
	advance(r, NS - 100 * US);
	SV_CHECK(!uip(r));
	cmos_read(r, SV_RTC_REG_C);
	advance(r, 10 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C), 0);
	/* released: the first update comes half a second later */
	cmos_write(r, SV_RTC_REG_A, 0x26);
	advance(r, 499 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x59);
	advance(r, 1 * MS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x00);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_MINUTES), 0x31);
	rig_fini(r);
}

static void test_out_of_range_values(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H);
	cmos_write(r, SV_RTC_SECONDS, 0x7f);
	cmos_write(r, SV_RTC_MINUTES, 0xfa);
	cmos_write(r, SV_RTC_HOURS, 0x3f);
	cmos_write(r, SV_RTC_MONTH, 0x00);
	cmos_write(r, SV_RTC_DAY_OF_MONTH, 0x45);
	cmos_write(r, SV_RTC_DAY_OF_WEEK, 0x09);
	cmos_write(r, SV_RTC_YEAR, 0xff);
	cmos_write(r, SV_RTC_CENTURY, 0xee);
	/* stopped: read back as written */
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_SECONDS), 0x7f);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_YEAR), 0xff);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	/* running: clamped into range, 9999-01-31 23:59:59 */
	check_regs(r, 0x59, 0x59, 0x23, 7, 0x31, 0x01, 0x99, 0x99);
	advance(r, 1 * NS);
	check_regs(r, 0x00, 0x00, 0x00, 1, 0x01, 0x02, 0x99, 0x99);
	/* February 30th becomes the 28th (2026 is no leap year) */
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_SET | SV_RTC_B_24H);
	cmos_write(r, SV_RTC_CENTURY, 0x20);
	cmos_write(r, SV_RTC_YEAR, 0x26);
	cmos_write(r, SV_RTC_DAY_OF_MONTH, 0x30);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_DAY_OF_MONTH), 0x28);
	rig_fini(r);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static bool valid_bcd(uint8_t v, unsigned lo, unsigned hi)
{
	unsigned n = (v >> 4) * 10u + (v & 0x0f);

	return (v & 0x0f) <= 9 && (v >> 4) <= 9 && n >= lo && n <= hi;
}

static void test_random_guest(void)
{
	struct rig *r = rig_init(T_2026_11_26_063059, 0);
	uint64_t seed = 0x146818ull;
	unsigned bad = 0;

	for (unsigned i = 0; i < 100000 && bad < 10; i++) {
		uint64_t x = rng_next(&seed);
		unsigned size = 1u << (x % 3);
		uint16_t port = (uint16_t)(0x6f + (x >> 8) % 4);
		uint64_t d = x >> 16;

		if ((x >> 4) % 8 == 0)
			advance(r, (x >> 24) % (3 * NS));
		else
			SV_CHECK_EQ_I64(iobus_access(&r->vm.bus, SV_IO_PORT, port,
						     size, (x >> 7) & 1, &d), 0);
		if (r->rtc.index >= SV_RTC_CMOS_SIZE ||
		    r->rtc.irq_level != irq8(r) ||
		    (r->rtc.flags & 0x8f))
			bad++;
	}
	SV_CHECK_EQ_U64(bad, 0);
	/* whatever the guest did, a sane setting gives a sane clock */
	cmos_write(r, SV_RTC_REG_A, 0x26);
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H);
	advance(r, 1 * NS);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_D), SV_RTC_D_VRT);
	SV_CHECK_EQ_U64(cmos_read(r, SV_RTC_REG_C) & 0x0f, 0);
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_SECONDS), 0, 59));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_MINUTES), 0, 59));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_HOURS), 0, 23));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_DAY_OF_WEEK), 1, 7));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_DAY_OF_MONTH), 1, 31));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_MONTH), 1, 12));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_YEAR), 0, 99));
	SV_CHECK(valid_bcd(cmos_read(r, SV_RTC_CENTURY), 0, 99));
	rig_fini(r);
}

static void test_bad_init(void)
{
	static struct sv_rtc other;
	struct rig *r = rig_init(T_2026_11_26_063059, 0);

	SV_CHECK_EQ_I64(rtc_init(&other, NULL, 0), -SV_EINVAL);
	SV_CHECK_EQ_I64(rtc_init(&other, &r->vm, 0), -SV_EBUSY);
	rig_fini(r);
	/* 1970-01-01 00:00:00 is a Thursday */
	r = rig_init(0, 0);
	check_regs(r, 0x00, 0x00, 0x00, 5, 0x01, 0x01, 0x70, 0x19);
	rig_fini(r);
}

static uint64_t rtc_digest_of(const struct sv_rtc *rtc)
{
	struct sv_digest d;

	sv_digest_init(&d);
	rtc_digest(rtc, &d);
	return d.h;
}

/* rig_init() on a rig of the caller's, so that two can live at once. */
static void digest_rig_init(struct rig *r, uint64_t unix_sec)
{
	memset(r, 0, sizeof(*r));
	r->now = 5 * NS;
	SV_CHECK_EQ_I64(vm_init(&r->vm, "rtc", &fake_backend_ops, NULL), 0);
	vm_set_clock(&r->vm, rig_clock, r, false);
	SV_CHECK_EQ_I64(vm_set_intc(&r->vm, &watch_ops, &r->intc), 0);
	SV_CHECK_EQ_I64(rtc_init(&r->rtc, &r->vm, unix_sec * NS + 250 * MS), 0);
}

/* The same accesses at the same simulated times on both RTCs. */
static void digest_drive(struct rig *r)
{
	cmos_write(r, SV_RTC_REG_B, SV_RTC_B_24H | SV_RTC_B_PIE);
	advance(r, 3 * MS);
	(void)cmos_read(r, SV_RTC_REG_C);
	cmos_write(r, 0x40, 0x5a);
	(void)cmos_read(r, SV_RTC_SECONDS);
	advance(r, 1200 * MS);
	port_out(r, SV_RTC_PORT_INDEX, 1, SV_RTC_INDEX_NMI_MASK | SV_RTC_REG_C);
	(void)port_in(r, SV_RTC_PORT_DATA, 1);
	advance(r, 2 * MS);		/* PF again: the line is up */
}

static void test_state_digest(void)
{
	static struct rig two[2];
	struct rig *a = &two[0], *b = &two[1];

	/* Two fresh RTCs at different addresses: no pointer is hashed. */
	digest_rig_init(a, T_2026_11_26_063059);
	digest_rig_init(b, T_2026_11_26_063059);
	SV_CHECK_EQ_U64(rtc_digest_of(&a->rtc), rtc_digest_of(&b->rtc));

	digest_drive(a);
	digest_drive(b);
	SV_CHECK(irq8(a) && rtc_nmi_masked(&a->rtc));
	SV_CHECK_EQ_U64(rtc_digest_of(&a->rtc), rtc_digest_of(&b->rtc));

	/* One different CMOS write tells them apart. */
	cmos_write(a, 0x41, 1);
	cmos_write(b, 0x41, 2);
	SV_CHECK(rtc_digest_of(&a->rtc) != rtc_digest_of(&b->rtc));
	cmos_write(b, 0x41, 1);
	SV_CHECK_EQ_U64(rtc_digest_of(&a->rtc), rtc_digest_of(&b->rtc));
	/* So does reading register C in one only (flags, line, timer). */
	port_out(a, SV_RTC_PORT_INDEX, 1, SV_RTC_REG_C);
	port_out(b, SV_RTC_PORT_INDEX, 1, SV_RTC_REG_C);
	SV_CHECK_EQ_U64(rtc_digest_of(&a->rtc), rtc_digest_of(&b->rtc));
	(void)port_in(b, SV_RTC_PORT_DATA, 1);
	SV_CHECK(rtc_digest_of(&a->rtc) != rtc_digest_of(&b->rtc));
	rig_fini(a);
	rig_fini(b);

	/* The wall-clock time given at init is state too. */
	digest_rig_init(a, T_2026_11_26_063059);
	digest_rig_init(b, T_2026_11_26_063059 + 1);
	SV_CHECK(rtc_digest_of(&a->rtc) != rtc_digest_of(&b->rtc));
	rig_fini(a);
	rig_fini(b);
}

CU_TestInfo sv_tests_rtc[] = {
	{ "power-on state, a known date in BCD", test_power_on_and_known_date_bcd },
	{ "binary mode", test_binary_mode },
	{ "leap days and the century", test_leap_days_and_century },
	{ "12-hour mode", test_12_hour_mode },
	{ "update in progress", test_update_in_progress },
	{ "register C, update-ended IRQ", test_register_c_and_update_irq },
	{ "periodic interrupt", test_periodic_interrupt },
	{ "alarm", test_alarm },
	{ "NMI mask and index port", test_nmi_mask_and_index_port },
	{ "CMOS memory size", test_cmos_memory_size },
	{ "setting the time with SET", test_set_time },
	{ "divider reset", test_divider_reset },
	{ "out-of-range values", test_out_of_range_values },
	{ "random guest accesses", test_random_guest },
	{ "init errors, the epoch", test_bad_init },
	{ "state digest", test_state_digest },
	CU_TEST_INFO_NULL,
};
