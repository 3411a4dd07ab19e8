/*
 * sv_panic_at (sv/panic.h): the end of the line for a broken invariant.
 *
 * The message is formatted on the stack, since the allocator or the state
 * it guards may be what broke, and goes to the host console in a single
 * write, so other output is less likely to cut into it. Then the host stops
 * with the status abort() would give.
 */
#include "sv/panic.h"

#include <stdarg.h>

#include "sv/format.h"
#include "sv/host.h"

#define PANIC_STATUS 134	/* 128 + SIGABRT, as after abort() */

SV_NORETURN void sv_panic_at(const char *func, const char *file, int line,
			     const char *fmt, ...)
{
	char msg[256], out[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		sv_snprintf(msg, sizeof(msg), "(bad panic format \"%s\")", fmt);

	n = sv_snprintf(out, sizeof(out), "panic: %s: %s (%s:%d)\n", func, msg,
			file, line);
	/* Cut short, the line still ends in a newline. */
	if (n < 0 || (size_t)n >= sizeof(out)) {
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	host_console_write(out, (size_t)n);
	host_halt(PANIC_STATUS);
}
