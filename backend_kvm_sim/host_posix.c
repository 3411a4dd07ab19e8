/*
 * Host services on Linux (sv/host.h). Pages come from mmap; there is no
 * host-physical address in a process, so the virtual address stands in for
 * it. Time is CLOCK_MONOTONIC. The console is standard output.
 */
#include "sv/host.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void *host_pages_alloc(size_t npages, hpa_t *pa)
{
	void *va;

	if (npages == 0 || npages > SIZE_MAX / SV_PAGE_SIZE)
		return NULL;
	va = mmap(NULL, npages * SV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED)
		return NULL;
	if (pa)
		*pa = hpa((uint64_t)(uintptr_t)va);
	return va;
}

void host_pages_free(void *va, size_t npages)
{
	if (va)
		munmap(va, npages * SV_PAGE_SIZE);
}

uint64_t host_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void host_console_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n <= 0)
			return;	/* a closed stdout must not stop the monitor */
		buf += n;
		len -= (size_t)n;
	}
}

/* One thread drives each VM on Linux, so there is nothing to mask. */
unsigned long host_irq_save(void)
{
	return 0;
}

void host_irq_restore(unsigned long flags)
{
	(void)flags;
}

void host_idle(void)
{
	sched_yield();
}

void host_halt(int status)
{
	fflush(stdout);
	_exit(status);
}
