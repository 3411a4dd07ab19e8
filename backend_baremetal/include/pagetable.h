/*
 * x86-64 4-level page tables as a data structure (Intel SDM vol. 3,
 * section 4.5 "4-Level Paging and 5-Level Paging"): map and unmap ranges,
 * look a translation up. No privileged instruction in here, so the unit
 * tests run this very file on Linux against fake page-table pages; the
 * kernel's address space (paging.c) is one struct pagetable on top of it.
 *
 * Page sizes: each piece of a range gets the largest page that fits its
 * virtual and physical alignment and the remaining length: 1 GiB where the
 * CPU has such pages (CPUID 0x80000001 EDX.Page1GB), then 2 MiB, then
 * 4 KiB. Unmapping part of a large page splits it into a table of smaller
 * pages with the same attributes first. Tables that become empty are freed.
 *
 * Page-table pages come from three functions the user of this file
 * provides, chosen at link time like the host services (paging.c on bare
 * metal, the unit test on Linux): pt_page_alloc, pt_page_free and
 * pt_page_virt. The TLB is not touched here either: pt_unmap() reports in
 * a struct pt_flush which linear addresses to invalidate, and the caller
 * does it (INVLPG, or a CR3 reload when there are many) before any freed
 * table page can be used again.
 *
 * Not reentrant: callers serialize (the kernel keeps interrupts off).
 */
#ifndef SV_BM_PAGETABLE_H
#define SV_BM_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

/* Paging-structure entry bits, the same at every level unless noted. */
#define PTE_P    SV_BIT64(0)	/* present */
#define PTE_W    SV_BIT64(1)	/* read/write */
#define PTE_U    SV_BIT64(2)	/* user/supervisor */
#define PTE_PWT  SV_BIT64(3)	/* page-level write-through */
#define PTE_PCD  SV_BIT64(4)	/* page-level cache disable */
#define PTE_A    SV_BIT64(5)	/* accessed */
#define PTE_D    SV_BIT64(6)	/* dirty (leaf entries) */
#define PTE_PS   SV_BIT64(7)	/* page size: a 1 GiB (PDPTE) or 2 MiB (PDE) leaf */
#define PTE_G    SV_BIT64(8)	/* global (leaf entries) */
#define PTE_NX   SV_BIT64(63)	/* execute-disable, needs IA32_EFER.NXE */
/* Physical-address field of an entry: bits 51:12 (PAT of large pages, bit
 * 12, is never set here, so one mask serves every level). */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Attributes pt_map() accepts; everything else is the table's business. */
#define PT_MAP_FLAGS (PTE_W | PTE_PWT | PTE_PCD | PTE_NX)

#define PT_ENTRIES   512
#define PT_SIZE_4K   (1ull << 12)
#define PT_SIZE_2M   (1ull << 21)
#define PT_SIZE_1G   (1ull << 30)
#define PT_MAX_LEVEL 4		/* PML4 */
/* Lowest linear address of the upper half (48-bit canonical addresses). */
#define PT_CANONICAL_HIGH 0xffff800000000000ull
#define PT_CANONICAL_LOW_END 0x0000800000000000ull

struct pagetable {
	uint64_t *root;		/* the PML4, as pt_page_virt() gives it */
	uint64_t root_pa;	/* what CR3 points at */
	bool huge_1g;		/* 1 GiB pages may be used */
	uint64_t nx;		/* PTE_NX when EFER.NXE is on, else 0 */
	uint64_t pa_limit;	/* 1 << MAXPHYADDR */
	size_t table_pages;	/* page-table pages in use, the root included */
};

/* Linear addresses whose TLB entries pt_unmap() made stale. */
#define PT_FLUSH_MAX 16
struct pt_flush {
	bool all;		/* too many to list: flush the whole TLB */
	unsigned count;
	uint64_t va[PT_FLUSH_MAX];
};

/* One translation, as pt_lookup() finds it. */
struct pt_mapping {
	uint64_t pa;		/* physical address of the looked-up byte */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	uint64_t flags;		/* PT_MAP_FLAGS bits of the leaf entry */
};

/*
 * Supplied by the user of this file. pt_page_alloc returns one zeroed,
 * 4 KiB-aligned page as a pointer the code can write, its physical address
 * in *pa, or NULL when memory is short; pt_page_free gives one back;
 * pt_page_virt turns the physical address of a table page into a pointer.
 */
void *pt_page_alloc(uint64_t *pa);
void pt_page_free(void *va, uint64_t pa);
void *pt_page_virt(uint64_t pa);

/*
 * Start an empty address space: allocates the root. pa_bits is the CPU's
 * physical-address width (CPUID 0x80000008 EAX[7:0]); nx says whether
 * PTE_NX may be set (otherwise it is dropped from every mapping).
 */
SV_MUST_CHECK int pt_init(struct pagetable *pt, bool huge_1g, bool nx,
			  unsigned pa_bits);
/* Free every table page, the root included. Nothing may use pt after. */
void pt_destroy(struct pagetable *pt);

/*
 * Map [va, va + size) to [pa, pa + size) with the PT_MAP_FLAGS bits in
 * flags (present and, for large pages, PS are added). va, pa and size must
 * be 4 KiB multiples, size non-zero, the range canonical, pa below the
 * physical-address limit. The whole range must be unmapped: -SV_EEXIST
 * otherwise, with nothing changed. -SV_EINVAL for bad arguments,
 * -SV_ENOMEM when a table page cannot be had (what was mapped is undone).
 * A new mapping needs no TLB flush (not-present entries are never cached).
 */
SV_MUST_CHECK int pt_map(struct pagetable *pt, uint64_t va, uint64_t pa,
			 uint64_t size, uint64_t flags);

/*
 * Unmap whatever is mapped in [va, va + size) (holes are fine). Large
 * pages that straddle an end of the range are split first. Adds the
 * addresses to invalidate to *fl (which the caller zeroes). -SV_EINVAL for
 * bad arguments; -SV_ENOMEM when a split needs a table page that cannot be
 * had: the part of the range below the failing page is then unmapped, the
 * rest untouched, and *fl is still valid.
 */
SV_MUST_CHECK int pt_unmap(struct pagetable *pt, uint64_t va, uint64_t size,
			   struct pt_flush *fl);

/* The translation of va; false when va is not mapped. */
bool pt_lookup(const struct pagetable *pt, uint64_t va, struct pt_mapping *m);

/* True when some page of [va, va + size) is mapped. */
bool pt_any_mapped(const struct pagetable *pt, uint64_t va, uint64_t size);

/*
 * The page size pt_map() uses for the piece at va -> pa when size bytes
 * remain: the largest of 1 GiB (if allowed), 2 MiB and 4 KiB to which
 * both addresses are aligned and that fits in size.
 */
uint64_t pt_page_size_for(const struct pagetable *pt, uint64_t va, uint64_t pa,
			  uint64_t size);

#endif /* SV_BM_PAGETABLE_H */
