/*
 * Freestanding memory and string functions (sv/string.h).
 *
 * The core never calls libc, and on bare metal these are also what memcpy,
 * memset, memmove and memcmp resolve to, so they must not themselves turn
 * into calls to those names: gcc rewrites copy and fill loops into memcpy and
 * memset calls (-ftree-loop-distribute-patterns) unless -ffreestanding, which
 * the kernel build passes, turns that off (gcc 10 and later). `nm -u` on the
 * freestanding object must list nothing.
 *
 * The copies and the fill move a word at a time once both pointers share an
 * alignment; everything else is plain byte loops.
 */
#include "sv/string.h"

#include <stdbool.h>
#include <stdint.h>

/* A word that may alias any object, for the word-at-a-time loops. */
typedef unsigned long __attribute__((may_alias)) word_t;
#define WORD_SIZE sizeof(word_t)

static inline bool same_alignment(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & (WORD_SIZE - 1)) == 0;
}

static inline bool word_aligned(const void *p)
{
	return ((uintptr_t)p & (WORD_SIZE - 1)) == 0;
}

/* Copy upwards: correct for overlap when dst is below src. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= WORD_SIZE && same_alignment(d, s)) {
		for (; n > 0 && !word_aligned(d); n--)
			*d++ = *s++;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(word_t *)d = *(const word_t *)s;
			d += WORD_SIZE;
			s += WORD_SIZE;
		}
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

/* Copy downwards from the ends: correct for overlap when dst is above src. */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if (n >= WORD_SIZE && same_alignment(d, s)) {
		for (; n > 0 && !word_aligned(d); n--)
			*--d = *--s;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	for (; n > 0; n--)
		*--d = *--s;
}

void *sv_memcpy(void *dst, const void *src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *sv_memmove(void *dst, const void *src, size_t n)
{
	/* Compare as integers: the pointers may be into different objects. */
	if ((uintptr_t)dst <= (uintptr_t)src ||
	    (uintptr_t)dst >= (uintptr_t)src + n)
		copy_forward(dst, src, n);
	else
		copy_backward(dst, src, n);
	return dst;
}

void *sv_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;

	if (n >= WORD_SIZE) {
		/* b in every byte of a word: 0x0101...01 * b. */
		word_t w = ((word_t)-1 / 0xff) * b;

		for (; n > 0 && !word_aligned(d); n--)
			*d++ = b;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(word_t *)d = w;
			d += WORD_SIZE;
		}
	}
	for (; n > 0; n--)
		*d++ = b;
	return dst;
}

int sv_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t sv_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t sv_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int sv_strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

int sv_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q || !*p)
			return *p - *q;
	return 0;
}

char *sv_strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *sv_strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t sv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = sv_strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		copy_forward((unsigned char *)dst, (const unsigned char *)src, n);
		dst[n] = '\0';
	}
	return len;
}
