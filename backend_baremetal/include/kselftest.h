/*
 * The kernel's services checked on the real machine (the `selftest` kernel
 * command line): the memory allocators (mm_selftest.c); tasks talking over
 * IPC ports, and the kernel log service, a task of its own that the rest of
 * the kernel reaches only through IPC (kselftest.c).
 */
#ifndef SV_BM_KSELFTEST_H
#define SV_BM_KSELFTEST_H

/* Run the checks, one line each on COM1; 0 when all passed. Needs the
 * tick (timer.h) and interrupts enabled; attaches its own scheduler. */
int kernel_selftest(void);

/* The buddy and small-block allocators on the machine's own memory, one
 * line per check; 0 when all passed. Frees everything it allocates. */
int mm_selftest(void);

#endif
