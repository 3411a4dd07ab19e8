/*
 * MC146818 RTC and CMOS RAM (see sv/dev/rtc.h for the model).
 *
 * The clock is a count of seconds, not a set of registers: base_sec is the
 * Unix second that began at div_ref_ns, and the current second is found by
 * dividing the VM time elapsed since. Registers are rendered from it on
 * each read (rtc_latch) and parsed back when the guest sets the clock
 * (rtc_rebase). While the clock is stopped (B.SET, or the divider held in
 * reset) the registers in cmos[] are the truth instead, as on the chip.
 *
 * Register C's flags are computed lazily: catch_up() looks at the interval
 * since the last look and sets PF when a periodic tick fell in it, UF when a
 * second boundary did, AF when one of those seconds matched the alarm. Each
 * access to the data port and each timer expiry catches up first, so a
 * change of configuration always applies from the moment it is made.
 */
#include "sv/dev/rtc.h"

#include "sv/digest.h"
#include "sv/calendar.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "sv/vm.h"

#define NS_PER_SEC	1000000000ll
#define DIVIDER_HZ	32768	/* 32.768 kHz time base */

/* After a divider reset is released, the first update comes 500 ms later. */
#define DIVIDER_RELEASE_NS (NS_PER_SEC / 2)

/* Power-on values a PC BIOS leaves. */
#define RS_1024HZ	0x06
#define RTC_RESET_A	(SV_RTC_A_DV_32KHZ | RS_1024HZ)
#define RTC_RESET_B	SV_RTC_B_24H
#define CMOS_EQUIP_FPU	0x02	/* equipment byte: math coprocessor */

#define KIB		1024ull
#define MIB		(1024 * KIB)


/* ---- Register formats. ---- */

static bool binary_mode(const struct sv_rtc *rtc)
{
	return rtc->cmos[SV_RTC_REG_B] & SV_RTC_B_DM;
}

static uint8_t to_reg(const struct sv_rtc *rtc, unsigned v)
{
	if (binary_mode(rtc))
		return (uint8_t)v;
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

/* A register value back to a number; invalid BCD digits count as written. */
static unsigned from_reg(const struct sv_rtc *rtc, uint8_t v)
{
	if (binary_mode(rtc))
		return v;
	return (v >> 4) * 10u + (v & 0x0f);
}

static uint8_t hour_to_reg(const struct sv_rtc *rtc, unsigned h24)
{
	unsigned h12;

	if (rtc->cmos[SV_RTC_REG_B] & SV_RTC_B_24H)
		return to_reg(rtc, h24);
	h12 = h24 % 12 ? h24 % 12 : 12;
	return (uint8_t)(to_reg(rtc, h12) | (h24 >= 12 ? SV_RTC_HOURS_PM : 0));
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static unsigned hour_from_reg(const struct sv_rtc *rtc, uint8_t v)
{
	unsigned h;

	if (rtc->cmos[SV_RTC_REG_B] & SV_RTC_B_24H)
		return clamp(from_reg(rtc, v), 0, 23);
	h = clamp(from_reg(rtc, v & ~SV_RTC_HOURS_PM), 1, 12);
	return h % 12 + (v & SV_RTC_HOURS_PM ? 12 : 0);
}

/* ---- The divider chain and the clock. ---- */

/* DV = 000, 001, 010 count; 011 and 10x (test) and 11x (reset) do not. */
static bool divider_running_a(uint8_t reg_a)
{
	return ((reg_a & SV_RTC_A_DV_MASK) >> SV_RTC_A_DV_SHIFT) <= 2;
}

static bool divider_running(const struct sv_rtc *rtc)
{
	return divider_running_a(rtc->cmos[SV_RTC_REG_A]);
}

static bool clock_running(const struct sv_rtc *rtc)
{
	return divider_running(rtc) && !(rtc->cmos[SV_RTC_REG_B] & SV_RTC_B_SET);
}

/* Index of the divider second containing VM time t. */
static int64_t second_index(const struct sv_rtc *rtc, int64_t t)
{
	return sv_floor_div(t - rtc->div_ref_ns, NS_PER_SEC);
}

static int64_t now_ns(const struct sv_rtc *rtc)
{
	return (int64_t)vm_now(rtc->vm);
}

/* Move div_ref_ns to the start of the second containing t. */
static void divider_align(struct sv_rtc *rtc, int64_t t)
{
	rtc->div_ref_ns += second_index(rtc, t) * NS_PER_SEC;
}

/* Render second secs into the time registers (and century). */
static void render(struct sv_rtc *rtc, int64_t secs)
{
	struct sv_date t;
	uint8_t *c = rtc->cmos;

	sv_date_from_unix(secs, &t);
	c[SV_RTC_SECONDS] = to_reg(rtc, t.sec);
	c[SV_RTC_MINUTES] = to_reg(rtc, t.min);
	c[SV_RTC_HOURS] = hour_to_reg(rtc, t.hour);
	c[SV_RTC_DAY_OF_WEEK] = to_reg(rtc, (t.dow - 1 + rtc->dow_offset) % 7 + 1);
	c[SV_RTC_DAY_OF_MONTH] = to_reg(rtc, t.day);
	c[SV_RTC_MONTH] = to_reg(rtc, t.month);
	c[SV_RTC_YEAR] = to_reg(rtc, (unsigned)sv_floor_mod(t.year, 100));
	c[SV_RTC_CENTURY] = to_reg(rtc, (unsigned)sv_floor_mod(t.year / 100, 100));
}

/* While the clock runs, bring the time registers up to VM time t. */
static void rtc_latch(struct sv_rtc *rtc, int64_t t)
{
	if (clock_running(rtc))
		render(rtc, rtc->base_sec + second_index(rtc, t));
}

/*
 * Restart the count from the registers, as the second that contains VM
 * time t. Fields out of range are clamped into it (the day to its month's
 * length).
 */
static void rtc_rebase(struct sv_rtc *rtc, int64_t t)
{
	const uint8_t *c = rtc->cmos;
	unsigned year = clamp(from_reg(rtc, c[SV_RTC_CENTURY]), 0, 99) * 100 +
			clamp(from_reg(rtc, c[SV_RTC_YEAR]), 0, 99);
	unsigned month = clamp(from_reg(rtc, c[SV_RTC_MONTH]), 1, 12);
	unsigned day = clamp(from_reg(rtc, c[SV_RTC_DAY_OF_MONTH]), 1,
			     sv_days_in_month(year, month));
	unsigned dow = clamp(from_reg(rtc, c[SV_RTC_DAY_OF_WEEK]), 1, 7);
	int64_t secs = sv_days_from_civil(year, month, day) * SV_SECS_PER_DAY +
		       hour_from_reg(rtc, c[SV_RTC_HOURS]) * 3600 +
		       clamp(from_reg(rtc, c[SV_RTC_MINUTES]), 0, 59) * 60 +
		       clamp(from_reg(rtc, c[SV_RTC_SECONDS]), 0, 59);
	struct sv_date d;

	divider_align(rtc, t);
	rtc->base_sec = secs;
	sv_date_from_unix(secs, &d);
	rtc->dow_offset = (uint8_t)((dow + 7 - d.dow) % 7);
}

/* UIP: the 244 us before each update of a running clock. */
static bool update_in_progress(const struct sv_rtc *rtc, int64_t t)
{
	if (!clock_running(rtc))
		return false;
	return sv_floor_mod(t - rtc->div_ref_ns, NS_PER_SEC) >=
	       NS_PER_SEC - (int64_t)SV_RTC_UIP_NS;
}

/* ---- Interrupt flags. ---- */

/*
 * Periodic interrupts a second for register A's RS bits with the 32.768
 * kHz time base: 0 means none; 1 and 2 repeat the rates of 8 and 9.
 */
static unsigned periodic_hz(const struct sv_rtc *rtc)
{
	unsigned rs = rtc->cmos[SV_RTC_REG_A] & SV_RTC_A_RS_MASK;

	if (rs == 0 || !divider_running(rtc))
		return 0;
	if (rs <= 2)
		rs += 7;
	return DIVIDER_HZ >> (rs - 1);
}

/* Periodic ticks (aligned to the divider's seconds) up to VM time t. */
static int64_t periodic_index(const struct sv_rtc *rtc, unsigned hz, int64_t t)
{
	int64_t elapsed = t - rtc->div_ref_ns;
	int64_t q = sv_floor_div(elapsed, NS_PER_SEC);
	int64_t r = elapsed - q * NS_PER_SEC;

	return q * hz + r * hz / NS_PER_SEC;
}

/* VM time of periodic tick k: the first ns at which the index reaches k. */
static int64_t periodic_time(const struct sv_rtc *rtc, unsigned hz, int64_t k)
{
	int64_t q = sv_floor_div(k, hz);
	int64_t r = k - q * hz;

	return rtc->div_ref_ns + q * NS_PER_SEC +
	       (r * NS_PER_SEC + hz - 1) / hz;
}

static bool alarm_field_matches(uint8_t alarm, uint8_t value)
{
	return alarm >= SV_RTC_ALARM_DONT_CARE || alarm == value;
}

/*
 * Does any of the seconds first..last (Unix seconds) match the alarm? The
 * alarm names a time of day only, so one day of them covers every case.
 */
static bool alarm_in(const struct sv_rtc *rtc, int64_t first, int64_t last)
{
	const uint8_t *c = rtc->cmos;
	int64_t sod;

	if (last - first >= SV_SECS_PER_DAY)
		first = last - SV_SECS_PER_DAY + 1;
	sod = sv_floor_mod(first, SV_SECS_PER_DAY);
	for (int64_t s = first; s <= last; s++) {
		unsigned h = (unsigned)(sod / 3600);
		unsigned m = (unsigned)(sod / 60 % 60);
		unsigned sec = (unsigned)(sod % 60);

		if (alarm_field_matches(c[SV_RTC_SECONDS_ALARM], to_reg(rtc, sec)) &&
		    alarm_field_matches(c[SV_RTC_MINUTES_ALARM], to_reg(rtc, m)) &&
		    alarm_field_matches(c[SV_RTC_HOURS_ALARM], hour_to_reg(rtc, h)))
			return true;
		if (++sod == SV_SECS_PER_DAY)
			sod = 0;
	}
	return false;
}

/* Set the flags for what happened in (events_ns, t]. */
static void catch_up(struct sv_rtc *rtc, int64_t t)
{
	int64_t from = rtc->events_ns;
	unsigned hz = periodic_hz(rtc);

	if (t <= from)
		return;
	if (hz && periodic_index(rtc, hz, t) > periodic_index(rtc, hz, from))
		rtc->flags |= SV_RTC_C_PF;
	if (clock_running(rtc)) {
		int64_t k0 = second_index(rtc, from), k1 = second_index(rtc, t);

		if (k1 > k0) {
			rtc->flags |= SV_RTC_C_UF;
			if (!(rtc->flags & SV_RTC_C_AF) &&
			    alarm_in(rtc, rtc->base_sec + k0 + 1, rtc->base_sec + k1))
				rtc->flags |= SV_RTC_C_AF;
		}
	}
	rtc->events_ns = t;
}

static bool irqf(const struct sv_rtc *rtc)
{
	uint8_t b = rtc->cmos[SV_RTC_REG_B];

	return ((rtc->flags & SV_RTC_C_PF) && (b & SV_RTC_B_PIE)) ||
	       ((rtc->flags & SV_RTC_C_AF) && (b & SV_RTC_B_AIE)) ||
	       ((rtc->flags & SV_RTC_C_UF) && (b & SV_RTC_B_UIE));
}

/*
 * Drive IRQ 8 from IRQF, and arm the timer for the next moment an enabled
 * source could raise it; with IRQF already up nothing can change until the
 * guest reads register C, so no timer runs then.
 */
static void rtc_update(struct sv_rtc *rtc, int64_t t)
{
	uint8_t b = rtc->cmos[SV_RTC_REG_B];
	bool level = irqf(rtc);
	int64_t next = INT64_MAX;
	unsigned hz = periodic_hz(rtc);

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		vm_irq_set(rtc->vm, SV_RTC_IRQ, level);
	}
	if (!level) {
		if ((b & SV_RTC_B_PIE) && hz)
			next = periodic_time(rtc, hz, periodic_index(rtc, hz, t) + 1);
		if ((b & (SV_RTC_B_UIE | SV_RTC_B_AIE)) && clock_running(rtc))
			next = SV_MIN(next, rtc->div_ref_ns +
				      (second_index(rtc, t) + 1) * NS_PER_SEC);
	}
	if (next == INT64_MAX || next < 0)
		vm_timer_disarm(&rtc->timer);
	else
		vm_timer_arm(rtc->vm, &rtc->timer, (uint64_t)next);
}

static void rtc_timer_fire(struct sv_timer *timer, uint64_t now)
{
	struct sv_rtc *rtc = sv_container_of(timer, struct sv_rtc, timer);
	/* the timer's time, never behind what the device has already seen */
	int64_t t = SV_MAX((int64_t)now, rtc->events_ns);

	catch_up(rtc, t);
	rtc_update(rtc, t);
}

/* ---- Register access. ---- */

static bool is_time_reg(unsigned idx)
{
	switch (idx) {
	case SV_RTC_SECONDS: case SV_RTC_MINUTES: case SV_RTC_HOURS:
	case SV_RTC_DAY_OF_WEEK: case SV_RTC_DAY_OF_MONTH: case SV_RTC_MONTH:
	case SV_RTC_YEAR: case SV_RTC_CENTURY:
		return true;
	}
	return false;
}

static uint8_t data_read(struct sv_rtc *rtc, int64_t t)
{
	unsigned idx = rtc->index;
	uint8_t val;

	switch (idx) {
	case SV_RTC_REG_A:
		return (uint8_t)((rtc->cmos[idx] & ~SV_RTC_A_UIP) |
				 (update_in_progress(rtc, t) ? SV_RTC_A_UIP : 0));
	case SV_RTC_REG_C:
		val = rtc->flags | (irqf(rtc) ? SV_RTC_C_IRQF : 0);
		rtc->flags = 0;
		rtc_update(rtc, t);
		return val;
	case SV_RTC_REG_D:
		return SV_RTC_D_VRT;
	}
	if (is_time_reg(idx))
		rtc_latch(rtc, t);
	return rtc->cmos[idx];
}

/*
 * Register A or B changes: whatever stops the clock freezes the registers
 * at their current values first; whatever restarts it parses them back,
 * either keeping the divider's phase (SET cleared) or starting a new one
 * half a second before the first update (divider released from reset).
 */
static void control_write(struct sv_rtc *rtc, unsigned idx, uint8_t val,
			  int64_t t)
{
	bool was_running = clock_running(rtc);
	bool div_was_running = divider_running(rtc);

	rtc_latch(rtc, t);
	if (idx == SV_RTC_REG_A) {
		rtc->cmos[idx] = val & ~SV_RTC_A_UIP;
	} else {
		if (val & SV_RTC_B_SET)
			val &= ~SV_RTC_B_UIE;	/* SET clears UIE (datasheet) */
		rtc->cmos[idx] = val;
	}
	if (!div_was_running && divider_running(rtc))
		rtc->div_ref_ns = t - DIVIDER_RELEASE_NS;
	if (!was_running && clock_running(rtc))
		rtc_rebase(rtc, t);
}

static void data_write(struct sv_rtc *rtc, uint8_t val, int64_t t)
{
	unsigned idx = rtc->index;

	switch (idx) {
	case SV_RTC_REG_A:
	case SV_RTC_REG_B:
		control_write(rtc, idx, val, t);
		break;
	case SV_RTC_REG_C:
	case SV_RTC_REG_D:
		break;		/* read-only */
	default:
		if (is_time_reg(idx) && clock_running(rtc)) {
			rtc_latch(rtc, t);
			rtc->cmos[idx] = val;
			rtc_rebase(rtc, t);
		} else {
			rtc->cmos[idx] = val;
		}
		break;
	}
	rtc_update(rtc, t);
}

static void port_access(struct sv_rtc *rtc, unsigned port, bool write,
			uint8_t *val)
{
	int64_t t;

	if (port == 0) {
		/* the index register is write-only on the PC/AT */
		if (write) {
			rtc->index = *val & SV_RTC_INDEX_MASK;
			rtc->nmi_masked = *val & SV_RTC_INDEX_NMI_MASK;
		} else {
			*val = 0xff;
		}
		return;
	}
	t = SV_MAX(now_ns(rtc), rtc->events_ns);
	catch_up(rtc, t);
	if (write)
		data_write(rtc, *val, t);
	else
		*val = data_read(rtc, t);
}

static int rtc_io(struct sv_io_device *dev, uint64_t offset, unsigned size,
		  bool write, uint64_t *data)
{
	struct sv_rtc *rtc = sv_container_of(dev, struct sv_rtc, io);
	uint64_t out = 0;

	/* a wide access is byte accesses to consecutive ports (outw 0x70) */
	for (unsigned i = 0; i < size && offset + i < SV_RTC_PORTS; i++) {
		uint8_t byte = (uint8_t)(*data >> (8 * i));

		port_access(rtc, (unsigned)(offset + i), write, &byte);
		out |= (uint64_t)byte << (8 * i);
	}
	if (!write)
		*data = out;
	return 0;
}

/* ---- Set-up. ---- */

static void cmos_set16(struct sv_rtc *rtc, unsigned lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc->cmos[lo] = (uint8_t)v;
	rtc->cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* The AT BIOS checksum: the 16-bit sum of 0x10-0x2d, big-endian. */
static void cmos_checksum(struct sv_rtc *rtc)
{
	unsigned sum = 0;

	for (unsigned i = SV_CMOS_FLOPPY_TYPES; i < SV_CMOS_CHECKSUM_HI; i++)
		sum += rtc->cmos[i];
	rtc->cmos[SV_CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
	rtc->cmos[SV_CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

void rtc_set_memory(struct sv_rtc *rtc, uint64_t ram_bytes)
{
	uint64_t base_kib = SV_MIN(ram_bytes / KIB, 640);
	uint64_t ext_kib = ram_bytes > MIB ? (ram_bytes - MIB) / KIB : 0;
	uint64_t above16 = ram_bytes > 16 * MIB ?
			   (ram_bytes - 16 * MIB) / (64 * KIB) : 0;

	cmos_set16(rtc, SV_CMOS_BASE_MEM_LO, base_kib);
	cmos_set16(rtc, SV_CMOS_EXT_MEM_LO, ext_kib);
	cmos_set16(rtc, SV_CMOS_EXT_MEM2_LO, ext_kib);
	cmos_set16(rtc, SV_CMOS_MEM16M_LO, above16);
	cmos_checksum(rtc);
}

int rtc_init(struct sv_rtc *rtc, struct sv_vm *vm, uint64_t epoch_ns_at_now)
{
	int64_t now;

	if (!rtc || !vm)
		return -SV_EINVAL;
	sv_memset(rtc, 0, sizeof(*rtc));
	rtc->io.name = "mc146818";
	rtc->io.handler = rtc_io;
	rtc->vm = vm;
	sv_list_init(&rtc->timer.node);
	rtc->timer.deadline = SV_TIMER_NEVER;
	rtc->timer.fire = rtc_timer_fire;

	rtc->cmos[SV_RTC_REG_A] = RTC_RESET_A;
	rtc->cmos[SV_RTC_REG_B] = RTC_RESET_B;
	rtc->cmos[SV_CMOS_EQUIPMENT] = CMOS_EQUIP_FPU;

	now = now_ns(rtc);
	rtc->div_ref_ns = now - (int64_t)(epoch_ns_at_now % NS_PER_SEC);
	rtc->base_sec = (int64_t)(epoch_ns_at_now / NS_PER_SEC);
	rtc->events_ns = now;
	rtc_latch(rtc, now);
	rtc_set_memory(rtc, 0);
	return iobus_register(&vm->bus, SV_IO_PORT, SV_RTC_PORT_INDEX,
			      SV_RTC_PORTS, &rtc->io);
}

void rtc_destroy(struct sv_rtc *rtc)
{
	vm_timer_disarm(&rtc->timer);
	iobus_unregister(&rtc->vm->bus, &rtc->io);
	if (rtc->irq_level) {
		rtc->irq_level = false;
		vm_irq_set(rtc->vm, SV_RTC_IRQ, false);
	}
}

bool rtc_nmi_masked(const struct sv_rtc *rtc)
{
	return rtc->nmi_masked;
}

bool rtc_irq_asserted(const struct sv_rtc *rtc)
{
	return rtc->irq_level;
}

void rtc_digest(const struct sv_rtc *rtc, struct sv_digest *d)
{
	sv_digest_bytes(d, rtc->cmos, sizeof(rtc->cmos));	/* bytes: no padding */
	sv_digest_u8(d, rtc->index);
	sv_digest_u8(d, rtc->nmi_masked);
	sv_digest_u64(d, (uint64_t)rtc->div_ref_ns);
	sv_digest_u64(d, (uint64_t)rtc->base_sec);
	sv_digest_u8(d, rtc->dow_offset);
	sv_digest_u8(d, rtc->flags);
	sv_digest_u64(d, (uint64_t)rtc->events_ns);
	sv_digest_u8(d, rtc->irq_level);
	sv_digest_u64(d, vm_timer_deadline(&rtc->timer));
}
