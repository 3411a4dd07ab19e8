/*
 * The machine's own MC146818 real-time clock, read once at boot to give
 * the kernel its wall clock (host_realtime_ns: the guests' RTC start time,
 * trace headers). The CMOS time is taken as UTC, as Linux does by default.
 */
#ifndef SV_BM_CMOS_RTC_H
#define SV_BM_CMOS_RTC_H

#include <stdint.h>

#include "sv/compiler.h"

/*
 * Read the date and time (waiting out an update in progress, reading
 * until two passes agree). Returns 0 and the Unix time in *secs, or
 * -SV_EIO when the chip never settles or holds an impossible date.
 */
SV_MUST_CHECK int cmos_rtc_read(int64_t *secs);

#endif /* SV_BM_CMOS_RTC_H */
