/*
 * A snprintf-compatible formatter for the freestanding core.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, with the length modifiers
 * hh h l ll z t j, the flags '-' '0' '+' ' ' '#', a field width and a
 * precision (both also as '*'). Behaviour matches C99 snprintf for these, and
 * the unit tests check it against glibc case by case. Floating point is not
 * supported (the kernel is built without SSE); an unknown conversion, %n
 * included, and a '%' that ends the format are copied through literally.
 *
 * Returns the length the full output would have had, excluding the NUL;
 * the buffer holds at most size-1 characters and is NUL-terminated when
 * size > 0 (buf may be NULL when size is 0). Like glibc, returns -1 instead
 * when that length would pass INT_MAX or a width or precision does not fit
 * an int; the buffer then holds the output up to that point.
 */
#ifndef SV_FORMAT_H
#define SV_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#include "sv/compiler.h"

int sv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	SV_PRINTF(3, 0);
int sv_snprintf(char *buf, size_t size, const char *fmt, ...) SV_PRINTF(3, 4);

/*
 * Format straight to a byte sink in chunks (never empty ones), without a
 * length limit; returns the number of bytes produced, or -1 as above. Used
 * by the console and log printers.
 */
typedef void (*sv_sink_fn)(void *ctx, const char *buf, size_t len);
int sv_vformat(sv_sink_fn sink, void *ctx, const char *fmt, va_list ap)
	SV_PRINTF(3, 0);
int sv_format(sv_sink_fn sink, void *ctx, const char *fmt, ...)
	SV_PRINTF(3, 4);

/* Format to host_console_write (sv/host.h). */
int sv_printf(const char *fmt, ...) SV_PRINTF(1, 2);

#endif /* SV_FORMAT_H */
