/*
 * Host services on the bare-metal kernel (sv/host.h).
 *
 * Console: COM1. Time: the calibrated TSC (timer.c). Pages: the kernel's
 * buddy allocator (kmem_kernel.h), zeroed, at VA == PA in the direct map.
 */
#include "sv/host.h"
#include "host_baremetal.h"

#include "arch_sched.h"
#include "kernel.h"
#include "kmem_kernel.h"
#include "serial.h"
#include "sv/sched.h"
#include "sv/string.h"
#include "sv/task.h"
#include "timer.h"
#include "tsc.h"
#include "x86.h"

void *host_pages_alloc(size_t npages, hpa_t *pa)
{
	void *va = kmem_kernel_alloc_pages(npages, pa);

	/* VA == PA: page tables and stacks rely on it (paging.h). */
	if (va)
		sv_memset(va, 0, (uint64_t)npages * SV_PAGE_SIZE);
	return va;
}

/* A refused free is reported and counted by kmem_kernel_free_pages. */
void host_pages_free(void *va, size_t npages)
{
	(void)kmem_kernel_free_pages(va, npages);
}

uint64_t host_time_ns(void)
{
	return timer_now_ns();
}

/* The wall clock at TSC time 0 (host_set_realtime); 0: the epoch. */
static uint64_t realtime_base_ns;

void host_set_realtime(uint64_t now_ns)
{
	realtime_base_ns = now_ns - tsc_ns();
}

/* Wall clock: the CMOS clock read at boot, carried on by the TSC. */
uint64_t host_realtime_ns(void)
{
	return realtime_base_ns + tsc_ns();
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

/*
 * A task (a halted guest's vCPU) sleeps, so the processor goes to the
 * others; outside tasks the tick (or any interrupt) ends each hlt.
 */
void host_wait_until(uint64_t deadline)
{
	struct sv_sched *s = arch_sched_attached();
	uint64_t now = timer_now_ns();

	if (s && s->current && now < deadline) {
		(void)task_sleep(s, deadline - now);
		return;
	}
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
