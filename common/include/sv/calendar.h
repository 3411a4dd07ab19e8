/*
 * The proleptic Gregorian calendar against Unix time (seconds since
 * 1970-01-01 00:00 UTC), for the guest's MC146818 model (devices/rtc.c)
 * and the kernel's reading of the real one. Exact for every int64 day
 * count a clock can reach; no time zones, no leap seconds.
 */
#ifndef SV_CALENDAR_H
#define SV_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define SV_SECS_PER_DAY	86400

struct sv_date {
	int64_t year;
	unsigned month, day;		/* 1-12, 1-31 */
	unsigned hour, min, sec;	/* 0-23, 0-59, 0-59 */
	unsigned dow;			/* 1 = Sunday ... 7 = Saturday */
};

/* Division and remainder rounding toward minus infinity (b > 0). */
int64_t sv_floor_div(int64_t a, int64_t b);
int64_t sv_floor_mod(int64_t a, int64_t b);

bool sv_is_leap(int64_t year);
/* Days in month m (1-12) of year. */
unsigned sv_days_in_month(int64_t year, unsigned m);
/* Days from 1970-01-01 to y-m-d (negative before). */
int64_t sv_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The calendar date and time of Unix time secs, day of week included. */
void sv_date_from_unix(int64_t secs, struct sv_date *out);
/* Unix time of d (its dow is not read). */
int64_t sv_unix_from_date(const struct sv_date *d);

#endif /* SV_CALENDAR_H */
