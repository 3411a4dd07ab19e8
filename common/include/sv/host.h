/*
 * Host services: the first platform seam (DESIGN.md section 3).
 *
 * Plain functions chosen at link time, one implementation per host:
 * backend_kvm_sim/host_posix.c on Linux, backend_baremetal/host_baremetal.c
 * on the bare-metal kernel. Every value the core reads from its host that can
 * differ between runs (time, interrupt arrival) comes through here so the
 * recorder can log it.
 */
#ifndef SV_HOST_H
#define SV_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/types.h"

/*
 * Allocate npages contiguous zeroed pages; *pa receives their host-physical
 * address (on Linux, where there is none, the virtual address stands in).
 * Returns the kernel-virtual address, or NULL when memory is short.
 */
void *host_pages_alloc(size_t npages, hpa_t *pa);
/* Free pages from host_pages_alloc; npages must match the allocation. */
void host_pages_free(void *va, size_t npages);

/* Monotonic time in nanoseconds since an arbitrary start. */
uint64_t host_time_ns(void);

/* Wall-clock time: nanoseconds since 1970-01-01 00:00 UTC. */
uint64_t host_realtime_ns(void);

/*
 * Make the guest running on this thread exit (as an external interrupt) at
 * or soon after the host_time_ns() value deadline; UINT64_MAX disarms. Only
 * the latest call counts. This is how a device timer reaches a guest that
 * spins without exits.
 */
void host_timer_arm(uint64_t deadline);

/* Write len bytes to the host's console/log sink. Never fails. */
void host_console_write(const char *buf, size_t len);

/* Disable interrupts (or take the host lock); returns the state to restore. */
unsigned long host_irq_save(void);
void host_irq_restore(unsigned long flags);

/* Nothing to do: wait for an interrupt, or yield the processor. */
void host_idle(void);

/*
 * Sleep until the host_time_ns() value deadline, or earlier when an event
 * for this thread arrives (a guest in HLT waiting for its next timer tick).
 */
void host_wait_until(uint64_t deadline);

/*
 * Stop for good: the process exits (Linux) or the machine halts (bare
 * metal). Used by sv_panic after the message is out.
 */
SV_NORETURN void host_halt(int status);

#endif /* SV_HOST_H */
