/*
 * Host services on Linux (sv/host.h). Pages come from mmap; there is no
 * host-physical address in a process, so the virtual address stands in for
 * it. Time is CLOCK_MONOTONIC. The console is standard output.
 */
#include "sv/host.h"

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "host_posix.h"

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

uint64_t host_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One POSIX timer per thread, created on first use, delivers
 * SV_KICK_SIGNAL to the thread that armed it. The KVM backend keeps the
 * signal blocked except inside KVM_RUN, so it interrupts only the guest.
 */
static __thread timer_t kick_timer;
static __thread bool kick_timer_made;
static __thread uint64_t kick_armed = UINT64_MAX;	/* deadline set now */

/* The kick only has to interrupt a system call; nothing to do here. */
static void kick_handler(int sig)
{
	(void)sig;
}

void host_timer_arm(uint64_t deadline)
{
	struct itimerspec its = { 0 };

	if (deadline == kick_armed)
		return;		/* one syscall per change, not per exit */
	if (!kick_timer_made) {
		struct sigevent sev = { 0 };

		struct sigaction sa = { .sa_handler = kick_handler };

		if (deadline == UINT64_MAX)
			return;
		sigemptyset(&sa.sa_mask);	/* no SA_RESTART: KVM_RUN returns */
		sigaction(SV_KICK_SIGNAL, &sa, NULL);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = SV_KICK_SIGNAL;
		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		if (timer_create(CLOCK_MONOTONIC, &sev, &kick_timer) != 0)
			return;	/* no kicks: guests that spin see late ticks */
		kick_timer_made = true;
	}
	if (deadline != UINT64_MAX) {
		if (deadline == 0)
			deadline = 1;	/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(deadline / 1000000000ull);
		its.it_value.tv_nsec = (long)(deadline % 1000000000ull);
	}
	if (timer_settime(kick_timer, TIMER_ABSTIME, &its, NULL) == 0)
		kick_armed = deadline;
}

void host_timer_kicked(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	/* the timer is spent; take its signal off the pending set */
	kick_armed = UINT64_MAX;
	sigemptyset(&set);
	sigaddset(&set, SV_KICK_SIGNAL);
	while (sigtimedwait(&set, NULL, &zero) == SV_KICK_SIGNAL)
		;
}

void host_wait_until(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000ull),
		.tv_nsec = (long)(deadline % 1000000000ull),
	};

	/* an interrupted sleep is fine: the caller re-checks the time */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
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
