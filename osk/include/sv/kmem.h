/*
 * Kernel memory: one allocation API over the buddy page allocator
 * (sv/buddy.h) and a small-block allocator of size classes over slabs.
 *
 *   kmem_alloc(km, size)         objects of any size; kmem_free(km, ptr)
 *   kmem_alloc_pages(km, n, &pa) physically contiguous runs (guest RAM);
 *                                kmem_free_pages(km, va, n)
 *
 * Sizes up to KMEM_MAX_SMALL come from the class of the next power of two
 * (8, 16, ..., 2048 bytes), each class cutting slabs of 1 to 4 pages into
 * objects aligned to their size; larger sizes get a run of whole pages
 * straight from the buddy allocator (exact page count, page-aligned).
 * kmem_free() finds out which from the buddy allocator's owner tag on the
 * page holding ptr, so it needs no size and no header before the object.
 *
 * The state is a struct sv_kmem the caller owns (the kernel keeps one as
 * its global; the tests make as many as they like) over a struct sv_buddy
 * set up beforehand. Memory is reached through a linear mapping: the byte
 * at physical address pa is at virtual address pa + virt_offset (the
 * bare-metal kernel identity-maps, offset 0; the tests place the zone in a
 * malloc'd or mmap'd arena).
 *
 * Slabs: a slab starts with its header (class, counts, a bitmap of the
 * objects in use) and a free list runs through its free objects. Slabs
 * with free objects sit on their class's partial list (full ones on no
 * list: the buddy allocator's table knows them); when the last
 * object of a slab is freed, the class keeps it as its one cached empty
 * slab (so an alloc/free pair does not go to the buddy allocator each
 * time) or gives it back to the buddy allocator when it already has one.
 * kmem_shrink() gives the cached ones back too, and so does an allocation
 * the buddy allocator could not otherwise serve.
 *
 * Frees are checked before anything changes. A bad one returns an error,
 * counts in bad_frees and leaves a message in the stats, and changes
 * nothing else:
 *   -SV_EFAULT  not memory of this allocator (outside the zone, reserved)
 *   -SV_EINVAL  not the start of an object: an interior pointer, a pointer
 *               into a slab's header or slack, inside a page run
 *   -SV_ENOENT  not allocated: a double free, or a free object or page
 *   -SV_ERANGE  kmem_free_pages() with another page count than allocated
 *   -SV_EPERM   kmem_free() of a kmem_alloc_pages() run or the reverse
 *
 * Not thread-safe: callers serialize (the kernel with host_irq_save).
 * Nothing here sleeps; no call takes longer than O(BUDDY_MAX_ORDER) plus,
 * when a new slab is cut, one pass over its page(s).
 */
#ifndef SV_KMEM_H
#define SV_KMEM_H

#include <stddef.h>
#include <stdint.h>

#include "sv/buddy.h"
#include "sv/compiler.h"
#include "sv/list.h"
#include "sv/types.h"

#define KMEM_MIN_SMALL		8
#define KMEM_MAX_SMALL		2048
#define KMEM_NR_CLASSES		9	/* 8, 16, 32, ..., 2048 */
#define KMEM_ERRMSG_LEN		112

struct kmem_class {
	uint32_t size;			/* object size, a power of two */
	uint16_t nobj;			/* objects per slab */
	uint16_t first;			/* offset of object 0 in the slab */
	uint8_t shift;			/* log2(size) */
	uint8_t order;			/* a slab is 2^order pages */
	struct sv_list_node partial;	/* slabs with a free object (full
					 * ones are on no list) */
	void *empty;			/* the cached empty slab, or NULL */
	uint64_t objects;		/* objects in use */
	uint64_t slabs;			/* slabs held, the empty one included */
	uint64_t allocs, frees;
};

struct sv_kmem {
	struct sv_buddy *pages;
	uintptr_t virt_offset;		/* va = pa + virt_offset */
	struct kmem_class cls[KMEM_NR_CLASSES];
	uint64_t large_blocks, large_pages;	/* kmem_alloc above the classes */
	uint64_t page_runs, page_pages;		/* kmem_alloc_pages */
	uint64_t failed_allocs, bad_frees;
	int last_error;
	char last_error_msg[KMEM_ERRMSG_LEN];
};

struct kmem_class_stats {
	uint32_t size;			/* object size */
	uint32_t slab_pages;		/* pages per slab */
	uint32_t per_slab;		/* objects per slab */
	uint64_t objects;		/* in use */
	uint64_t slabs;			/* held, cached empty one included */
	uint64_t allocs, frees;
};

struct kmem_stats {
	struct buddy_stats pages;	/* the page allocator underneath */
	struct kmem_class_stats cls[KMEM_NR_CLASSES];
	uint64_t small_bytes;		/* sum of class sizes of live objects */
	uint64_t slab_bytes;		/* bytes of slabs held */
	uint64_t large_blocks, large_pages;
	uint64_t page_runs, page_pages;
	uint64_t failed_allocs;		/* allocations that returned NULL */
	uint64_t bad_frees;		/* frees refused */
	int last_error;			/* of the last refused free, or 0 */
	const char *last_error_msg;	/* "" when none; lives in the sv_kmem */
};

/*
 * Set up km over the buddy allocator pages (already holding its memory),
 * whose frames are mapped at pa + virt_offset. virt_offset must be
 * page-aligned and no frame of the zone may map to the NULL pointer
 * (-SV_EINVAL otherwise).
 */
int kmem_init(struct sv_kmem *km, struct sv_buddy *pages,
	      uintptr_t virt_offset) SV_MUST_CHECK;

/*
 * size bytes, aligned to the size's class (at least 8, at most a page),
 * or NULL when memory is short or size is 0. Contents undefined;
 * kmem_zalloc() zeroes them.
 */
void *kmem_alloc(struct sv_kmem *km, size_t size);
void *kmem_zalloc(struct sv_kmem *km, size_t size);

/* Free an object from kmem_alloc(); NULL is accepted and does nothing. */
int kmem_free(struct sv_kmem *km, void *ptr);

/*
 * npages physically contiguous pages, not zeroed, aligned to the power of
 * two at or above npages; *pa (may be NULL) receives their physical
 * address. NULL when npages is 0 or above BUDDY_MAX_PAGES or memory is
 * short. Freed with kmem_free_pages(km, va, npages), the same npages.
 */
void *kmem_alloc_pages(struct sv_kmem *km, size_t npages, hpa_t *pa);
int kmem_free_pages(struct sv_kmem *km, void *va, size_t npages);

/* Give every class's cached empty slab back to the buddy allocator. */
void kmem_shrink(struct sv_kmem *km);

/* The linear mapping (no check that the address is in the zone). */
hpa_t kmem_virt_to_phys(const struct sv_kmem *km, const void *va);
void *kmem_phys_to_virt(const struct sv_kmem *km, hpa_t pa);

void kmem_stats(const struct sv_kmem *km, struct kmem_stats *st);

/*
 * Check every slab (header, bitmap against free list and counts, and that
 * the buddy allocator holds it as a slab) and then the buddy allocator
 * (buddy_check). 0, or -SV_ECORRUPT with the first problem in why. For
 * tests and the kernel self-test.
 */
int kmem_check(const struct sv_kmem *km, char *why, size_t why_len) SV_MUST_CHECK;

#endif /* SV_KMEM_H */
