/*
 * Host services on the bare-metal kernel (sv/host.h).
 *
 * Console: COM1. Time: the calibrated TSC (timer.c). Pages: a bump allocator over the
 * largest usable memory region above the kernel image, set up from the
 * multiboot2 map by host_memory_init(); freed pages are not reused until
 * the buddy allocator of the kernel issue takes its place.
 */
#include "sv/host.h"

#include "host_baremetal.h"
#include "kernel.h"
#include "serial.h"
#include "sv/string.h"
#include "timer.h"
#include "tsc.h"
#include "x86.h"

#define IDENTITY_LIMIT  (4ull << 30)	/* boot page tables map 0-4 GiB */

static uint64_t pool_next, pool_end;	/* physical */

void host_memory_init(const struct mb2_info *mi, uint64_t reserved_end)
{
	for (unsigned i = 0; i < mi->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &mi->mmap[i];
		uint64_t start = e->base, end = e->base + e->length;

		if (e->type != MB2_MEM_AVAILABLE || end <= reserved_end)
			continue;
		if (start < reserved_end)
			start = reserved_end;
		if (end > IDENTITY_LIMIT)
			end = IDENTITY_LIMIT;
		start = (start + SV_PAGE_SIZE - 1) & ~(SV_PAGE_SIZE - 1);
		if (end > start && end - start > pool_end - pool_next) {
			pool_next = start;
			pool_end = end & ~(SV_PAGE_SIZE - 1);
		}
	}
}

uint64_t host_memory_free_bytes(void)
{
	return pool_end - pool_next;
}

void *host_pages_alloc(size_t npages, hpa_t *pa)
{
	unsigned long flags = host_irq_save();
	uint64_t bytes = (uint64_t)npages * SV_PAGE_SIZE;
	void *va = NULL;

	if (npages && bytes / SV_PAGE_SIZE == npages &&
	    bytes <= pool_end - pool_next) {
		if (pa)
			*pa = hpa(pool_next);
		va = (void *)(uintptr_t)pool_next;	/* identity-mapped */
		pool_next += bytes;
		sv_memset(va, 0, bytes);
	}
	host_irq_restore(flags);
	return va;
}

void host_pages_free(void *va, size_t npages)
{
	(void)va;
	(void)npages;
}

uint64_t host_time_ns(void)
{
	return timer_now_ns();
}

/*
 * Wall clock: not read from the CMOS RTC yet (the kernel issue brings the
 * RTC driver); until then time starts at the epoch at boot.
 */
uint64_t host_realtime_ns(void)
{
	return tsc_ns();
}

/*
 * Nothing to arm: the periodic tick (timer.h, TIMER_HZ) interrupts
 * whatever runs, a guest included (an external-interrupt exit), at least
 * every TIMER_PERIOD_NS, so a deadline is met at most one tick late. A
 * one-shot deadline on the local APIC timer (or the VMX preemption timer)
 * would make that exact; the tick is enough for the devices' timers.
 */
void host_timer_arm(uint64_t deadline)
{
	(void)deadline;
}

/* The tick (or any interrupt) ends each hlt: a wait is at most a tick long. */
void host_wait_until(uint64_t deadline)
{
	while (timer_now_ns() < deadline)
		host_idle();
}

void host_console_write(const char *buf, size_t len)
{
	serial_write(COM1_PORT, buf, len);
}

unsigned long host_irq_save(void)
{
	unsigned long flags = read_rflags();

	cli();
	return flags;
}

void host_irq_restore(unsigned long flags)
{
	if (flags & RFLAGS_IF)
		sti();
}

void host_idle(void)
{
	if (read_rflags() & RFLAGS_IF)
		hlt();
	else
		cpu_relax();
}

void host_halt(int status)
{
	kernel_stop(status == 0);
}
