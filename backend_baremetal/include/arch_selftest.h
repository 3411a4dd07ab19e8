/*
 * Checks of the arch layer on the real (or emulated) machine, run in a
 * `test` boot and available to the kernel self-test: page tables, stack
 * guards, the tick against the clock, interrupt routing and the context
 * switch. Each check prints one line on the console ending in "ok" or
 * "FAILED: reason"; the boot tests match these lines.
 */
#ifndef SV_BM_ARCH_SELFTEST_H
#define SV_BM_ARCH_SELFTEST_H

#include "sv/compiler.h"

/*
 * Run every check; interrupts must be enabled and the tick running, and no
 * scheduler attached yet (the checks use the tick and interrupt-exit hooks
 * themselves and leave none set). Frees what it allocates, masks the lines
 * it unmasked. Returns 0 when all passed, else -SV_EIO.
 */
SV_MUST_CHECK int arch_selftest(void);

/*
 * fault=stack: start a kernel thread that recurses into the guard page
 * below its stack. The #PF handler reports "kernel stack overflow" and
 * stops the run, so this does not return.
 */
SV_NORETURN void arch_stack_overflow(void);

#endif /* SV_BM_ARCH_SELFTEST_H */
