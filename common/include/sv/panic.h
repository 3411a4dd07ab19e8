/*
 * Panic and assertions: the tier for a broken invariant of the monitor
 * itself (STYLE.md "Errors"). A misbehaving guest never reaches here; its
 * VM is stopped instead. Messages read "function: reason".
 */
#ifndef SV_PANIC_H
#define SV_PANIC_H

#include "sv/compiler.h"

SV_NORETURN void sv_panic_at(const char *func, const char *file, int line,
			     const char *fmt, ...) SV_PRINTF(4, 5);

#define sv_panic(...) sv_panic_at(__func__, __FILE__, __LINE__, __VA_ARGS__)

#define SV_ASSERT(cond) \
	do { \
		if (SV_UNLIKELY(!(cond))) \
			sv_panic("assertion failed: %s", #cond); \
	} while (0)

#endif /* SV_PANIC_H */
