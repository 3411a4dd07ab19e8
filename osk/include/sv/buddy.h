/*
 * The buddy page-frame allocator: physical memory in blocks of 2^order
 * pages (4 KiB up to BUDDY_MAX_ORDER, 4 GiB), each block aligned in
 * physical memory to its own size, so a block of 512 pages can back a
 * 2 MiB large page. It serves single pages, the slabs of the small-block
 * allocator (sv/kmem.h) and physically contiguous runs of many pages (a
 * guest's RAM).
 *
 * The allocator works on host-physical addresses only and never touches
 * the memory it manages: all its state is a table of one struct
 * buddy_frame per frame of the zone and a bitmap of free blocks per order,
 * in storage the caller provides (buddy_meta_size(nframes) bytes, some
 * 8.3 bytes a frame), plus the struct sv_buddy itself. On bare metal the
 * storage is carved from the memory map (buddy_init_from_map); in the unit
 * tests it is malloc'd. Turning addresses into pointers is the caller's
 * business (kmem does it with a linear offset).
 *
 * Placement is address-ordered best fit: an allocation takes the free block
 * of the smallest order that fits, and of those the one at the lowest
 * address (each order's bitmap has 64-ary summary levels above it, so that
 * is a few word operations). Allocations stay packed at the bottom of the
 * zone and the top stays in large blocks; with LIFO free lists instead, a
 * mixed workload left its largest free block at under 1 % of the free
 * memory, against some 20 % (the fragmentation figures in
 * docs/benchmarks.md).
 *
 * Memory enters the zone with buddy_add_range() or buddy_add_map() and can
 * be taken out again with buddy_reserve_range(); frames never added are
 * "absent" and never handed out.
 *
 * Runs of any number of pages: buddy_alloc_pages(n) takes a block of the
 * next power of two and gives the tail beyond n back at once (exact size
 * with trimming), so a 3-page run costs 3 pages, not 4. The run starts at
 * the alignment of that power of two. It must be freed whole, with the same
 * n; the allocator remembers n and refuses any other.
 *
 * Every free is checked before anything changes (decode, then act). A bad
 * one returns an error, increments the bad_frees counter and leaves a
 * message in last_error_msg; the allocator's state is untouched:
 *   -SV_EINVAL  address not page-aligned, or inside an allocation rather
 *               than at its start (an interior pointer)
 *   -SV_EFAULT  outside the zone, or a frame never added / reserved
 *   -SV_ENOENT  not allocated: a double free, or a free frame
 *   -SV_ERANGE  wrong size: npages (or order) differs from the allocation's
 *   -SV_EPERM   the allocation belongs to another owner (see below)
 *
 * Owners: each allocation carries a small owner tag, BUDDY_OWNER_NONE for
 * the plain functions. kmem tags its slabs, its large objects and its page
 * runs differently, so kmem_free() of a page run or kmem_free_pages() of
 * a slab is refused instead of corrupting the other allocator.
 *
 * Not thread-safe: callers serialize (the kernel with host_irq_save). No
 * function allocates or sleeps; allocation and free are O(BUDDY_MAX_ORDER)
 * word operations.
 */
#ifndef SV_BUDDY_H
#define SV_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "sv/types.h"

#define BUDDY_MAX_ORDER	20			/* 2^20 pages: 4 GiB */
#define BUDDY_NR_ORDERS	(BUDDY_MAX_ORDER + 1)
#define BUDDY_MAX_PAGES	(1ull << BUDDY_MAX_ORDER)	/* largest run */
#define BUDDY_MAX_FRAMES 0xfffffff0ull		/* frame indices are u32 */
#define BUDDY_ERRMSG_LEN 112

/* Owner tags (any value up to 255 may be used). */
enum buddy_owner {
	BUDDY_OWNER_NONE = 0,	/* buddy_alloc, buddy_alloc_pages */
	BUDDY_OWNER_SLAB = 1,	/* a slab of the small-block allocator */
	BUDDY_OWNER_LARGE = 2,	/* a kmem_alloc() object above the classes */
	BUDDY_OWNER_PAGES = 3,	/* kmem_alloc_pages() */
};

/*
 * One per frame. Only the first frame of a block (its head) says what the
 * block is; the other frames of a block are BUDDY_FRAME_INNER. The fields
 * are the allocator's own; they are public so that callers can size and
 * place the table, and for buddy_frame_at()'s fast path.
 */
enum buddy_frame_state {
	BUDDY_FRAME_ABSENT = 0,	/* not managed: never added, or reserved */
	BUDDY_FRAME_INNER,	/* inside a block, not its head */
	BUDDY_FRAME_FREE,	/* head of a free block, its bit set */
	BUDDY_FRAME_ALLOC,	/* head of a run's first block */
	BUDDY_FRAME_ALLOC_CONT,	/* head of a run's later block */
};

struct buddy_frame {
	uint32_t next;	/* ALLOC: run length in pages; ALLOC_CONT: index of
			 * the run's first frame */
	uint8_t state;	/* enum buddy_frame_state */
	uint8_t order;	/* head of a block: log2 of its size in pages */
	uint8_t owner;	/* ALLOC, ALLOC_CONT: enum buddy_owner */
	uint8_t spare;
};

/* Summary levels of a free-block bitmap: 64^6 bits cover 2^32 frames. */
#define BUDDY_BM_LEVELS 6

/*
 * The free blocks of one order: bit j of level[0] is set when block j
 * (frames from ((base_pfn >> order) + j) << order) is free; bit i of
 * level[l + 1] is set when word i of level[l] is not zero. The top level
 * is one word.
 */
struct buddy_freemap {
	uint64_t *level[BUDDY_BM_LEVELS];
	uint64_t nblocks;		/* bits in level[0] */
	unsigned nlevels;
};

struct sv_buddy {
	uint64_t base_pfn;		/* first frame of the zone */
	uint64_t nframes;		/* frames in the zone, present or not */
	struct buddy_frame *frames;	/* the caller's table, nframes entries */
	struct buddy_freemap free[BUDDY_NR_ORDERS];	/* after the table */
	uint32_t nonempty;		/* bit k set: free blocks of order k */
	uint64_t free_blocks[BUDDY_NR_ORDERS];
	uint64_t managed_pages;		/* added and not reserved */
	uint64_t free_pages;
	uint64_t allocs, frees, failed_allocs, bad_frees;
	hpa_t meta_pa;			/* where the table is, when in the zone */
	uint64_t meta_len;
	int last_error;			/* last bad free: negative SV_E*, or 0 */
	char last_error_msg[BUDDY_ERRMSG_LEN];
};

struct buddy_stats {
	uint64_t managed_pages;		/* pages the allocator hands out */
	uint64_t free_pages;
	uint64_t used_pages;		/* managed - free */
	uint64_t largest_free_pages;	/* size of the largest free block */
	uint64_t free_blocks[BUDDY_NR_ORDERS];	/* free blocks per order */
	uint64_t allocs, frees, failed_allocs;
	uint64_t bad_frees;		/* frees refused */
	int last_error;			/* of the last refused free, or 0 */
	const char *last_error_msg;	/* "" when none; lives in the sv_buddy */
};

/* Bytes of storage buddy_init() needs for a zone of nframes frames. */
uint64_t buddy_meta_size(uint64_t nframes);

/*
 * Set up an empty zone over frames [base, base + nframes * 4 KiB) with its
 * table and bitmaps in meta (meta_size bytes, at least
 * buddy_meta_size(nframes), 8-byte aligned). All frames start absent. base
 * must be page-aligned and nframes at most BUDDY_MAX_FRAMES.
 */
int buddy_init(struct sv_buddy *b, hpa_t base, uint64_t nframes, void *meta,
	       size_t meta_size) SV_MUST_CHECK;

/*
 * Hand the pages of [base, base + len) to the allocator, shrunk inward to
 * whole pages. The range must lie in the zone and its pages must all be
 * absent (-SV_ERANGE, -SV_EEXIST otherwise; nothing changes then).
 */
int buddy_add_range(struct sv_buddy *b, hpa_t base, uint64_t len) SV_MUST_CHECK;

/*
 * Take the pages of [base, base + len), grown outward to whole pages, out
 * of the allocator for good: they become absent. The part outside the zone
 * and pages already absent are ignored. -SV_EBUSY, and no change, when a
 * page of the range is allocated.
 */
int buddy_reserve_range(struct sv_buddy *b, hpa_t base, uint64_t len) SV_MUST_CHECK;

/*
 * Allocate a block of 2^order pages, aligned to its size. *pa receives its
 * address. -SV_ERANGE when order > BUDDY_MAX_ORDER, -SV_ENOMEM when no
 * block is free.
 */
int buddy_alloc(struct sv_buddy *b, unsigned order, hpa_t *pa) SV_MUST_CHECK;
/* Free a block from buddy_alloc(b, order). */
int buddy_free(struct sv_buddy *b, hpa_t pa, unsigned order);

/*
 * Allocate a run of npages contiguous pages (1 to BUDDY_MAX_PAGES), exact
 * size, aligned to the power of two at or above npages. -SV_EINVAL for 0,
 * -SV_ERANGE above BUDDY_MAX_PAGES, -SV_ENOMEM when no block is big enough.
 */
int buddy_alloc_pages(struct sv_buddy *b, uint64_t npages, hpa_t *pa) SV_MUST_CHECK;
/* Free a run from buddy_alloc_pages(b, npages); npages must match. */
int buddy_free_pages(struct sv_buddy *b, hpa_t pa, uint64_t npages);

/* The same with an owner tag; the free must name the same owner. */
int buddy_alloc_owned(struct sv_buddy *b, uint64_t npages, unsigned owner,
		      hpa_t *pa) SV_MUST_CHECK;
int buddy_free_owned(struct sv_buddy *b, hpa_t pa, uint64_t npages,
		     unsigned owner);

/*
 * Which allocation holds the byte at pa? On success *head is the run's
 * first byte, *npages its length and *owner its tag (any may be NULL).
 * -SV_EFAULT when pa is outside the zone or on an absent frame, -SV_ENOENT
 * when it is on a free frame. Changes nothing; counts nothing.
 */
int buddy_find(const struct sv_buddy *b, hpa_t pa, hpa_t *head,
	       uint64_t *npages, unsigned *owner) SV_MUST_CHECK;

/* Whether pa is inside the zone (present or not). */
bool buddy_contains(const struct sv_buddy *b, hpa_t pa);

/*
 * The table entry of the frame holding pa, or NULL outside the zone. Read
 * only. For a fast path that needs no more than "is this frame the head of
 * a live run, and whose?" (state BUDDY_FRAME_ALLOC: next is the run's
 * length in pages, owner its tag); anything else goes to buddy_find().
 */
static inline const struct buddy_frame *buddy_frame_at(const struct sv_buddy *b,
							hpa_t pa)
{
	uint64_t i = (pa.v >> SV_PAGE_SHIFT) - b->base_pfn;

	return i < b->nframes ? &b->frames[i] : NULL;
}

void buddy_stats(const struct sv_buddy *b, struct buddy_stats *st);

/*
 * Walk the whole table and the free bitmaps and check every invariant
 * (block alignment, bitmaps and their summaries, counters, no two free buddies left
 * unmerged). 0, or -SV_ECORRUPT with the first problem in why. O(nframes):
 * for tests and the kernel self-test, not for the hot path.
 */
int buddy_check(const struct sv_buddy *b, char *why, size_t why_len) SV_MUST_CHECK;

/* ---- Building the zone from a firmware memory map ---------------------- */

/* An entry of the memory map (multiboot2 type 1 is usable, all else not). */
struct buddy_region {
	hpa_t base;
	uint64_t len;
	bool usable;
};

/* Memory in use before the allocator exists: kernel image, modules, boot
 * information, early page tables. */
struct buddy_range {
	hpa_t base;
	uint64_t len;
};

/*
 * The zone a memory map gives. A page is handed out only if it lies wholly
 * inside a usable region and touches no unusable region (maps overlap:
 * unusable wins), no reserved range and not the table itself; page 0 is
 * never handed out either (real-mode IVT, and a NULL pointer when memory is
 * identity-mapped). The zone spans the lowest to the highest such page.
 */
struct buddy_layout {
	hpa_t zone_base;
	uint64_t nframes;
	hpa_t meta;		/* where the table goes: usable, not reserved */
	uint64_t meta_len;	/* buddy_meta_size(nframes), in whole pages */
	uint64_t usable_pages;	/* pages the zone will manage (table excluded) */
};

/*
 * Plan a zone from map[nmap] and rsv[nrsv]. The table goes in the lowest
 * usable place big enough, where the boot page tables are most likely to
 * map it. -SV_ENOMEM when there is no usable page or no room for the
 * table, -SV_ERANGE when the zone would pass BUDDY_MAX_FRAMES frames.
 */
int buddy_plan(const struct buddy_region *map, size_t nmap,
	       const struct buddy_range *rsv, size_t nrsv,
	       struct buddy_layout *out) SV_MUST_CHECK;

/*
 * Add every page the map allows (rules of struct buddy_layout) that lies in
 * b's zone. The zone's own table is left out when b->meta_len says where it
 * is (buddy_init_from_map sets it).
 */
int buddy_add_map(struct sv_buddy *b, const struct buddy_region *map,
		  size_t nmap, const struct buddy_range *rsv,
		  size_t nrsv) SV_MUST_CHECK;

/*
 * All of it at boot: plan, place the table at virtual address
 * layout.meta + virt_offset (the kernel's mapping of physical memory),
 * buddy_init, buddy_add_map. *layout (may be NULL) receives the plan.
 */
int buddy_init_from_map(struct sv_buddy *b, const struct buddy_region *map,
			size_t nmap, const struct buddy_range *rsv, size_t nrsv,
			uintptr_t virt_offset,
			struct buddy_layout *layout) SV_MUST_CHECK;

#endif /* SV_BUDDY_H */
