/*
 * The Gregorian calendar, by hand (sv/calendar.h).
 */
#include "sv/calendar.h"

int64_t sv_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int64_t sv_floor_mod(int64_t a, int64_t b)
{
	return a - sv_floor_div(a, b) * b;
}

bool sv_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned sv_days_in_month(int64_t y, unsigned m)
{
	static const uint8_t len[12] = { 31, 28, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31 };

	return m == 2 && sv_is_leap(y) ? 29 : len[m - 1];
}

/*
 * The year is taken to start on March 1st, so that the leap day is the
 * last day of its year; then a 400-year era has a fixed 146097 days and a
 * year of the era 365 plus its leap corrections.
 */
int64_t sv_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = sv_floor_div(y, 400);
	yoe = y - era * 400;				/* 0-399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* from Mar 1 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0-146096 */
	return era * 146097 + doe - 719468;	/* 719468: 0000-03-01 to 1970 */
}

/* The inverse: the date of day z counted from 1970-01-01. */
static void civil_from_days(int64_t z, struct sv_date *t)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = sv_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;			/* 0 = March */
	t->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	t->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	t->year = yoe + era * 400 + (t->month <= 2);
}

void sv_date_from_unix(int64_t secs, struct sv_date *t)
{
	int64_t days = sv_floor_div(secs, SV_SECS_PER_DAY);
	int64_t sod = secs - days * SV_SECS_PER_DAY;

	civil_from_days(days, t);
	t->hour = (unsigned)(sod / 3600);
	t->min = (unsigned)(sod / 60 % 60);
	t->sec = (unsigned)(sod % 60);
	/* 1970-01-01 was a Thursday, day 5 counting Sunday as 1 */
	t->dow = (unsigned)sv_floor_mod(days + 4, 7) + 1;
}

int64_t sv_unix_from_date(const struct sv_date *d)
{
	return sv_days_from_civil(d->year, d->month, d->day) * SV_SECS_PER_DAY +
	       d->hour * 3600 + d->min * 60 + d->sec;
}
