/*
 * Tests for common/calendar.c: Unix time against dates worked out with
 * Python's calendar.timegm, leap-year rules, and a round trip over every
 * day from 1600 to 2400.
 */
#include "sv/calendar.h"
#include "sv_test.h"

static void test_known_dates(void)
{
	struct sv_date d = { .year = 2000, .month = 2, .day = 29, .hour = 12,
			     .min = 34, .sec = 56 };

	SV_CHECK_EQ_I64(sv_unix_from_date(&d), 951827696);
	d = (struct sv_date){ .year = 2026, .month = 11, .day = 26 };
	SV_CHECK_EQ_I64(sv_unix_from_date(&d), 1795651200);
	d = (struct sv_date){ .year = 1969, .month = 12, .day = 31, .hour = 23,
			      .min = 59, .sec = 59 };
	SV_CHECK_EQ_I64(sv_unix_from_date(&d), -1);
	d = (struct sv_date){ .year = 2100, .month = 3, .day = 1 };
	SV_CHECK_EQ_I64(sv_unix_from_date(&d), 4107542400);
	sv_date_from_unix(1795651200, &d);
	SV_CHECK_EQ_I64(d.year, 2026);
	SV_CHECK_EQ_U64(d.month, 11);
	SV_CHECK_EQ_U64(d.day, 26);
	SV_CHECK_EQ_U64(d.dow, 5);		/* a Thursday */
	sv_date_from_unix(-1, &d);
	SV_CHECK_EQ_I64(d.year, 1969);
	SV_CHECK_EQ_U64(d.sec, 59);
}

static void test_leap_years(void)
{
	SV_CHECK(sv_is_leap(2000));
	SV_CHECK(!sv_is_leap(1900));
	SV_CHECK(!sv_is_leap(2100));
	SV_CHECK(sv_is_leap(2024));
	SV_CHECK_EQ_U64(sv_days_in_month(2024, 2), 29);
	SV_CHECK_EQ_U64(sv_days_in_month(2100, 2), 28);
	SV_CHECK_EQ_U64(sv_days_in_month(2026, 12), 31);
	SV_CHECK_EQ_I64(sv_floor_div(-1, 86400), -1);
	SV_CHECK_EQ_I64(sv_floor_mod(-1, 86400), 86399);
}

/* Every day of eight centuries, back and forth, one day apart each. */
static void test_round_trip(void)
{
	struct sv_date first = { .year = 1600, .month = 1, .day = 1 };
	int64_t day0 = sv_unix_from_date(&first) / SV_SECS_PER_DAY;
	struct sv_date prev = { 0 };

	for (int64_t day = day0; day < day0 + 292194; day++) {
		struct sv_date d;

		sv_date_from_unix(day * SV_SECS_PER_DAY + 3723, &d);
		if (sv_unix_from_date(&d) != day * SV_SECS_PER_DAY + 3723) {
			SV_CHECK_EQ_I64(sv_unix_from_date(&d),
					day * SV_SECS_PER_DAY + 3723);
			return;
		}
		if (day > day0 && d.dow != prev.dow % 7 + 1) {
			SV_CHECK_EQ_U64(d.dow, prev.dow % 7 + 1);
			return;
		}
		prev = d;
	}
	SV_CHECK_EQ_I64(prev.year, 2399);
	SV_CHECK_EQ_U64(prev.month, 12);
	SV_CHECK_EQ_U64(prev.day, 31);
}

CU_TestInfo sv_tests_calendar[] = {
	{ "known_dates", test_known_dates },
	{ "leap_years", test_leap_years },
	{ "round_trip", test_round_trip },
	CU_TEST_INFO_NULL,
};
