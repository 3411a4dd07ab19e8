/*
 * The host functions (sv/host.h) that vmm/ and common/ refer to, for the
 * fuzz targets that link all of vmm/ (fuzz_emulate.c, fuzz_walk.c): the
 * code they fuzz never calls them, except the console sink, which a
 * message would go to. Anything else reaching the host is a bug in the
 * target's set-up and stops the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sv/host.h"

void host_console_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stderr);
}

static void unexpected(const char *what)
{
	fprintf(stderr, "fuzz: %s called; nothing fuzzed here should\n", what);
	abort();
}

uint64_t host_time_ns(void)
{
	unexpected("host_time_ns");
	return 0;
}

void host_timer_arm(uint64_t deadline)
{
	(void)deadline;
	unexpected("host_timer_arm");
}

void host_wait_until(uint64_t deadline)
{
	(void)deadline;
	unexpected("host_wait_until");
}

void host_halt(int status)
{
	fprintf(stderr, "fuzz: host_halt(%d) (a panic?)\n", status);
	abort();
}
