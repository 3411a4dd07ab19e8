/*
 * Kernel stacks with guard pages. Each stack sits at the top of its own
 * KSTACK_SLOT_SIZE slot of virtual space in the KSTACK_AREA; the rest of
 * the slot below it stays unmapped, so running off the bottom of a stack
 * page-faults (the #PF handler runs on its own IST stack and names the
 * stack) instead of silently overwriting whatever lies below.
 */
#ifndef SV_BM_KSTACK_H
#define SV_BM_KSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define KSTACK_AREA      0xffffff0000000000ull	/* PML4 slot 510 */
#define KSTACK_SLOT_SIZE (64u << 10)		/* virtual space per stack */
#define KSTACK_SLOTS     4096u			/* stacks alive at once */
#define KSTACK_SIZE      (16u << 10)		/* the usual kernel stack */
#define KSTACK_MIN_GUARD (16u << 10)		/* unmapped below the largest */
#define KSTACK_MAX_SIZE  (KSTACK_SLOT_SIZE - KSTACK_MIN_GUARD)

/* A stack's place; slot is KSTACK_SLOT_BOOT for the boot stack. */
struct kstack {
	uint64_t bottom;	/* lowest byte; the guard is just below */
	uint64_t top;		/* one past the highest byte: the initial RSP */
	uint64_t pa;		/* physical memory behind it (contiguous) */
	unsigned slot;
};
#define KSTACK_SLOT_BOOT UINT32_MAX

/*
 * Allocate a stack of size bytes (a page multiple up to KSTACK_MAX_SIZE).
 * -SV_EINVAL for a bad size, -SV_ENOMEM without memory, -SV_ENOSPC when
 * all slots are taken. The stack is not zeroed beyond what the page
 * allocator does.
 */
SV_MUST_CHECK int kstack_alloc(size_t size, struct kstack *ks);

/* Unmap and free a stack from kstack_alloc; nothing may run on it. */
void kstack_free(struct kstack *ks);

/*
 * True when va lies in the guard below a live kernel stack or the boot
 * stack (what an overflow touches); *ks then describes that stack.
 */
bool kstack_guard_hit(uint64_t va, struct kstack *ks);

/* Stacks allocated now. */
unsigned kstack_count(void);

#endif /* SV_BM_KSTACK_H */
