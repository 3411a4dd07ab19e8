/* The time-stamp counter, calibrated against PIT channel 2 at boot. */
#ifndef SV_BM_TSC_H
#define SV_BM_TSC_H

#include <stdint.h>

/* Measure the TSC frequency; returns it in kHz (0 if the PIT did not tick). */
uint64_t tsc_calibrate(void);
/* The frequency tsc_calibrate() measured, in kHz (0 before). */
uint64_t tsc_khz_get(void);
/* Nanoseconds since tsc_calibrate() ran; 0 before. */
uint64_t tsc_ns(void);

#endif
