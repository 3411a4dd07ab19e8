/*
 * Kernel-wide state and the way a run ends.
 */
#ifndef SV_BM_KERNEL_H
#define SV_BM_KERNEL_H

#include <stdbool.h>

#include "sv/compiler.h"

/* `test` was on the command line: end the run instead of idling. */
extern bool kernel_test_mode;

/*
 * End the run. In a test run, report pass or fail to the emulator: QEMU's
 * isa-debug-exit device (port 0xf4) exits with (code << 1) | 1, and Bochs
 * stops on "Shutdown" written to port 0x8900 once the UARTs have drained.
 * Otherwise, and if neither emulator is there, halt for good.
 */
SV_NORETURN void kernel_stop(bool pass);

/* Debug-exit codes: QEMU's exit status is (code << 1) | 1. */
#define KERNEL_EXIT_PASS 0x10	/* status 33 */
#define KERNEL_EXIT_FAIL 0x11	/* status 35 */

#endif
