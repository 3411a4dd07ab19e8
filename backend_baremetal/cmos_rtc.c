/*
 * Reading the PC's MC146818 clock (cmos_rtc.h). The register layout is
 * the datasheet's, named once in sv/dev/rtc.h for the guests' model of the
 * same chip.
 */
#include "cmos_rtc.h"

#include <stdbool.h>

#include "sv/calendar.h"
#include "sv/dev/rtc.h"
#include "sv/errno.h"
#include "sv/string.h"
#include "x86.h"

#define RTC_HOUR_PM	0x80	/* 12-hour mode: bit 7 of the hour */
#define RTC_SETTLE_TRIES 1000	/* passes before the chip counts as broken */
#define RTC_UIP_SPINS	100000

enum { R_SEC, R_MIN, R_HOUR, R_DAY, R_MONTH, R_YEAR, R_CENTURY, R_B, R_COUNT };

static const uint8_t regs[R_COUNT] = {
	[R_SEC] = SV_RTC_SECONDS, [R_MIN] = SV_RTC_MINUTES,
	[R_HOUR] = SV_RTC_HOURS, [R_DAY] = SV_RTC_DAY_OF_MONTH,
	[R_MONTH] = SV_RTC_MONTH, [R_YEAR] = SV_RTC_YEAR,
	[R_CENTURY] = SV_RTC_CENTURY, [R_B] = SV_RTC_REG_B,
};

static uint8_t cmos_read(uint8_t reg)
{
	/* NMIs stay enabled: the index byte's top bit is left clear */
	outb(SV_RTC_PORT_INDEX, reg & SV_RTC_INDEX_MASK);
	return inb(SV_RTC_PORT_DATA);
}

/* One pass over the time registers, after any update in progress. */
static bool read_pass(uint8_t out[R_COUNT])
{
	int i;

	for (i = 0; i < RTC_UIP_SPINS; i++)
		if (!(cmos_read(SV_RTC_REG_A) & SV_RTC_A_UIP))
			break;
	if (i == RTC_UIP_SPINS)
		return false;
	for (unsigned r = 0; r < R_COUNT; r++)
		out[r] = cmos_read(regs[r]);
	return true;
}

static unsigned from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0x0f);
}

int cmos_rtc_read(int64_t *secs)
{
	uint8_t a[R_COUNT], b[R_COUNT];
	struct sv_date d = { 0 };
	unsigned tries = 0, century;
	bool binary, h24, pm;

	if (!read_pass(a))
		return -SV_EIO;
	do {	/* an update between two passes shows as a difference */
		sv_memcpy(b, a, sizeof(a));
		if (!read_pass(a) || ++tries == RTC_SETTLE_TRIES)
			return -SV_EIO;
	} while (sv_memcmp(a, b, sizeof(a)));
	binary = (a[R_B] & SV_RTC_B_DM) != 0;
	h24 = (a[R_B] & SV_RTC_B_24H) != 0;
	pm = !h24 && (a[R_HOUR] & RTC_HOUR_PM);
	century = from_bcd(a[R_CENTURY], binary);
	d.year = (century >= 19 && century <= 99 ? century : 20) * 100 +
		 from_bcd(a[R_YEAR], binary);
	d.month = from_bcd(a[R_MONTH], binary);
	d.day = from_bcd(a[R_DAY], binary);
	d.hour = from_bcd(a[R_HOUR] & (uint8_t)~RTC_HOUR_PM, binary);
	d.min = from_bcd(a[R_MIN], binary);
	d.sec = from_bcd(a[R_SEC], binary);
	if (!h24)	/* 12 AM is 0, 12 PM is 12 */
		d.hour = d.hour % 12 + (pm ? 12 : 0);
	if (d.month < 1 || d.month > 12 || d.day < 1 ||
	    d.day > sv_days_in_month(d.year, d.month) || d.hour > 23 ||
	    d.min > 59 || d.sec > 59)
		return -SV_EIO;
	*secs = sv_unix_from_date(&d);
	return 0;
}
