/*
 * Compiler helpers shared by every folder: attributes, static assertions,
 * array sizes and container_of. Freestanding; no host headers.
 */
#ifndef SV_COMPILER_H
#define SV_COMPILER_H

#include <stddef.h>

#define SV_MUST_CHECK   __attribute__((warn_unused_result))
#define SV_NORETURN     __attribute__((noreturn))
#define SV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SV_PACKED       __attribute__((packed))
#define SV_ALIGNED(n)   __attribute__((aligned(n)))
#define SV_UNUSED       __attribute__((unused))
#define SV_LIKELY(x)    __builtin_expect(!!(x), 1)
#define SV_UNLIKELY(x)  __builtin_expect(!!(x), 0)

#define SV_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

/* Number of elements of a true array; refuses pointers at compile time. */
#define SV_ARRAY_SIZE(a) \
	(sizeof(a) / sizeof((a)[0]) + \
	 0 * sizeof(struct { _Static_assert(!__builtin_types_compatible_p( \
		 __typeof__(a), __typeof__(&(a)[0])), "not an array"); int x; }))

/* The structure that embeds *ptr as its member named member. */
#define sv_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define SV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SV_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Round x up/down to a power-of-two alignment a. */
#define SV_ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define SV_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

#define SV_BIT(n)    (1u << (n))
#define SV_BIT64(n)  (1ull << (n))

#endif /* SV_COMPILER_H */
