/*
 * Freestanding string and memory functions. The core calls these, never
 * libc; the bare-metal kernel also exports memcpy/memset/memmove/memcmp
 * over them because gcc may emit calls to those names.
 */
#ifndef SV_STRING_H
#define SV_STRING_H

#include <stddef.h>

void *sv_memcpy(void *dst, const void *src, size_t n);
void *sv_memmove(void *dst, const void *src, size_t n);
void *sv_memset(void *dst, int c, size_t n);
int sv_memcmp(const void *a, const void *b, size_t n);
size_t sv_strlen(const char *s);
size_t sv_strnlen(const char *s, size_t max);
int sv_strcmp(const char *a, const char *b);
int sv_strncmp(const char *a, const char *b, size_t n);
char *sv_strchr(const char *s, int c);
char *sv_strrchr(const char *s, int c);
/*
 * Copy src into dst of size bytes, always NUL-terminated when size > 0;
 * returns strlen(src), so a result >= size means truncation (BSD strlcpy).
 */
size_t sv_strlcpy(char *dst, const char *src, size_t size);

#endif /* SV_STRING_H */
