/*
 * The memory functions gcc may call on its own even in freestanding code
 * (struct copies, zeroing): they forward to common/string.c.
 */
#include <stddef.h>

#include "sv/string.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	return sv_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return sv_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return sv_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return sv_memcmp(a, b, n);
}
