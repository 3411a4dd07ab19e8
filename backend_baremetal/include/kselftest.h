/*
 * The kernel's services checked on the real machine (the `selftest` kernel
 * command line): tasks talking over IPC ports, and the kernel log service,
 * a task of its own that the rest of the kernel reaches only through IPC.
 */
#ifndef SV_BM_KSELFTEST_H
#define SV_BM_KSELFTEST_H

/* Run the checks, one line each on COM1; 0 when all passed. Needs the
 * tick (timer.h) and interrupts enabled; attaches its own scheduler. */
int kernel_selftest(void);

#endif
